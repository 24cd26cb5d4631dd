package api

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// TestErrorRows answers every row of SPEC §3.3 that a single request can
// reach, byte for byte, with the JSON content type.
func TestErrorRows(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tn := e.newTenant()
	tk := e.createTicket(tn, "Printer on fire", "ann@example.com")
	target := e.createTicket(tn, "Older fire", "ann@example.com")
	merged := e.createTicket(tn, "Duplicate", "ann@example.com")
	if _, err := e.svc.MergeTicket(context.Background(), tn.ws.ID, merged.ID, target.ID, helpdesk.Actor{Name: "Agent"}); err != nil {
		t.Fatal(err)
	}
	big := `{"subject":"` + strings.Repeat("a", MaxBody) + `"}`

	cases := []struct {
		name, method, path, body string
		hdr                      []string
		status                   int
		want                     string
	}{
		{"missing fields", "POST", "/api/v1/tickets", `{}`, nil, 400,
			`{"error":"Invalid input","details":{"fieldErrors":{"customer_email":["Required"],"description":["Required"],"subject":["Required"]},"formErrors":[]}}`},
		{"bad limit", "GET", "/api/v1/tickets?limit=0", "", nil, 400,
			`{"error":"Invalid input","details":{"fieldErrors":{"limit":["Must be an integer from 1 to 50"]},"formErrors":[]}}`},
		{"several bad parameters", "GET", "/api/v1/tickets?status=done&limit=x&cursor=zz", "", nil, 400,
			`{"error":"Invalid input","details":{"fieldErrors":{"cursor":["Invalid cursor"],"limit":["Must be an integer from 1 to 50"],"status":["Must be one or more of new, open, pending, closed, separated by commas"]},"formErrors":[]}}`},
		{"array body", "POST", "/api/v1/tickets", `[]`, nil, 400, `{"error":"Invalid JSON"}`},
		{"null body", "POST", "/api/v1/tickets", `null`, nil, 400, `{"error":"Invalid JSON"}`},
		{"string body", "POST", "/api/v1/tickets", `"subject"`, nil, 400, `{"error":"Invalid JSON"}`},
		{"truncated object", "POST", "/api/v1/tickets", `{"subject":`, nil, 400, `{"error":"Invalid JSON"}`},
		{"trailing data", "POST", "/api/v1/tickets", `{} {}`, nil, 400, `{"error":"Invalid JSON"}`},
		{"empty body", "POST", "/api/v1/tickets", ``, nil, 400, `{"error":"Invalid JSON"}`},
		{"invalid UTF-8", "POST", "/api/v1/tickets", "{\"subject\":\"\xff\"}", nil, 400, `{"error":"Invalid JSON"}`},
		{"too deep", "POST", "/api/v1/tickets", `{"a":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`, nil, 400, `{"error":"Invalid JSON"}`},
		{"unknown ticket", "GET", "/api/v1/tickets/" + missingID, "", nil, 404, `{"error":"Not found"}`},
		{"malformed id", "GET", "/api/v1/tickets/42", "", nil, 404, `{"error":"Not found"}`},
		{"upper-case id", "GET", "/api/v1/tickets/" + strings.ToUpper(tk.ID), "", nil, 404, `{"error":"Not found"}`},
		{"message to unknown ticket", "POST", "/api/v1/tickets/" + missingID + "/messages", `{"body":"hi"}`, nil, 404, `{"error":"Not found"}`},
		{"message to malformed id", "POST", "/api/v1/tickets/x/messages", `{"body":"hi"}`, nil, 404, `{"error":"Not found"}`},
		{"unknown ticket, invalid body", "POST", "/api/v1/tickets/" + missingID + "/messages", `{"body":`, nil, 404, `{"error":"Not found"}`},
		{"unknown ticket, wrong types", "POST", "/api/v1/tickets/" + missingID + "/messages", `{"body":7}`, nil, 404, `{"error":"Not found"}`},
		{"unknown ticket, empty body", "POST", "/api/v1/tickets/" + missingID + "/messages", `{"body":""}`, nil, 404, `{"error":"Not found"}`},
		{"unknown path", "GET", "/api/v1/nothing", "", nil, 404, `{"error":"Not found"}`},
		{"unknown version", "GET", "/api/v2/tickets", "", nil, 404, `{"error":"Not found"}`},
		{"api root", "GET", "/api", "", nil, 404, `{"error":"Not found"}`},
		{"trailing slash", "GET", "/api/v1/tickets/", "", nil, 404, `{"error":"Not found"}`},
		{"double slash", "GET", "/api/v1//tickets", "", nil, 404, `{"error":"Not found"}`},
		{"dot segment", "GET", "/api/v1/./tickets", "", nil, 404, `{"error":"Not found"}`},
		{"dot-dot segment", "POST", "/api/v1/x/../tickets", `{}`, nil, 404, `{"error":"Not found"}`},
		{"merged ticket", "POST", "/api/v1/tickets/" + merged.ID + "/messages", `{"body":"hello?"}`, nil, 409, `{"error":"Ticket has been merged"}`},
		{"over 1 MiB", "POST", "/api/v1/tickets", big, nil, 413, `{"error":"Payload too large"}`},
		{"text/plain", "POST", "/api/v1/tickets", `{}`, []string{"Content-Type", "<delete>", "Content-Type", "text/plain"}, 415, `{"error":"Content-Type must be application/json"}`},
		{"form encoding", "POST", "/api/v1/tickets", `subject=x`, []string{"Content-Type", "<delete>", "Content-Type", "application/x-www-form-urlencoded"}, 415, `{"error":"Content-Type must be application/json"}`},
		{"json look-alike", "POST", "/api/v1/tickets", `{}`, []string{"Content-Type", "<delete>", "Content-Type", "application/jsonx"}, 415, `{"error":"Content-Type must be application/json"}`},
		{"unparsable type", "POST", "/api/v1/tickets", `{}`, []string{"Content-Type", "<delete>", "Content-Type", "application/json; ;"}, 415, `{"error":"Content-Type must be application/json"}`},
		{"merged ticket is readable", "GET", "/api/v1/tickets/" + merged.ID, "", nil, 200, ""},
	}
	for _, c := range cases {
		w := e.do(c.method, c.path, tn.key, c.body, c.hdr...)
		if w.Code != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, w.Code, w.Body, c.status)
			continue
		}
		if c.want != "" && w.Body.String() != c.want {
			t.Errorf("%s: body\n %s\nwant\n %s", c.name, w.Body, c.want)
		}
		if got := w.Header().Get("Content-Type"); got != "application/json; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", c.name, got)
		}
		if bytes.HasSuffix(w.Body.Bytes(), []byte("\n")) {
			t.Errorf("%s: body ends with a newline", c.name)
		}
	}
}

