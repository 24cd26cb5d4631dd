package api

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// query is a request's query string, read strictly: a known parameter that
// is repeated or badly percent-encoded is a field error, never silently
// dropped as url.Values would; unknown parameters are ignored.
type query struct {
	values map[string][]string
	bad    map[string]bool // parameters with a value that does not decode
	errs   helpdesk.FieldErrors
}

func parseQuery(raw string) *query {
	q := &query{values: map[string][]string{}, bad: map[string]bool{}, errs: helpdesk.FieldErrors{}}
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			continue // cannot be the name of a known parameter
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			q.bad[key] = true
		}
		q.values[key] = append(q.values[key], val)
	}
	return q
}

// get returns the one value of a parameter and whether it was given.
func (q *query) get(name string) (string, bool) {
	vs, ok := q.values[name]
	switch {
	case !ok:
		return "", false
	case q.bad[name]:
		q.errs.Add(name, "Must be percent-encoded correctly")
		return "", false
	case len(vs) > 1:
		q.errs.Add(name, "Must be given once")
		return "", false
	}
	return vs[0], true
}

// limit reads an integer page size from 1 to max, defaulting to def. Only
// plain decimal digits are accepted: "1e2", "+5", " 5" and "" are errors.
func (q *query) limit(name string, def, max int) int {
	s, ok := q.get(name)
	if !ok {
		return def
	}
	n := 0
	valid := len(s) > 0 && len(s) <= 4
	for i := 0; valid && i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			valid = false
			break
		}
		n = n*10 + int(s[i]-'0')
	}
	if !valid || n < 1 || n > max {
		q.errs.Add(name, fmt.Sprintf("Must be an integer from 1 to %d", max))
		return def
	}
	return n
}

// err returns the parameter errors found so far, or nil.
func (q *query) err() error { return q.errs.Err() }
