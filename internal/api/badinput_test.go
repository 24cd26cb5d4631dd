package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// createBody builds a ticket body from a valid one with overrides; a nil
// override value removes the member, json.RawMessage is sent as is.
func createBody(over map[string]any) string {
	m := map[string]any{"subject": "Subject", "description": "Description", "customer_email": "bad-input@example.com"}
	for k, v := range over {
		if v == nil {
			delete(m, k)
			continue
		}
		m[k] = v
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// TestBadInputCreate sends hostile and malformed bodies to ticket creation:
// none yields a 500, each rejected one leaves every count unchanged, and the
// length limits count code points.
func TestBadInputCreate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tn := e.newTenant()
	fe := func(field, msg string) string {
		return `{"error":"Invalid input","details":{"fieldErrors":{"` + field + `":["` + msg + `"]},"formErrors":[]}}`
	}
	emoji := "🎫"                // one code point, four bytes
	family := "👩\u200d👩\u200d👧" // five code points, one grapheme
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }

	cases := []struct {
		name   string
		body   string
		status int
		want   string
	}{
		{"subject a number", createBody(map[string]any{"subject": 5}), 400, fe("subject", "Expected string")},
		{"subject an object", createBody(map[string]any{"subject": raw(`{"$gt":""}`)}), 400, fe("subject", "Expected string")},
		{"subject an array", createBody(map[string]any{"subject": raw(`["a"]`)}), 400, fe("subject", "Expected string")},
		{"subject true", createBody(map[string]any{"subject": true}), 400, fe("subject", "Expected string")},
		{"subject null", createBody(map[string]any{"subject": raw(`null`)}), 400, fe("subject", "Required")},
		{"subject missing", createBody(map[string]any{"subject": nil}), 400, fe("subject", "Required")},
		{"subject blank", createBody(map[string]any{"subject": " \t\n "}), 400, fe("subject", "Required")},
		{"subject NUL", createBody(map[string]any{"subject": "a\u0000b"}), 400, fe("subject", "Must not contain NUL characters")},
		{"description null", createBody(map[string]any{"description": raw(`null`)}), 400, fe("description", "Required")},
		{"email a number", createBody(map[string]any{"customer_email": 1}), 400, fe("customer_email", "Expected string")},
		{"email invalid", createBody(map[string]any{"customer_email": "not an email"}), 400, fe("customer_email", "Must be a valid email address")},
		{"email with display name", createBody(map[string]any{"customer_email": "Ann <ann@example.com>"}), 400, fe("customer_email", "Must be a valid email address")},
		{"email too long", createBody(map[string]any{"customer_email": strings.Repeat("a", 244) + "@example.com"}), 400, fe("customer_email", "Must be at most 255 characters")},
		{"name a number", createBody(map[string]any{"customer_name": 7}), 400, fe("customer_name", "Expected string")},
		{"name too long", createBody(map[string]any{"customer_name": strings.Repeat(emoji, 121)}), 400, fe("customer_name", "Must be at most 120 characters")},
		{"priority unknown", createBody(map[string]any{"priority": "critical"}), 400, fe("priority", "Must be one of low, medium, high, urgent")},
		{"priority empty", createBody(map[string]any{"priority": ""}), 400, fe("priority", "Must be one of low, medium, high, urgent")},
		{"priority a number", createBody(map[string]any{"priority": 1}), 400, fe("priority", "Expected string")},
		{"subject 301 emoji", createBody(map[string]any{"subject": strings.Repeat(emoji, 301)}), 400, fe("subject", "Must be at most 300 characters")},
		{"subject 151 combined letters", createBody(map[string]any{"subject": strings.Repeat("e\u0301", 151)}), 400, fe("subject", "Must be at most 300 characters")},
		{"subject 61 families", createBody(map[string]any{"subject": strings.Repeat(family, 61)}), 400, fe("subject", "Must be at most 300 characters")},
		{"description 20001", createBody(map[string]any{"description": strings.Repeat("x", 20001)}), 400, fe("description", "Must be at most 20000 characters")},
		{"several fields", `{"subject":1,"description":[],"customer_email":{}}`, 400,
			`{"error":"Invalid input","details":{"fieldErrors":{"customer_email":["Expected string"],"description":["Expected string"],"subject":["Expected string"]},"formErrors":[]}}`},
		{"invalid UTF-8 in a string", "{\"subject\":\"\xc3\x28\",\"description\":\"d\",\"customer_email\":\"a@example.com\"}", 400, `{"error":"Invalid JSON"}`},
		{"invalid UTF-8 in a key", "{\"\xff\":1}", 400, `{"error":"Invalid JSON"}`},
		{"UTF-16 body", "\xff\xfe{\x00}\x00", 400, `{"error":"Invalid JSON"}`},
		{"nested 33 deep", `{"x":` + strings.Repeat("[", 32) + strings.Repeat("]", 32) + `}`, 400, `{"error":"Invalid JSON"}`},
		{"nested 100000 deep", `{"x":` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `}`, 400, `{"error":"Invalid JSON"}`},
		{"unterminated deep", `{"x":` + strings.Repeat(`{"a":`, 5000), 400, `{"error":"Invalid JSON"}`},
		{"huge number", createBody(map[string]any{"subject": raw("1" + strings.Repeat("0", 5000))}), 400, fe("subject", "Expected string")},
		{"comment", `{"subject":"s" /* hi */}`, 400, `{"error":"Invalid JSON"}`},
		{"single quotes", `{'subject':'s'}`, 400, `{"error":"Invalid JSON"}`},
		{"NaN", `{"subject":NaN}`, 400, `{"error":"Invalid JSON"}`},
		{"BOM", "\uFEFF" + createBody(nil), 400, `{"error":"Invalid JSON"}`},
		{"10 MB", createBody(map[string]any{"description": strings.Repeat("x", 10<<20)}), 413, `{"error":"Payload too large"}`},
	}
	for _, c := range cases {
		before := e.counts(tn.ws.ID)
		w := e.do("POST", "/api/v1/tickets", tn.key, c.body)
		if w.Code != c.status || w.Body.String() != c.want {
			t.Errorf("%s: %d %.300s, want %d %s", c.name, w.Code, w.Body, c.status, c.want)
		}
		if after := e.counts(tn.ws.ID); after != before {
			t.Errorf("%s: counts changed %+v → %+v", c.name, before, after)
		}
	}

	// The same 10 MB without a Content-Length (chunked) is cut off at 1 MiB.
	before := e.counts(tn.ws.ID)
	r := request("POST", "/api/v1/tickets", tn.key, "x")
	r.Body = io.NopCloser(io.MultiReader(strings.NewReader(`{"description":"`), bytes.NewReader(bytes.Repeat([]byte("x"), 10<<20))))
	r.ContentLength = -1
	if w := e.serve(r); w.Code != http.StatusRequestEntityTooLarge || w.Body.String() != `{"error":"Payload too large"}` {
		t.Errorf("chunked 10 MB: %d %.200s", w.Code, w.Body)
	}
	// A lying Content-Length over the limit is refused before reading.
	r = request("POST", "/api/v1/tickets", tn.key, createBody(nil))
	r.ContentLength = MaxBody + 1
	if w := e.serve(r); w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("declared 1 MiB + 1: %d", w.Code)
	}
	if after := e.counts(tn.ws.ID); after != before {
		t.Errorf("oversized bodies changed counts %+v → %+v", before, after)
	}

	// Accepted edge cases, stored exactly.
	accepted := []struct {
		name, subject string
		over          map[string]any
	}{
		{"300 emoji", strings.Repeat(emoji, 300), nil},
		{"150 combined letters", strings.Repeat("e\u0301", 150), nil},
		{"60 families", strings.Repeat(family, 60), nil},
		{"SQL", `'; DROP TABLE tickets; -- " OR 1=1`, map[string]any{"customer_name": `Robert'); DROP TABLE customers;--`}},
		{"LIKE wildcards", `100% _done_ \ escape`, nil},
		{"HTML", `<script>alert(1)</script>`, nil},
		{"RTL and zero-width", "\u202eevil\u200b", nil},
		{"surrogate escape", "", map[string]any{"subject": raw(`"\ud83c\udfab ticket"`)}},
		{"nulls for optional fields", "null optionals", map[string]any{"customer_name": raw(`null`), "priority": raw(`null`)}},
		{"unknown members ignored", "unknown", map[string]any{"id": "x", "ticket_number": 99, "status": "closed", "nested": raw(`{"a":[{"b":null}]}`)}},
		{"32 deep unknown member", "deep", map[string]any{"x": raw(strings.Repeat("[", 31) + strings.Repeat("]", 31))}},
		{"description 20000", "long", map[string]any{"description": strings.Repeat("é", 20000)}},
		{"email 255", "email", map[string]any{"customer_email": strings.Repeat("a", 243) + "@example.com"}},
	}
	for _, c := range accepted {
		over := map[string]any{"subject": c.subject}
		for k, v := range c.over {
			over[k] = v
		}
		before := e.counts(tn.ws.ID)
		w := e.do("POST", "/api/v1/tickets", tn.key, createBody(over))
		if w.Code != http.StatusCreated {
			t.Errorf("%s: %d %.300s", c.name, w.Code, w.Body)
			continue
		}
		var out dataObject[ticketObject]
		mustUnmarshal(t, w.Body.Bytes(), &out)
		want := strings.TrimSpace(c.subject)
		if c.name == "surrogate escape" {
			want = "🎫 ticket"
		}
		if out.Data.Subject != want || out.Data.Status != "new" || out.Data.Priority != "medium" {
			t.Errorf("%s: stored %+q", c.name, out.Data.Subject)
		}
		if g := e.do("GET", "/api/v1/tickets/"+out.Data.ID, tn.key, ""); !strings.Contains(g.Body.String(), mustJSON(want)) {
			t.Errorf("%s: read back differs: %.300s", c.name, g.Body)
		}
		if after := e.counts(tn.ws.ID); after.tickets != before.tickets+1 {
			t.Errorf("%s: %d tickets more", c.name, after.tickets-before.tickets)
		}
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestBadInputMessage sends malformed message bodies: no 500, no write.
func TestBadInputMessage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tn := e.newTenant()
	tk := e.createTicket(tn, "s", "m@example.com")
	path := "/api/v1/tickets/" + tk.ID + "/messages"
	fe := func(field, msg string) string {
		return `{"error":"Invalid input","details":{"fieldErrors":{"` + field + `":["` + msg + `"]},"formErrors":[]}}`
	}
	cases := []struct{ name, body, want string }{
		{"body missing", `{}`, fe("body", "Required")},
		{"body null", `{"body":null}`, fe("body", "Required")},
		{"body a number", `{"body":1}`, fe("body", "Expected string")},
		{"body too long", mustJSON(map[string]string{"body": strings.Repeat("🎫", 20001)}), fe("body", "Must be at most 20000 characters")},
		{"author_type unknown", `{"body":"b","author_type":"system"}`, fe("author_type", "Must be customer or agent")},
		{"author_type empty", `{"body":"b","author_type":""}`, fe("author_type", "Must be customer or agent")},
		{"author_type a number", `{"body":"b","author_type":0}`, fe("author_type", "Expected string")},
		{"author_name too long", mustJSON(map[string]string{"body": "b", "author_name": strings.Repeat("n", 121)}), fe("author_name", "Must be at most 120 characters")},
		{"not an object", `["body"]`, `{"error":"Invalid JSON"}`},
		{"invalid UTF-8", "{\"body\":\"\xed\xa0\x80\"}", `{"error":"Invalid JSON"}`},
	}
	before := e.counts(tn.ws.ID)
	for _, c := range cases {
		w := e.do("POST", path, tn.key, c.body)
		if w.Code != 400 || w.Body.String() != c.want {
			t.Errorf("%s: %d %s, want %s", c.name, w.Code, w.Body, c.want)
		}
	}
	if after := e.counts(tn.ws.ID); after != before {
		t.Fatalf("counts changed %+v → %+v", before, after)
	}
	w := e.do("POST", path, tn.key, `{"body":"  hi  ","author_type":null,"author_name":null,"internal":true}`)
	var m dataObject[messageObject]
	mustUnmarshal(t, w.Body.Bytes(), &m)
	if w.Code != 201 || m.Data.Body != "hi" || m.Data.AuthorType != "customer" || m.Data.AuthorName != "m@example.com" {
		t.Fatalf("message with nulls: %d %s", w.Code, w.Body)
	}
	// "internal" is not an API field: the message is public.
	if g := e.do("GET", "/api/v1/tickets/"+tk.ID, tn.key, ""); !strings.Contains(g.Body.String(), `"body":"hi"`) {
		t.Fatalf("message not public: %s", g.Body)
	}
}
