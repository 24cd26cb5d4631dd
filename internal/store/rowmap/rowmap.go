// Package rowmap is what the two stores share of reading the rows whose
// columns are the same in both dialects: the column list, where each column
// is scanned, and how the scanned values become helpdesk values. Before it,
// each store had its own copy of these, which had to change together.
//
// Each store keeps what really differs: the placeholders of its WHERE
// clauses (the selects here end before them, and are constants, so SQLite's
// statement cache still sees one text per statement), how it runs a
// statement (the statement cache, pgx's pipelines), and the Scanners for
// the columns it stores or scans its own way.
package rowmap

import "time"

// Scanners turns a destination into what the store's driver scans that
// kind of column into. SQLite keeps times as INTEGER microseconds and reads
// nullable text without database/sql's reflection; pgx scans into the
// pointers themselves. A store passes a zero-size value, and every wrapper
// returned is a single pointer, so none of this allocates.
type Scanners interface {
	// Time is a NOT NULL time column.
	Time(p *time.Time) any
	// NullTime is a nullable time column: nil for NULL.
	NullTime(p **time.Time) any
	// NullString is a nullable text column: nil for NULL.
	NullString(p **string) any
}
