package postgres

import (
	"encoding/binary"
	"errors"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// The API's ticket list is the most requested read, and pgx's generic Scan
// was its largest cost in the server after the network: a plan looked up
// per value, and reflection for the named string types (helpdesk.Status, …).
// The page's columns have fixed types, so a row is decoded from its wire
// bytes here instead, when every column came in the format expected (binary
// for the number and the times; text travels as its bytes in either).
// Anything else falls back to Scan.

// ticketPageTypes are the type OIDs of ticketPageColumns, in order.
var ticketPageTypes = [...]uint32{
	pgtype.TextOID, pgtype.Int8OID, pgtype.TextOID, pgtype.TextOID, pgtype.TextOID, pgtype.TextOID, pgtype.TextOID,
	pgtype.TextOID, pgtype.TextOID, pgtype.TextOID, pgtype.TextOID, pgtype.TimestamptzOID, pgtype.TimestamptzOID,
}

// rawTicketPage reports whether rows of ticketPageColumns described by fds
// can be decoded by decodeTicketPageRow.
func rawTicketPage(fds []pgconn.FieldDescription) bool {
	if len(fds) != len(ticketPageTypes) {
		return false
	}
	for i, fd := range fds {
		if fd.DataTypeOID != ticketPageTypes[i] {
			return false
		}
		if fd.DataTypeOID != pgtype.TextOID && fd.Format != pgx.BinaryFormatCode {
			return false
		}
	}
	return true
}

var errRawTicket = errors.New("unexpected NULL or value size in a ticket row")

// decodeTicketPageRow fills t (all but WorkspaceID) from one row's values.
func decodeTicketPageRow(v [][]byte, t *helpdesk.Ticket) error {
	if len(v) != len(ticketPageTypes) || v[0] == nil || len(v[1]) != 8 || v[2] == nil || v[3] == nil ||
		v[7] == nil || v[8] == nil {
		return errRawTicket
	}
	t.ID = string(v[0])
	t.Number = int64(binary.BigEndian.Uint64(v[1]))
	t.Subject = string(v[2])
	t.Description = string(v[3])
	t.Status = helpdesk.Status(enumString(v[4]))
	t.Priority = helpdesk.Priority(enumString(v[5]))
	t.Source = helpdesk.Source(enumString(v[6]))
	t.InboxID = string(v[7])
	t.CustomerID = string(v[8])
	t.AssigneeID = nullableText(v[9])
	t.MergedIntoID = nullableText(v[10])
	var err error
	if t.CreatedAt, err = timestamptz(v[11]); err != nil {
		return err
	}
	t.UpdatedAt, err = timestamptz(v[12])
	return err
}

// enumString returns the value of an enumerated column, without allocating
// for the values the schema allows.
func enumString(b []byte) string {
	switch string(b) { // no allocation: the compiler compares the bytes
	case "new":
		return "new"
	case "open":
		return "open"
	case "pending":
		return "pending"
	case "closed":
		return "closed"
	case "low":
		return "low"
	case "medium":
		return "medium"
	case "high":
		return "high"
	case "urgent":
		return "urgent"
	case "api":
		return "api"
	case "web":
		return "web"
	case "email":
		return "email"
	}
	return string(b)
}

func nullableText(b []byte) *string {
	if b == nil {
		return nil
	}
	s := string(b)
	return &s
}

// pgEpochUnix is 2000-01-01 00:00 UTC, the origin of PostgreSQL's binary
// timestamps, in Unix seconds.
const pgEpochUnix = 946684800

// timestamptz decodes a binary timestamptz (µs since 2000-01-01 UTC) into a
// UTC time, as the store's registered codec does (registerTypes).
func timestamptz(b []byte) (time.Time, error) {
	if len(b) != 8 {
		return time.Time{}, errRawTicket
	}
	us := int64(binary.BigEndian.Uint64(b))
	if us == math.MaxInt64 || us == math.MinInt64 {
		return time.Time{}, errors.New("infinite timestamp in a ticket row")
	}
	return time.Unix(pgEpochUnix+us/1_000_000, us%1_000_000*1000).UTC(), nil
}
