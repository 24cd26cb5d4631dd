package api

import (
	"context"
	"hash/crc32"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tixallo/tixallo/internal/apikey"
	"github.com/tixallo/tixallo/internal/helpdesk"
)

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// withChecksum completes 40 base62 characters (key id + secret) into a key
// of the right format with a correct checksum.
func withChecksum(body string) string {
	sum := crc32.ChecksumIEEE([]byte(body))
	var digits [6]byte
	for i := 5; i >= 0; i-- {
		digits[i] = base62[sum%62]
		sum /= 62
	}
	return apikey.Prefix + body + string(digits[:])
}

// flip changes the character at i to another base62 character.
func flip(key string, i int) string {
	c := base62[(strings.IndexByte(base62, key[i])+1)%62]
	return key[:i] + string(c) + key[i+1:]
}

const unauthorizedBody = `{"error":"Unauthorized"}`

// TestUnauthorizedMatrix sends every failure class of SPEC §3.1 and checks
// that each gets the same bytes and the same header set, and that the
// classes the format or checksum rules out cost zero store queries.
func TestUnauthorizedMatrix(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tn := e.newTenant()
	ctx := context.Background()

	revokedKey, revokedRec := e.newKey(tn.ws.ID, helpdesk.ScopeReadWrite, nil)
	if _, err := e.svc.RevokeAPIKey(ctx, tn.ws.ID, revokedRec.KeyID, helpdesk.Actor{}); err != nil {
		t.Fatal(err)
	}
	soon := e.clock.Now().Add(time.Hour)
	expiredKey, _ := e.newKey(tn.ws.ID, helpdesk.ScopeRead, &soon)
	e.clock.Advance(2 * time.Hour)

	unknownKey, _, err := apikey.Generate(nil) // well formed, never stored
	if err != nil {
		t.Fatal(err)
	}
	// The real key id with another secret and a correct checksum.
	wrongSecret := withChecksum(tn.key[4:12] + flip(tn.key[12:44], 0))
	badChecksum := flip(tn.key, apikey.Length-1)

	type tc struct {
		name      string
		req       *http.Request
		zeroQuery bool
	}
	get := func(hdr ...string) *http.Request { return request("GET", "/api/v1/tickets", "", "", hdr...) }
	cases := []tc{
		{"missing header", get(), true},
		{"repeated header", get("Authorization", "Bearer "+tn.key, "Authorization", "Bearer "+tn.key), true},
		{"Basic scheme", get("Authorization", "Basic "+tn.key), true},
		{"Token scheme", get("Authorization", "Token "+tn.key), true},
		{"Bearer alone", get("Authorization", "Bearer"), true},
		{"Bearer and spaces", get("Authorization", "Bearer    "), true},
		{"empty value", get("Authorization", ""), true},
		{"key without scheme", get("Authorization", tn.key), true},
		{"truncated key", get("Authorization", "Bearer "+tn.key[:len(tn.key)-1]), true},
		{"key and trailing garbage", get("Authorization", "Bearer "+tn.key+"x"), true},
		{"bad character", get("Authorization", "Bearer "+tn.key[:20]+"-"+tn.key[21:]), true},
		{"wrong prefix", get("Authorization", "Bearer TIX_"+tn.key[4:]), true},
		{"bad checksum", get("Authorization", "Bearer "+badChecksum), true},
		{"tab separator", get("Authorization", "Bearer\t"+tn.key), true},
		{"key in query string", request("GET", "/api/v1/tickets?api_key="+url.QueryEscape(tn.key)+"&access_token="+url.QueryEscape(tn.key), "", ""), true},
		{"key in cookie", get("Cookie", "api_key="+tn.key+"; token="+tn.key), true},
		{"unknown key id", get("Authorization", "Bearer "+unknownKey), false},
		{"wrong secret", get("Authorization", "Bearer "+wrongSecret), false},
		{"revoked key", get("Authorization", "Bearer "+revokedKey), false},
		{"expired key", get("Authorization", "Bearer "+expiredKey), false},
	}
	// The reference answer every case must match byte for byte.
	ref := e.do("GET", "/api/v1/tickets", "", "")
	if ref.Code != http.StatusUnauthorized || ref.Body.String() != unauthorizedBody {
		t.Fatalf("reference: %d %q", ref.Code, ref.Body)
	}
	if got := ref.Header().Get("WWW-Authenticate"); got != `Bearer realm="tixallo"` {
		t.Fatalf("WWW-Authenticate = %q", got)
	}
	if got := ref.Header().Get("Content-Type"); got != "application/json; charset=utf-8" {
		t.Fatalf("Content-Type = %q", got)
	}
	refHeaders := headerSet(ref.Header())
	for _, c := range cases {
		before := e.queries.Load()
		w := e.serve(c.req)
		n := e.queries.Load() - before
		if w.Code != http.StatusUnauthorized || w.Body.String() != unauthorizedBody {
			t.Errorf("%s: %d %q, want 401 %s", c.name, w.Code, w.Body, unauthorizedBody)
		}
		if got := headerSet(w.Header()); !equalHeaders(got, refHeaders) {
			t.Errorf("%s: headers %v, want %v", c.name, got, refHeaders)
		}
		if c.zeroQuery && n != 0 {
			t.Errorf("%s: %d store queries, want 0", c.name, n)
		}
		if !c.zeroQuery && n == 0 {
			t.Errorf("%s: no store query counted; is the counter wired?", c.name)
		}
		// Every route answers the same way.
		for _, path := range []string{"/api/v1/tickets/" + missingID, "/api/v1/events"} {
			r := c.req.Clone(context.Background())
			r.URL.Path = path
			r.URL.RawQuery = ""
			if w := e.serve(r); w.Code != http.StatusUnauthorized || w.Body.String() != unauthorizedBody {
				t.Errorf("%s on %s: %d %q", c.name, path, w.Code, w.Body)
			}
		}
	}
	// POST routes too, before the body is looked at.
	for _, path := range []string{"/api/v1/tickets", "/api/v1/tickets/" + missingID + "/messages"} {
		w := e.do("POST", path, badChecksum, `not json`)
		if w.Code != http.StatusUnauthorized || w.Body.String() != unauthorizedBody || !equalHeaders(headerSet(w.Header()), refHeaders) {
			t.Errorf("POST %s with a bad key: %d %q %v", path, w.Code, w.Body, w.Header())
		}
	}
}

