package sqlite

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/tixallo/tixallo/internal/helpdesk"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// wrapErr translates a driver error at the store's boundary: no rows becomes
// helpdesk.ErrNotFound, a unique or primary-key violation helpdesk.ErrConflict,
// and anything else is wrapped with what the store was doing. The driver's
// message is kept in the text of a conflict for the logs, but not in the
// chain, so no caller can come to depend on a driver error type.
func wrapErr(err error, format string, args ...any) error {
	what := fmt.Sprintf(format, args...)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%s: %w", what, helpdesk.ErrNotFound)
	case isUniqueViolation(err):
		return fmt.Errorf("%s: %w (%s)", what, helpdesk.ErrConflict, err.Error())
	}
	return fmt.Errorf("%s: %w", what, err)
}

// notFound is the error for a row that does not exist in the workspace.
func notFound(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), helpdesk.ErrNotFound)
}

// isUniqueViolation reports whether err is SQLite refusing a duplicate key.
// The connection reports extended result codes, so the constraint kind is in
// the code and no message has to be parsed.
func isUniqueViolation(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_ROWID:
		return true
	}
	return false
}

// isBusy reports whether err is SQLite's SQLITE_BUSY (in any of its
// extended forms): a lock another connection holds.
func isBusy(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_BUSY
}
