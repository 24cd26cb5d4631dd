package sqlite

import (
	"context"
	"fmt"

	"github.com/tixallo/tixallo/internal/helpdesk"
	"github.com/tixallo/tixallo/internal/store/rowmap"
)

// ticketPageSelect reads the tickets alone: no join, and not the workspace id,
// which the caller passed in. The public API's list returns nothing else, and
// it is the API's most requested read: the joins of ticketRowSelect (a
// customer, an inbox and a user looked up per row) and the four columns they
// add were a third of the cost of reading a page (docs/benchmarks.md).
const ticketPageSelect = `SELECT ` + rowmap.TicketColumns + ` FROM tickets t`

// maxPreallocTickets bounds the capacity TicketPage reserves up front, so a
// filter without a limit does not reserve for every ticket.
const maxPreallocTickets = 64

// TicketPage lists the tickets Tickets lists, in the same order, without
// what only the app shows beside them (helpdesk.Service.TicketPage).
func (r reader) TicketPage(ctx context.Context, workspaceID string, f helpdesk.TicketFilter) ([]helpdesk.Ticket, error) {
	query, args := ticketsQueryFrom(ticketPageSelect, workspaceID, f)
	rows, err := r.query(ctx, query, args...)
	if err != nil {
		return nil, wrapErr(err, "list tickets")
	}
	defer rows.Close()

	out := make([]helpdesk.Ticket, 0, min(max(f.Limit, 0), maxPreallocTickets))
	// One set of destinations for every row: building the []any and its
	// boxed pointers per row was an allocation per column.
	var row rowmap.Ticket
	dest := row.Dest(scanners{})
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, wrapErr(err, "list tickets")
		}
		out = append(out, row.Value(workspaceID)) // the query's own condition
	}
	if err := rows.Err(); err != nil {
		return nil, wrapErr(err, "list tickets")
	}
	return out, nil
}

// nullString scans a nullable text column into a *string. Every non-NULL
// value gets a new string pointer, so one nullString can serve every row.
type nullString struct{ p **string }

func (c nullString) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.p = nil
	case string:
		*c.p = &v
	case []byte:
		s := string(v)
		*c.p = &s
	default:
		return fmt.Errorf("text column holds %T", src)
	}
	return nil
}
