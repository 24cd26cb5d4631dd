package postgres

import (
	"time"

	"github.com/tixallo/tixallo/internal/store/rowmap"
)

// scanners are PostgreSQL's rowmap.Scanners: pgx scans times and nullable
// text into the pointers themselves.
type scanners struct{}

var _ rowmap.Scanners = scanners{}

func (scanners) Time(p *time.Time) any      { return p }
func (scanners) NullTime(p **time.Time) any { return p }
func (scanners) NullString(p **string) any  { return p }
