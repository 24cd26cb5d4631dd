package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// MaxBody is the largest request body the API reads (SPEC §3.3: 1 MiB).
const MaxBody = 1 << 20

// maxDepth bounds how deeply a request body may nest arrays and objects. No
// request field is nested at all; the bound keeps a hostile body from costing
// the decoder a deep recursion.
const maxDepth = 32

// contentType is the type of every response.
const contentType = "application/json; charset=utf-8"

// writeJSON writes v as the whole response: json.Marshal's bytes, with no
// trailing newline, so every response of a given value is the same bytes.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only a programming error (an unencodable type) gets here.
		status, b = http.StatusInternalServerError, []byte(`{"error":"Internal server error"}`)
	}
	writeRaw(w, status, b)
}

// writeRaw writes an already encoded JSON body.
func writeRaw(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// readBody returns the raw request body after checking its declared type and
// size. A body without a Content-Type header is read as JSON (curl -d sends
// form encoding's type, but many HTTP clients send none at all); any declared
// type other than application/json, with or without parameters, is 415.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if ct := r.Header.Values("Content-Type"); len(ct) > 0 {
		if len(ct) > 1 {
			return nil, errMediaType
		}
		mt, _, err := mime.ParseMediaType(ct[0])
		if err != nil || mt != "application/json" {
			return nil, errMediaType
		}
	}
	if r.ContentLength > MaxBody {
		return nil, errTooLarge
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errTooLarge
		}
		// The client went away or sent a broken chunked body; it will not
		// read the answer, and this is not the server's fault.
		return nil, errInvalidJSON
	}
	return b, nil
}

// decodeObject parses body as one JSON object and returns its members
// undecoded. Anything else — invalid UTF-8, another JSON type, trailing data,
// nesting deeper than maxDepth — is "Invalid JSON". Duplicate members keep
// the last value, as in most JSON parsers.
func decodeObject(body []byte) (map[string]json.RawMessage, error) {
	if !utf8.Valid(body) || !shallow(body) {
		return nil, errInvalidJSON
	}
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, errInvalidJSON
	}
	var m map[string]json.RawMessage
	// Unmarshal checks the whole input, so trailing data is an error too.
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		return nil, errInvalidJSON
	}
	return m, nil
}

// shallow reports whether b nests arrays and objects at most maxDepth deep.
// It only counts brackets outside strings; validity is Unmarshal's job.
func shallow(b []byte) bool {
	depth, inString, escaped := 0, false, false
	for _, c := range b {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			if depth > maxDepth {
				return false
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return true
}

// fields reads typed members out of a decoded object, collecting a message
// per member of the wrong JSON type. An absent member and null are both "not
// given": the domain then reports a required one as "Required", exactly like
// an empty string, and an optional one takes its default.
type fields struct {
	m    map[string]json.RawMessage
	errs helpdesk.FieldErrors
}

func newFields(m map[string]json.RawMessage) *fields {
	return &fields{m: m, errs: helpdesk.FieldErrors{}}
}

// str returns the member's string value, or nil when it is absent or null.
func (f *fields) str(name string) *string {
	raw, ok := f.m[name]
	if !ok || isNull(raw) {
		return nil
	}
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		f.errs.Add(name, "Expected string")
		return nil
	}
	return &s
}

// err returns the type errors found so far, or nil.
func (f *fields) err() error { return f.errs.Err() }

func isNull(raw json.RawMessage) bool { return string(raw) == "null" }
