package sqlite

import (
	"database/sql"
	"fmt"
	"time"
)

// Times are stored as INTEGER microseconds since the Unix epoch: exact,
// sortable, zone-free, and the precision PostgreSQL keeps too. They come
// back as UTC.

// micros is the stored form of t.
func micros(t time.Time) int64 { return t.UnixMicro() }

// nullMicros is the stored form of an optional time.
func nullMicros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMicro()
}

// fromMicros is the time.Time of a stored value.
func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

var (
	_ sql.Scanner = timeCol{}
	_ sql.Scanner = nullTimeCol{}
)

// timeCol scans a NOT NULL time column into a time.Time.
type timeCol struct{ t *time.Time }

func (c timeCol) Scan(src any) error {
	v, ok := src.(int64)
	if !ok {
		return fmt.Errorf("time column holds %T, not an integer", src)
	}
	*c.t = fromMicros(v)
	return nil
}

// nullTimeCol scans a nullable time column into a *time.Time.
type nullTimeCol struct{ t **time.Time }

func (c nullTimeCol) Scan(src any) error {
	if src == nil {
		*c.t = nil
		return nil
	}
	var t time.Time
	if err := (timeCol{&t}).Scan(src); err != nil {
		return err
	}
	*c.t = &t
	return nil
}
