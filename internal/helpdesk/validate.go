package helpdesk

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"
)

// Text limits, counted in Unicode code points after trimming surrounding
// white space (SPEC §3.4).
const (
	MaxSubject     = 300
	MaxBody        = 20000
	MaxEmail       = 255
	MaxPersonName  = 120
	MaxKeyName     = 100
	MaxInboxName   = 100
	MaxCompanyName = 200
)

// text validates a string field: trimmed, valid UTF-8, no NUL (PostgreSQL
// cannot store one), and between min and max code points. An empty optional
// field (min 0) is fine.
func text(errs FieldErrors, field, value string, min, max int) string {
	v := strings.TrimSpace(value)
	switch n := utf8.RuneCountInString(v); {
	case !utf8.ValidString(v):
		errs.Add(field, "Must be valid UTF-8 text")
	case strings.ContainsRune(v, 0):
		errs.Add(field, "Must not contain NUL characters")
	case n == 0 && min > 0:
		errs.Add(field, "Required")
	case n < min:
		errs.Add(field, fmt.Sprintf("Must be at least %d characters", min))
	case n > max:
		errs.Add(field, fmt.Sprintf("Must be at most %d characters", max))
	}
	return v
}

// NormalizeEmail trims and lower-cases an address. Customers and users are
// matched on this form; the domain part is case-insensitive by definition,
// and no help desk user expects Jane@ and jane@ to be two people.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// email validates and normalises an address: a bare addr-spec (no display
// name), with a dotless-or-dotted domain, at most MaxEmail characters.
func email(errs FieldErrors, field, value string) string {
	v := NormalizeEmail(value)
	switch {
	case v == "":
		errs.Add(field, "Required")
	case utf8.RuneCountInString(v) > MaxEmail:
		errs.Add(field, fmt.Sprintf("Must be at most %d characters", MaxEmail))
	case !validEmail(v):
		errs.Add(field, "Must be a valid email address")
	}
	return v
}

func validEmail(v string) bool {
	if !utf8.ValidString(v) || strings.ContainsAny(v, " \t\r\n<>\x00") {
		return false
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Name != "" || a.Address != v {
		return false
	}
	local, domain, ok := strings.Cut(v, "@")
	return ok && local != "" && domain != "" && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

// optionalText validates an optional field given as a pointer: nil stays nil.
func optionalText(errs FieldErrors, field string, value *string, min, max int) *string {
	if value == nil {
		return nil
	}
	v := text(errs, field, *value, min, max)
	return &v
}
