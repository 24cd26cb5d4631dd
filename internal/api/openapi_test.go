package api

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// openAPIDoc is the served document, parsed, with a schema compiler over it.
type openAPIDoc struct {
	t        *testing.T
	doc      map[string]any
	compiler *jsonschema.Compiler
	compiled map[string]*jsonschema.Schema
}

const docURL = "https://tixallo.test/openapi.json"

func loadOpenAPI(t *testing.T, e *env) *openAPIDoc {
	t.Helper()
	w := e.do("GET", "/api/v1/openapi.json", "", "")
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("openapi.json: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(w.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	doc := v.(map[string]any)
	if doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi version %v", doc["openapi"])
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(docURL, doc); err != nil {
		t.Fatal(err)
	}
	return &openAPIDoc{t: t, doc: doc, compiler: c, compiled: map[string]*jsonschema.Schema{}}
}

// at follows a JSON pointer (unescaped segments) from the document root.
func (d *openAPIDoc) at(segments ...string) any {
	var v any = d.doc
	for _, s := range segments {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[s]
	}
	return v
}

// resolve follows a local $ref, returning the object and its pointer.
func (d *openAPIDoc) resolve(v any, ptr []string) (map[string]any, []string) {
	m, _ := v.(map[string]any)
	for m != nil {
		r, ok := m["$ref"].(string)
		if !ok {
			break
		}
		ptr = strings.Split(strings.TrimPrefix(r, "#/"), "/")
		for i := range ptr {
			ptr[i] = strings.NewReplacer("~1", "/", "~0", "~").Replace(ptr[i])
		}
		m, _ = d.at(ptr...).(map[string]any)
	}
	return m, ptr
}

// schema compiles the schema at a pointer of the document.
func (d *openAPIDoc) schema(ptr []string) *jsonschema.Schema {
	d.t.Helper()
	esc := make([]string, len(ptr))
	for i, p := range ptr {
		esc[i] = url.PathEscape(strings.NewReplacer("~", "~0", "/", "~1").Replace(p))
	}
	loc := docURL + "#/" + strings.Join(esc, "/")
	if s, ok := d.compiled[loc]; ok {
		return s
	}
	s, err := d.compiler.Compile(loc)
	if err != nil {
		d.t.Fatalf("compile %s: %v", loc, err)
	}
	d.compiled[loc] = s
	return s
}

// apiHeaders are the response headers the document must describe wherever
// a response carries them.
var apiHeaders = []string{"RateLimit-Policy", "RateLimit", "X-RateLimit-Limit", "X-RateLimit-Remaining",
	"X-RateLimit-Reset", "Retry-After", "WWW-Authenticate", "Location", "Idempotent-Replayed", "X-Request-Id"}

// check validates one real response against the operation it answered.
func (d *openAPIDoc) check(name, pathTemplate, method string, w *httptest.ResponseRecorder) {
	d.t.Helper()
	opPtr := []string{"paths", pathTemplate, strings.ToLower(method)}
	op, _ := d.at(opPtr...).(map[string]any)
	if op == nil {
		d.t.Errorf("%s: %s %s is not documented", name, method, pathTemplate)
		return
	}
	code := strconv.Itoa(w.Code)
	resp, respPtr := d.resolve(d.at(append(opPtr, "responses", code)...), append(opPtr, "responses", code))
	if resp == nil {
		d.t.Errorf("%s: status %d of %s %s is not documented", name, w.Code, method, pathTemplate)
		return
	}
	documented := map[string]bool{}
	hdrs, _ := resp["headers"].(map[string]any)
	for hname, hv := range hdrs {
		h, hPtr := d.resolve(hv, append(slicesClone(respPtr), "headers", hname))
		documented[http.CanonicalHeaderKey(hname)] = true
		value, present := w.Header()[http.CanonicalHeaderKey(hname)]
		if !present {
			if h["required"] == true {
				d.t.Errorf("%s: required header %s missing", name, hname)
			}
			continue
		}
		var inst any = value[0]
		sch := d.schema(append(hPtr, "schema"))
		if n, err := strconv.ParseInt(value[0], 10, 64); err == nil {
			if err := sch.Validate(n); err == nil {
				continue
			}
		}
		if err := sch.Validate(inst); err != nil {
			d.t.Errorf("%s: header %s %q: %v", name, hname, value[0], err)
		}
	}
	for _, h := range apiHeaders {
		if _, present := w.Header()[http.CanonicalHeaderKey(h)]; present && !documented[http.CanonicalHeaderKey(h)] {
			d.t.Errorf("%s: header %s is sent but not documented for %d", name, h, w.Code)
		}
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		d.t.Errorf("%s: Content-Type %q", name, ct)
	}
	body, err := jsonschema.UnmarshalJSON(bytes.NewReader(w.Body.Bytes()))
	if err != nil {
		d.t.Errorf("%s: body is not JSON: %v", name, err)
		return
	}
	if err := d.schema(append(respPtr, "content", "application/json", "schema")).Validate(body); err != nil {
		d.t.Errorf("%s: body %.400s\ndoes not match the document: %v", name, w.Body, err)
	}
}

// checkRequest validates a request body we send against the documented one.
func (d *openAPIDoc) checkRequest(name, pathTemplate, method, body string) {
	d.t.Helper()
	ptr := []string{"paths", pathTemplate, strings.ToLower(method), "requestBody", "content", "application/json", "schema"}
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(body))
	if err != nil {
		d.t.Fatal(err)
	}
	if err := d.schema(ptr).Validate(v); err != nil {
		d.t.Errorf("%s: request body does not match the document: %v", name, err)
	}
}