func equalHeaders(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, av := range a {
		bv, ok := b[k]
		if !ok || strings.Join(av, "\n") != strings.Join(bv, "\n") {
			return false
		}
	}
	return true
}

// TestAcceptedAuthorizationForms checks the variants SPEC §3.1 allows.
func TestAcceptedAuthorizationForms(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tn := e.newTenant()
	for _, v := range []string{"Bearer " + tn.key, "bearer " + tn.key, "BEARER " + tn.key, "Bearer    " + tn.key} {
		w := e.do("GET", "/api/v1/tickets", "", "", "Authorization", v)
		if w.Code != http.StatusOK {
			t.Errorf("Authorization %q…: %d %s", v[:10], w.Code, w.Body)
		}
	}
}

// TestRevocationIsImmediate revokes a key in this process and in another
// process's store on the same file; each takes effect on the next request.
func TestRevocationIsImmediate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tn := e.newTenant()
	ctx := context.Background()

	if w := e.do("GET", "/api/v1/tickets", tn.key, ""); w.Code != http.StatusOK {
		t.Fatalf("before revocation: %d", w.Code)
	}
	if _, err := e.svc.RevokeAPIKey(ctx, tn.ws.ID, tn.rec.KeyID, helpdesk.Actor{}); err != nil {
		t.Fatal(err)
	}
	if w := e.do("GET", "/api/v1/tickets", tn.key, ""); w.Code != http.StatusUnauthorized {
		t.Fatalf("after revocation: %d", w.Code)
	}

	// The CLI is another process with its own connections to the file.
	key2, rec2 := e.newKey(tn.ws.ID, helpdesk.ScopeReadWrite, nil)
	if w := e.do("GET", "/api/v1/tickets", key2, ""); w.Code != http.StatusOK {
		t.Fatalf("second key: %d", w.Code)
	}
	other := e.db.Reopen(t)
	cli := helpdesk.NewService(other, helpdesk.Options{Now: e.clock.Now})
	if _, err := cli.RevokeAPIKey(ctx, tn.ws.ID, rec2.KeyID, helpdesk.Actor{}); err != nil {
		t.Fatal(err)
	}
	if w := e.do("GET", "/api/v1/tickets", key2, ""); w.Code != http.StatusUnauthorized {
		t.Fatalf("after revocation by another process: %d", w.Code)
	}
}

func TestExpiryIsImmediate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tn := e.newTenant()
	at := e.clock.Now().Add(10 * time.Minute)
	key, _ := e.newKey(tn.ws.ID, helpdesk.ScopeReadWrite, &at)
	if w := e.do("GET", "/api/v1/tickets", key, ""); w.Code != http.StatusOK {
		t.Fatalf("before expiry: %d", w.Code)
	}
	e.clock.Advance(10*time.Minute - time.Second)
	if w := e.do("GET", "/api/v1/tickets", key, ""); w.Code != http.StatusOK {
		t.Fatalf("a second before expiry: %d", w.Code)
	}
	e.clock.Advance(time.Second)
	if w := e.do("GET", "/api/v1/tickets", key, ""); w.Code != http.StatusUnauthorized {
		t.Fatalf("at expiry: %d", w.Code)
	}
}

