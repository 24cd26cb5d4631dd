package helpdesk

import (
	"errors"
	"fmt"
)

// Code classifies an Error. Transports map each code to a status in exactly
// one place (internal/api and internal/web each have one function for it).
type Code string

const (
	EInvalid      Code = "invalid"      // input failed validation; see Error.Fields
	ENotFound     Code = "not_found"    // unknown id, another workspace's id, or a malformed id
	EConflict     Code = "conflict"     // a unique value is already taken, or a state forbids the change
	EMerged       Code = "merged"       // the ticket was merged into another one
	EForbidden    Code = "forbidden"    // the caller's role or key scope does not allow this
	EUnauthorized Code = "unauthorized" // credentials missing or not accepted
	EInternal     Code = "internal"     // anything else; details are logged, never shown

	// Idempotency-Key outcomes (SPEC §3.5).
	EIdempotencyReused     Code = "idempotency_reused"      // same key, different request
	EIdempotencyInProgress Code = "idempotency_in_progress" // same key, first request still running
)

// Error is the one error type the domain returns to its callers. Message is
// safe to show to a user; wrapped causes are for logs only.
type Error struct {
	Code    Code
	Message string
	// Fields holds per-field messages for EInvalid, keyed by the field name the
	// caller used (JSON name for the API, form name for the app).
	Fields map[string][]string
	Err    error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an Error with a formatted user-facing message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EInternal for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// IsCode reports whether err carries the given code.
func IsCode(err error, code Code) bool { return ErrorCode(err) == code }

// Sentinel errors that stores return (wrapped) so the service can translate
// them. Stores never leak driver errors for these cases.
var (
	ErrNotFound = &Error{Code: ENotFound, Message: "Not found"}
	ErrConflict = &Error{Code: EConflict, Message: "Already exists"}
)

// FieldErrors collects validation messages per field and becomes an EInvalid
// error when any were added.
type FieldErrors map[string][]string

// Add records msg for field.
func (f FieldErrors) Add(field, msg string) { f[field] = append(f[field], msg) }

// Err returns nil when no field failed, or an EInvalid *Error carrying them.
func (f FieldErrors) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Code: EInvalid, Message: "Invalid input", Fields: f}
}
