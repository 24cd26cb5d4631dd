package api

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestOverRealHTTP repeats the essentials over a real HTTP connection, where
// net/http parses headers itself (trimming surrounding white space), adds
// Date, and streams request bodies.
func TestOverRealHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tn := e.newTenant()
	srv := httptest.NewServer(e.handler)
	defer srv.Close()

	send := func(method, path, auth string, body io.Reader, contentLength int64) *http.Response {
		t.Helper()
		r, err := http.NewRequest(method, srv.URL+path, body)
		if err != nil {
			t.Fatal(err)
		}
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		if body != nil {
			r.Header.Set("Content-Type", "application/json")
			r.ContentLength = contentLength
		}
		resp, err := srv.Client().Do(r)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	read := func(resp *http.Response) string {
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}

	if resp := send("GET", "/api/v1/tickets", "  bearer   "+tn.key+"  ", nil, 0); resp.StatusCode != 200 {
		t.Fatalf("padded header over HTTP: %d %s", resp.StatusCode, read(resp))
	}
	a := send("GET", "/api/v1/tickets", "", nil, 0)
	b := send("GET", "/api/v1/tickets", "Bearer "+flip(tn.key, 49), nil, 0)
	ab, bb := read(a), read(b)
	if a.StatusCode != 401 || ab != unauthorizedBody || bb != ab {
		t.Fatalf("401 over HTTP: %d %q / %d %q", a.StatusCode, ab, b.StatusCode, bb)
	}
	ha, hb := headerSet(a.Header), headerSet(b.Header)
	if !equalHeaders(ha, hb) || ha.Get("Content-Length") != "24" {
		t.Fatalf("401 headers differ over HTTP:\n%v\n%v", ha, hb)
	}
	// A 10 MB streamed body is cut at 1 MiB.
	big := io.MultiReader(strings.NewReader(`{"description":"`), bytes.NewReader(bytes.Repeat([]byte("x"), 10<<20)))
	if resp := send("POST", "/api/v1/tickets", "Bearer "+tn.key, big, -1); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("streamed 10 MB: %d", resp.StatusCode)
	} else if got := read(resp); got != `{"error":"Payload too large"}` {
		t.Fatalf("streamed 10 MB: %s", got)
	}
	body := createBody(nil)
	if resp := send("POST", "/api/v1/tickets", "Bearer "+tn.key, strings.NewReader(body), int64(len(body))); resp.StatusCode != 201 {
		t.Fatalf("create over HTTP: %d %s", resp.StatusCode, read(resp))
	}
	if resp := send("HEAD", "/api/v1/tickets", "Bearer "+tn.key, nil, 0); resp.StatusCode != 200 || read(resp) != "" {
		t.Fatalf("HEAD: %d", resp.StatusCode)
	}
}
