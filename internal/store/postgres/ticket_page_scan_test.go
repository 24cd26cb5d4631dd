package postgres

import (
	"encoding/binary"
	"testing"
	"time"
)

// TestTimestamptz: binary timestamps decode to the instant pgx gives,
// before and after PostgreSQL's epoch, to the microsecond, in UTC.
func TestTimestamptz(t *testing.T) {
	for _, want := range []time.Time{
		time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 27, 3, 4, 5, 123456000, time.UTC),
		time.Date(1999, 12, 31, 23, 59, 59, 999999000, time.UTC),
		time.Date(1970, 1, 1, 0, 0, 0, 1000, time.UTC),
	} {
		us := want.Sub(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).Microseconds()
		b := binary.BigEndian.AppendUint64(nil, uint64(us))
		got, err := timestamptz(b)
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("%v: got %v (%v), %v", want, got, got.Location(), err)
		}
	}
	if _, err := timestamptz([]byte{1, 2, 3}); err == nil {
		t.Error("a 3-byte timestamp decoded")
	}
	if _, err := timestamptz(nil); err == nil {
		t.Error("a NULL timestamp decoded")
	}
}
