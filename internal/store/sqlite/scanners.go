package sqlite

import (
	"time"

	"github.com/tixallo/tixallo/internal/store/rowmap"
)

// scanners are SQLite's rowmap.Scanners: times are INTEGER microseconds
// (time.go), and nullable text is read without database/sql's reflection
// (nullString).
type scanners struct{}

var _ rowmap.Scanners = scanners{}

func (scanners) Time(p *time.Time) any      { return timeCol{p} }
func (scanners) NullTime(p **time.Time) any { return nullTimeCol{p} }
func (scanners) NullString(p **string) any  { return nullString{p} }
