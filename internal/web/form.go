package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// form is a submitted form being shown again: the values as typed and the
// messages per field, which templates put next to their fields.
type form struct {
	// ID names the form on the page, so a page with several forms shows the
	// values and errors only in the one that was sent.
	ID      string
	Values  url.Values
	Errors  map[string][]string
	Message string // a message about the whole form
}

func newForm(id string, r *http.Request) *form {
	f := &form{ID: id, Values: url.Values{}}
	if r != nil && r.PostForm != nil {
		f.Values = r.PostForm
	}
	return f
}

// Is reports whether this is the form with this id.
func (f *form) Is(id string) bool { return f != nil && f.ID == id }

// Get returns a submitted value, or "" (also on a nil form).
func (f *form) Get(field string) string {
	if f == nil {
		return ""
	}
	return f.Values.Get(field)
}

// Err returns the messages of a field, joined, or "".
func (f *form) Err(field string) string {
	if f == nil {
		return ""
	}
	return strings.Join(f.Errors[field], " ")
}

// HasErrors reports whether any field or the form failed.
func (f *form) HasErrors() bool { return f != nil && (len(f.Errors) > 0 || f.Message != "") }

// invalid fills the form from a domain error and reports whether the error
// belongs on the form (a validation error) rather than on an error page.
func (f *form) invalid(err error, fieldAliases map[string]string) bool {
	var e *helpdesk.Error
	if !errors.As(err, &e) || e.Code != helpdesk.EInvalid {
		return false
	}
	f.Errors = map[string][]string{}
	for field, msgs := range e.Fields {
		if alias, ok := fieldAliases[field]; ok {
			field = alias
		}
		f.Errors[field] = append(f.Errors[field], msgs...)
	}
	f.Message = "Please correct the fields marked below."
	return true
}
