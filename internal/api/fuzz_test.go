package api

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

// acceptsKey is the fuzz oracle for SPEC §3.1: the header is "Bearer" in any
// ASCII case, one or more spaces, and exactly the key, within 256 bytes.
func acceptsKey(v, key string) bool {
	const scheme = "bearer"
	if len(v) > 256 || len(v) <= len(scheme)+1 || v[len(scheme)] != ' ' {
		return false
	}
	for i := range len(scheme) {
		c := v[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != scheme[i] {
			return false
		}
	}
	return strings.TrimLeft(v[len(scheme):], " ") == key
}

// FuzzAuthorization sends arbitrary Authorization values through the whole
// server: never a 500, and 401 with the one body unless the value carries
// the real key in an accepted form.
func FuzzAuthorization(f *testing.F) {
	e := newEnv(f)
	tn := e.newTenant()
	for _, s := range []string{
		"", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer tix_", "Bearer " + strings.Repeat("A", 300),
		"Bearer " + tn.key, "bearer   " + tn.key, "BEARER " + tn.key, "Bearer " + tn.key + " ",
		"Bearer " + flip(tn.key, 20), "Bearer " + flip(tn.key, 49), "Bearer\t" + tn.key, "Bearer " + tn.key[:49],
		"Bearer tix_" + strings.Repeat("0", 46), "Bearer " + withChecksum(tn.key[4:12]+strings.Repeat("z", 32)),
		"Bearer \x00" + tn.key, "Bearer " + tn.key + "\n", "Beare\u0280 " + tn.key,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		r := request("GET", "/api/v1/tickets", "", "")
		r.Header["Authorization"] = []string{v}
		w := e.serve(r)
		switch {
		case w.Code == http.StatusInternalServerError:
			t.Fatalf("500 for %q: %s", v, w.Body)
		case acceptsKey(v, tn.key):
			if w.Code != http.StatusOK {
				t.Fatalf("valid form %q: %d %s", v, w.Code, w.Body)
			}
		case w.Code != http.StatusUnauthorized || w.Body.String() != unauthorizedBody ||
			w.Header().Get("WWW-Authenticate") != `Bearer realm="tixallo"`:
			t.Fatalf("%q: %d %s", v, w.Code, w.Body)
		}
	})
}

// FuzzDecodeTicketBody sends arbitrary bytes to ticket creation: never a 500
// or a panic, only 201, 400 or 413; a 201 is a ticket with a valid subject.
func FuzzDecodeTicketBody(f *testing.F) {
	e := newEnv(f)
	tn := e.newTenant()
	for _, s := range []string{
		createBody(nil), `{}`, `[]`, `null`, `""`, `{"subject":1}`, `{"subject":null}`, `{"a":[[[[[[]]]]]]}`,
		"{\"subject\":\"\xff\"}", createBody(map[string]any{"subject": strings.Repeat("🎫", 300)}),
		`{"subject":"s","description":"d","customer_email":"a@b","priority":"low","customer_name":"n"} `,
		`{"subject":"\ud800","description":"\u0000","customer_email":"x@y.z"}`, `{"subject":"s"}{}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		// The decoder alone must not panic either.
		_, _ = decodeNewTicket(body)

		r := request("POST", "/api/v1/tickets", tn.key, "x")
		r.Body = http.NoBody
		if len(body) > 0 {
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		r.ContentLength = int64(len(body))
		w := e.serve(r)
		switch w.Code {
		case http.StatusCreated:
			var out dataObject[ticketObject]
			mustUnmarshal(t, w.Body.Bytes(), &out)
			if n := utf8.RuneCountInString(out.Data.Subject); n < 1 || n > 300 || !utf8.ValidString(out.Data.Subject) {
				t.Fatalf("created a ticket with subject %q", out.Data.Subject)
			}
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
		default:
			t.Fatalf("%q: %d %s", body, w.Code, w.Body)
		}
	})
}
