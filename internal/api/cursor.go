package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
)

// Cursors are opaque to clients: base64url (no padding) of
//
//	version (1 byte) | position (8 bytes, big-endian) | MAC (16 bytes)
//
// where MAC is HMAC-SHA256 under the server's cursor key over the purpose,
// the workspace id, the version and the position, truncated to 128 bits. The
// purpose keeps a ticket cursor from being replayed as an events cursor, and
// the workspace id makes a cursor minted for one workspace invalid in every
// other: it reads exactly like a tampered cursor.
const (
	cursorVersion = 1
	cursorMACLen  = 16
	cursorLen     = 1 + 8 + cursorMACLen
	// cursorTextLen is the length of an encoded cursor; anything else is
	// refused before decoding.
	cursorTextLen = (cursorLen*8 + 5) / 6
)

// Cursor purposes.
const (
	cursorTickets = "tickets"
	cursorEvents  = "events"
)

// encodeCursor returns the cursor for position in workspaceID's list.
func (a *API) encodeCursor(purpose, workspaceID string, position int64) string {
	var b [cursorLen]byte
	b[0] = cursorVersion
	binary.BigEndian.PutUint64(b[1:9], uint64(position))
	copy(b[9:], a.cursorMAC(purpose, workspaceID, b[:9]))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// decodeCursor returns the position a cursor holds, or ok=false when it was
// not made by encodeCursor for this purpose and workspace.
func (a *API) decodeCursor(purpose, workspaceID, s string) (position int64, ok bool) {
	if len(s) != cursorTextLen {
		return 0, false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || len(b) != cursorLen || b[0] != cursorVersion {
		return 0, false
	}
	if !hmac.Equal(b[9:], a.cursorMAC(purpose, workspaceID, b[:9])) {
		return 0, false
	}
	n := binary.BigEndian.Uint64(b[1:9])
	if n > 1<<62 {
		return 0, false
	}
	return int64(n), true
}

func (a *API) cursorMAC(purpose, workspaceID string, head []byte) []byte {
	m := hmac.New(sha256.New, a.cursorKey)
	// Length-prefix the variable parts so no two inputs share an encoding.
	var l [4]byte
	for _, part := range []string{purpose, workspaceID} {
		binary.BigEndian.PutUint32(l[:], uint32(len(part)))
		m.Write(l[:])
		m.Write([]byte(part))
	}
	m.Write(head)
	return m.Sum(nil)[:cursorMACLen]
}
