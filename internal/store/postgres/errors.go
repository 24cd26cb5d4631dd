package postgres

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// PostgreSQL error codes the store acts on.
const (
	codeUniqueViolation      = "23505"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
)

// wrapErr translates a driver error at the store's boundary: no rows becomes
// helpdesk.ErrNotFound, a unique violation helpdesk.ErrConflict (with the
// driver's message in the text only, so no caller comes to depend on a pgx
// type), and anything else is wrapped with what the store was doing.
func wrapErr(err error, format string, args ...any) error {
	what := fmt.Sprintf(format, args...)
	var pgErr *pgconn.PgError
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("%s: %w", what, helpdesk.ErrNotFound)
	case errors.As(err, &pgErr) && pgErr.Code == codeUniqueViolation:
		return fmt.Errorf("%s: %w (%s)", what, helpdesk.ErrConflict, pgErr.Error())
	}
	return fmt.Errorf("%s: %w", what, err)
}

// notFound is the error for a row that does not exist in the workspace.
func notFound(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), helpdesk.ErrNotFound)
}

// conflict is the error for a row that already exists.
func conflict(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), helpdesk.ErrConflict)
}

// retryable reports whether a failed transaction should run again: it lost
// a race for a row (raced, and it failed with ErrConflict), or PostgreSQL
// chose it as the victim of a deadlock or a serialization failure.
func retryable(err error, raced bool) bool {
	if raced && errors.Is(err, helpdesk.ErrConflict) {
		return true
	}
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == codeDeadlockDetected || pgErr.Code == codeSerializationFailure)
}