func slicesClone(s []string) []string { return append([]string(nil), s...) }

// TestOpenAPI checks that the document lists exactly the routes served, and
// validates real responses of every route — successes and each documented
// failure — against it: status, headers and body.
func TestOpenAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *envConfig) { c.rateLimit, c.authFailLimit = 60, 5 })
	d := loadOpenAPI(t, e)

	// The document's operations are the routes, no more, no fewer.
	var served, documented []string
	for _, rt := range e.api.routes() {
		served = append(served, rt.method+" "+rt.path)
	}
	for p, item := range d.doc["paths"].(map[string]any) {
		for m := range item.(map[string]any) {
			if m != "parameters" {
				documented = append(documented, strings.ToUpper(m)+" "+p)
			}
		}
	}
	sort.Strings(served)
	sort.Strings(documented)
	if strings.Join(served, "\n") != strings.Join(documented, "\n") {
		t.Fatalf("routes and document differ:\nserved:\n%s\ndocumented:\n%s", strings.Join(served, "\n"), strings.Join(documented, "\n"))
	}

	// The validator is not vacuous: wrong shapes fail.
	for _, c := range []struct {
		ptr  []string
		inst string
	}{
		{[]string{"components", "schemas", "Ticket"}, `{"id":"x"}`},
		{[]string{"components", "schemas", "TicketPage"}, `{"data":[],"next_cursor":null,"extra":1}`},
		{[]string{"components", "schemas", "Time"}, `"2026-05-04T10:55:02.5Z"`},
		{[]string{"components", "headers", "RateLimit", "schema"}, `"per-key;r=1"`},
	} {
		v, _ := jsonschema.UnmarshalJSON(strings.NewReader(c.inst))
		if d.schema(c.ptr).Validate(v) == nil {
			t.Fatalf("%v accepted %s", c.ptr, c.inst)
		}
	}

	tn := e.newTenant()
	ctx := context.Background()
	readKey, _ := e.newKey(tn.ws.ID, helpdesk.ScopeRead, nil)
	const (
		tickets  = "/api/v1/tickets"
		ticket   = "/api/v1/tickets/{id}"
		messages = "/api/v1/tickets/{id}/messages"
		events   = "/api/v1/events"
	)
	newTicket := `{"subject":"Printer on fire","description":"Smoke","customer_email":"ann@example.com","customer_name":"Ann","priority":"high"}`
	d.checkRequest("new ticket", tickets, "POST", newTicket)
	w := e.do("POST", tickets, tn.key, newTicket, "Idempotency-Key", "oa-1")
	d.check("create", tickets, "POST", w)
	var tk dataObject[ticketObject]
	mustUnmarshal(t, w.Body.Bytes(), &tk)
	d.check("create replay", tickets, "POST", e.do("POST", tickets, tn.key, newTicket, "Idempotency-Key", "oa-1"))
	id := tk.Data.ID
	co, err := e.svc.CreateCompany(ctx, tn.ws.ID, "Acme", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.UpdateCustomer(ctx, tn.ws.ID, tk.Data.CustomerID, helpdesk.CustomerChanges{CompanyID: &co.ID}); err != nil {
		t.Fatal(err)
	}
	newMessage := `{"body":"On it","author_type":"agent","author_name":"Sam"}`
	d.checkRequest("new message", messages, "POST", newMessage)
	d.check("message", messages, "POST", e.do("POST", "/api/v1/tickets/"+id+"/messages", tn.key, newMessage))
	d.check("customer message", messages, "POST", e.do("POST", "/api/v1/tickets/"+id+"/messages", tn.key, `{"body":"thanks"}`, "Idempotency-Key", "oa-m"))
	d.check("message replay", messages, "POST", e.do("POST", "/api/v1/tickets/"+id+"/messages", tn.key, `{"body":"thanks"}`, "Idempotency-Key", "oa-m"))
	closed := helpdesk.StatusClosed
	if _, err := e.svc.UpdateTicket(ctx, tn.ws.ID, id, helpdesk.TicketChanges{Status: &closed}); err != nil {
		t.Fatal(err)
	}
	e.do("POST", "/api/v1/tickets/"+id+"/messages", tn.key, `{"body":"reopen"}`)
	other := e.createTicket(tn, "Other", "bob@example.com")
	if _, err := e.svc.MergeTicket(ctx, tn.ws.ID, other.ID, id, helpdesk.Actor{}); err != nil {
		t.Fatal(err)
	}

	d.check("list", tickets, "GET", e.do("GET", tickets+"?limit=1", tn.key, ""))
	d.check("list last page", tickets, "GET", e.do("GET", tickets+"?status=new,open", tn.key, ""))
	d.check("get", ticket, "GET", e.do("GET", "/api/v1/tickets/"+id, tn.key, ""))
	d.check("get merged", ticket, "GET", e.do("GET", "/api/v1/tickets/"+other.ID, tn.key, ""))
	d.check("events", events, "GET", e.do("GET", events, tn.key, ""))
	d.check("events page", events, "GET", e.do("GET", events+"?limit=2", tn.key, ""))

	d.check("400 field", tickets, "GET", e.do("GET", tickets+"?limit=0", tn.key, ""))
	d.check("400 body", tickets, "POST", e.do("POST", tickets, tn.key, `{}`))
	d.check("400 JSON", tickets, "POST", e.do("POST", tickets, tn.key, `[`))
	d.check("400 idempotency key", tickets, "POST", e.do("POST", tickets, tn.key, newTicket, "Idempotency-Key", ""))
	d.check("400 after", events, "GET", e.do("GET", events+"?after=x", tn.key, ""))
	d.check("400 message", messages, "POST", e.do("POST", "/api/v1/tickets/"+id+"/messages", tn.key, `{"body":1}`))
	for _, c := range []struct{ m, tmpl, path string }{{"GET", tickets, tickets}, {"POST", tickets, tickets}, {"GET", ticket, "/api/v1/tickets/" + id},
		{"POST", messages, "/api/v1/tickets/" + id + "/messages"}, {"GET", events, events}} {
		d.check("401 "+c.m+" "+c.tmpl, c.tmpl, c.m, e.do(c.m, c.path, "", ""))
	}
	d.check("403 create", tickets, "POST", e.do("POST", tickets, readKey, newTicket))
	d.check("403 message", messages, "POST", e.do("POST", "/api/v1/tickets/"+id+"/messages", readKey, newMessage))
	d.check("404 get", ticket, "GET", e.do("GET", "/api/v1/tickets/"+missingID, tn.key, ""))
	d.check("404 malformed", ticket, "GET", e.do("GET", "/api/v1/tickets/nope", tn.key, ""))
	d.check("404 message", messages, "POST", e.do("POST", "/api/v1/tickets/"+missingID+"/messages", tn.key, newMessage))
	d.check("409 merged", messages, "POST", e.do("POST", "/api/v1/tickets/"+other.ID+"/messages", tn.key, newMessage))
	if _, _, err := e.svc.ClaimIdempotencyKey(ctx, tn.ws.ID, "held", fingerprint("POST", tickets, []byte(newTicket))); err != nil {
		t.Fatal(err)
	}
	d.check("409 in progress", tickets, "POST", e.do("POST", tickets, tn.key, newTicket, "Idempotency-Key", "held"))
	d.check("413", tickets, "POST", e.do("POST", tickets, tn.key, `{"subject":"`+strings.Repeat("x", MaxBody)+`"}`))
	d.check("413 message", messages, "POST", e.do("POST", "/api/v1/tickets/"+id+"/messages", tn.key, `{"body":"`+strings.Repeat("x", MaxBody)+`"}`))
	d.check("415", tickets, "POST", e.do("POST", tickets, tn.key, `{}`, "Content-Type", "<delete>", "Content-Type", "text/plain"))
	d.check("422", tickets, "POST", e.do("POST", tickets, tn.key, `{"subject":"x"}`, "Idempotency-Key", "oa-1"))
	d.check("422 message", messages, "POST", e.do("POST", "/api/v1/tickets/"+id+"/messages", tn.key, `{"body":"other"}`, "Idempotency-Key", "oa-m"))

	// 429 from the key's limit (exhaust the 60), then from the IP throttle.
	for range 60 {
		e.do("GET", events, tn.key, "")
	}
	d.check("429 key", events, "GET", e.do("GET", events, tn.key, ""))
	d.check("429 key POST", tickets, "POST", e.do("POST", tickets, tn.key, newTicket))
	for range 5 {
		e.do("GET", tickets, "", "")
	}
	d.check("429 IP", tickets, "GET", e.do("GET", tickets, tn.key, ""))
	e.clock.Advance(2 * time.Minute)

	// 500: the database is gone.
	e.store.Close()
	d.check("500", tickets, "GET", e.do("GET", tickets, tn.key, ""))

	// The document itself.
	d.check("openapi", "/api/v1/openapi.json", "GET", e.do("GET", "/api/v1/openapi.json", "", ""))
}