// TestReadKeyCannotWrite checks 403 on every POST for a read key, with the
// rate-limit headers, and that reads work.
func TestReadKeyCannotWrite(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tn := e.newTenant()
	tk := e.createTicket(tn, "Hello", "ann@example.com")
	readKey, _ := e.newKey(tn.ws.ID, helpdesk.ScopeRead, nil)
	before := e.counts(tn.ws.ID)

	for _, path := range []string{"/api/v1/tickets", "/api/v1/tickets/" + tk.ID + "/messages", "/api/v1/tickets/" + missingID + "/messages"} {
		w := e.do("POST", path, readKey, `{"subject":"x","description":"y","customer_email":"a@example.com","body":"z"}`, "Idempotency-Key", "k1")
		if w.Code != http.StatusForbidden || w.Body.String() != `{"error":"Forbidden"}` {
			t.Errorf("POST %s with a read key: %d %s", path, w.Code, w.Body)
		}
		if w.Header().Get("RateLimit-Policy") == "" || w.Header().Get("X-RateLimit-Remaining") == "" {
			t.Errorf("POST %s: 403 without rate-limit headers: %v", path, w.Header())
		}
	}
	if after := e.counts(tn.ws.ID); after != before {
		t.Fatalf("a forbidden write changed counts: %+v → %+v", before, after)
	}
	for _, path := range []string{"/api/v1/tickets", "/api/v1/tickets/" + tk.ID, "/api/v1/events"} {
		if w := e.do("GET", path, readKey, ""); w.Code != http.StatusOK {
			t.Errorf("GET %s with a read key: %d", path, w.Code)
		}
	}
}

// TestRejectedKeyAudit checks the audit entry for using a revoked key, at
// most once a minute per key, and none for a wrong secret.
func TestRejectedKeyAudit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tn := e.newTenant()
	ctx := context.Background()
	if _, err := e.svc.RevokeAPIKey(ctx, tn.ws.ID, tn.rec.KeyID, helpdesk.Actor{}); err != nil {
		t.Fatal(err)
	}
	rejections := func() []helpdesk.AuditEntry {
		all, err := e.svc.AuditEntries(ctx, tn.ws.ID, helpdesk.AuditCursor{}, 1000)
		if err != nil {
			t.Fatal(err)
		}
		var out []helpdesk.AuditEntry
		for _, a := range all {
			if a.Action == helpdesk.AuditKeyReuse {
				out = append(out, a)
			}
		}
		return out
	}
	for range 5 {
		if w := e.do("GET", "/api/v1/tickets", tn.key, ""); w.Code != http.StatusUnauthorized {
			t.Fatalf("revoked key: %d", w.Code)
		}
	}
	got := rejections()
	if len(got) != 1 {
		t.Fatalf("%d audit entries after 5 uses in a minute, want 1", len(got))
	}
	if a := got[0]; a.Target != tn.rec.KeyID || a.IP == "" || strings.Contains(a.Detail+a.Target+a.ActorID, tn.key) {
		t.Fatalf("audit entry %+v", a)
	}
	// A wrong secret for the same key id is not a use of the key.
	e.clock.Advance(2 * time.Minute)
	e.do("GET", "/api/v1/tickets", withChecksum(tn.key[4:12]+flip(tn.key[12:44], 3)), "")
	if n := len(rejections()); n != 1 {
		t.Fatalf("a wrong secret wrote an audit entry (%d)", n)
	}
	e.do("GET", "/api/v1/tickets", tn.key, "")
	if n := len(rejections()); n != 2 {
		t.Fatalf("%d audit entries after a use a minute later, want 2", n)
	}
}

// TestFailedAuthThrottle checks the per-IP throttle: after the limit of
// failures in a minute, even a correct key gets 429 without a store query,
// other IPs are unaffected, and the throttle lifts after the window.
func TestFailedAuthThrottle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *envConfig) { c.authFailLimit = 3 })
	tn := e.newTenant()
	from := func(ip string, key string) *http.Request {
		r := request("GET", "/api/v1/tickets", key, "")
		r.RemoteAddr = ip + ":4242"
		return r
	}
	for i := range 3 {
		if w := e.serve(from("203.0.113.9", "")); w.Code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, w.Code)
		}
		e.clock.Advance(time.Second)
	}
	before := e.queries.Load()
	w := e.serve(from("203.0.113.9", tn.key))
	if w.Code != http.StatusTooManyRequests || w.Body.String() != `{"error":"Too many failed authentication attempts"}` {
		t.Fatalf("after 3 failures: %d %s", w.Code, w.Body)
	}
	if got := w.Header().Get("Retry-After"); got != "57" {
		t.Fatalf("Retry-After = %q, want 57 (the first failure leaves the window in 57 s)", got)
	}
	if n := e.queries.Load() - before; n != 0 {
		t.Fatalf("throttled request made %d store queries", n)
	}
	if w := e.serve(from("203.0.113.10", tn.key)); w.Code != http.StatusOK {
		t.Fatalf("another IP: %d", w.Code)
	}
	e.clock.Advance(57 * time.Second)
	if w := e.serve(from("203.0.113.9", tn.key)); w.Code != http.StatusOK {
		t.Fatalf("after the window: %d %s", w.Code, w.Body)
	}
	// Successful requests never count towards the throttle.
	for range 10 {
		if w := e.serve(from("203.0.113.9", tn.key)); w.Code != http.StatusOK {
			t.Fatalf("successes throttled: %d", w.Code)
		}
	}
}
