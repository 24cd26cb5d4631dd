package api

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/tixallo/tixallo/internal/helpdesk"
	"github.com/tixallo/tixallo/internal/httpserver"
)

// Codes for failures that only the transport knows about. They extend the
// domain's codes so that writeError is the one place where any failure
// becomes a status and a body.
const (
	eInvalidJSON   helpdesk.Code = "api_invalid_json"
	eTooLarge      helpdesk.Code = "api_too_large"
	eMediaType     helpdesk.Code = "api_media_type"
	eMethod        helpdesk.Code = "api_method_not_allowed"
	eRateLimited   helpdesk.Code = "api_rate_limited"
	eAuthThrottled helpdesk.Code = "api_auth_throttled"
)

var (
	errUnauthorized = &helpdesk.Error{Code: helpdesk.EUnauthorized, Message: "Unauthorized"}
	errForbidden    = &helpdesk.Error{Code: helpdesk.EForbidden, Message: "Forbidden"}
	errNotFound     = &helpdesk.Error{Code: helpdesk.ENotFound, Message: "Not found"}
	errInvalidJSON  = &helpdesk.Error{Code: eInvalidJSON, Message: "Invalid JSON"}
	errTooLarge     = &helpdesk.Error{Code: eTooLarge, Message: "Payload too large"}
	errMediaType    = &helpdesk.Error{Code: eMediaType, Message: "Content-Type must be application/json"}
)

// methodError is a 405 with the methods the path does allow.
type methodError struct{ allow string }

func (e *methodError) Error() string { return "method not allowed; allow " + e.allow }

// throttled is a 429: by the per-key limit (auth=false) or the per-IP
// failed-authentication throttle (auth=true). retryAfter is in seconds.
type throttled struct {
	auth       bool
	retryAfter int
}

func (e *throttled) Error() string { return "throttled" }

// errorBody is every error response; fields after Error appear only where
// SPEC §3.3 shows them.
type errorBody struct {
	Error         string          `json:"error"`
	Details       *invalidDetails `json:"details,omitempty"`
	Limit         *int            `json:"limit,omitempty"`
	WindowSeconds *int            `json:"window_seconds,omitempty"`
}

type invalidDetails struct {
	FieldErrors map[string][]string `json:"fieldErrors"`
	FormErrors  []string            `json:"formErrors"`
}

// writeError is the one function that turns a failure into an HTTP response.
// Client errors get fixed bodies (SPEC §3.3), never the text of a wrapped
// cause; anything unexpected is a logged 500 carrying the request id.
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	h := w.Header()
	var (
		status int
		body   errorBody
	)
	var (
		me *methodError
		th *throttled
	)
	switch {
	case errors.As(err, &me):
		h.Set("Allow", me.allow)
		status, body.Error = http.StatusMethodNotAllowed, "Method not allowed"
	case errors.As(err, &th) && th.auth:
		h.Set("Retry-After", strconv.Itoa(th.retryAfter))
		status, body.Error = http.StatusTooManyRequests, "Too many failed authentication attempts"
	case errors.As(err, &th):
		h.Set("Retry-After", strconv.Itoa(th.retryAfter))
		status, body.Error = http.StatusTooManyRequests, "Rate limit exceeded"
		limit, window := a.limit, a.windowSeconds()
		body.Limit, body.WindowSeconds = &limit, &window
	default:
		switch helpdesk.ErrorCode(err) {
		case helpdesk.EInvalid:
			status, body.Error = http.StatusBadRequest, "Invalid input"
			body.Details = &invalidDetails{FieldErrors: fieldErrors(err), FormErrors: []string{}}
		case eInvalidJSON:
			status, body.Error = http.StatusBadRequest, "Invalid JSON"
		case helpdesk.EUnauthorized:
			// Every 401 is these bytes and this one extra header, whatever
			// the reason (SPEC §3.1); the reason goes to the log and metrics.
			h.Set("WWW-Authenticate", `Bearer realm="tixallo"`)
			status, body.Error = http.StatusUnauthorized, "Unauthorized"
		case helpdesk.EForbidden:
			status, body.Error = http.StatusForbidden, "Forbidden"
		case helpdesk.ENotFound:
			status, body.Error = http.StatusNotFound, "Not found"
		case helpdesk.EMerged:
			status, body.Error = http.StatusConflict, "Ticket has been merged"
		case helpdesk.EIdempotencyInProgress:
			h.Set("Retry-After", "1")
			status, body.Error = http.StatusConflict, "Request with this idempotency key is in progress"
		case helpdesk.EIdempotencyReused:
			status, body.Error = http.StatusUnprocessableEntity, "Idempotency key reused with a different request"
		case eTooLarge:
			status, body.Error = http.StatusRequestEntityTooLarge, "Payload too large"
		case eMediaType:
			status, body.Error = http.StatusUnsupportedMediaType, "Content-Type must be application/json"
		default:
			// Anything else, EConflict included (no API call can hit a
			// unique value), is a fault of the server.
			a.log.LogAttrs(r.Context(), slog.LevelError, "api request failed",
				slog.String("request_id", httpserver.RequestID(r.Context())),
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.String("err", err.Error()),
			)
			status, body.Error = http.StatusInternalServerError, "Internal server error"
		}
	}
	writeJSON(w, status, body)
}

// fieldErrors returns the per-field messages of an EInvalid error, never nil.
// Messages of one field keep their order; duplicates are dropped.
func fieldErrors(err error) map[string][]string {
	var e *helpdesk.Error
	out := map[string][]string{}
	if !errors.As(err, &e) {
		return out
	}
	for field, msgs := range e.Fields {
		seen := map[string]bool{}
		for _, m := range msgs {
			if !seen[m] {
				seen[m] = true
				out[field] = append(out[field], m)
			}
		}
	}
	return out
}

// invalid builds an EInvalid error for one field.
func invalid(field, msg string) error {
	errs := helpdesk.FieldErrors{}
	errs.Add(field, msg)
	return errs.Err()
}