// TestAcceptedContentTypes: JSON with parameters, and no declared type.
func TestAcceptedContentTypes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tn := e.newTenant()
	body := `{"subject":"s","description":"d","customer_email":"a@example.com"}`
	for _, ct := range []string{"application/json; charset=utf-8", "Application/JSON", "<delete>"} {
		w := e.do("POST", "/api/v1/tickets", tn.key, body, "Content-Type", "<delete>", "Content-Type", ct)
		if w.Code != http.StatusCreated {
			t.Errorf("Content-Type %q: %d %s", ct, w.Code, w.Body)
		}
	}
}

// TestMethodNotAllowed covers 405 with Allow on each path, OPTIONS
// included, and the absence of CORS headers.
func TestMethodNotAllowed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tn := e.newTenant()
	cases := []struct{ method, path, allow string }{
		{"DELETE", "/api/v1/tickets", "GET, HEAD, POST"},
		{"PUT", "/api/v1/tickets", "GET, HEAD, POST"},
		{"OPTIONS", "/api/v1/tickets", "GET, HEAD, POST"},
		{"PATCH", "/api/v1/tickets/" + missingID, "GET, HEAD"},
		{"GET", "/api/v1/tickets/" + missingID + "/messages", "POST"},
		{"POST", "/api/v1/events", "GET, HEAD"},
		{"POST", "/api/v1/openapi.json", "GET, HEAD"},
	}
	for _, c := range cases {
		w := e.do(c.method, c.path, tn.key, "", "Origin", "https://evil.example", "Access-Control-Request-Method", "POST")
		if w.Code != http.StatusMethodNotAllowed || w.Body.String() != `{"error":"Method not allowed"}` {
			t.Errorf("%s %s: %d %s", c.method, c.path, w.Code, w.Body)
		}
		if got := w.Header().Get("Allow"); got != c.allow {
			t.Errorf("%s %s: Allow %q, want %q", c.method, c.path, got, c.allow)
		}
		for k := range w.Header() {
			if strings.HasPrefix(k, "Access-Control-") {
				t.Errorf("%s %s: CORS header %s", c.method, c.path, k)
			}
		}
	}
	w := e.do("GET", "/api/v1/tickets", tn.key, "", "Origin", "https://evil.example")
	for k := range w.Header() {
		if strings.HasPrefix(k, "Access-Control-") {
			t.Errorf("GET with Origin: CORS header %s", k)
		}
	}
}

// TestInternalError makes the store fail and checks the fixed 500 body and
// the log line with the request id and the cause.
func TestInternalError(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tn := e.newTenant()
	e.store.Close()
	const rid = "test-internal-error-0001"
	w := e.do("GET", "/api/v1/tickets", tn.key, "", "X-Request-Id", rid)
	if w.Code != http.StatusInternalServerError || w.Body.String() != `{"error":"Internal server error"}` {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if w.Header().Get("X-Request-Id") != rid {
		t.Fatalf("X-Request-Id %q", w.Header().Get("X-Request-Id"))
	}
	found := false
	for line := range bytes.SplitSeq(testLogs.Bytes(), []byte("\n")) {
		if bytes.Contains(line, []byte(`"msg":"api request failed"`)) && bytes.Contains(line, []byte(rid)) && bytes.Contains(line, []byte(`"err":"look up API key`)) {
			found = true
		}
	}
	if !found {
		t.Fatal("no log line with the request id and the cause")
	}
}
