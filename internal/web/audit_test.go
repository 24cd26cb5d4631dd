package web_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
	"github.com/tixallo/tixallo/internal/web"
)

func TestAuditLogPaging(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	b.signup("Ada", "ada@example.com", "A")
	ws := workspaceOf(t, e, "ada@example.com")
	u, _ := e.store.UserByEmail(t.Context(), "ada@example.com")
	// The last 20 invites share one instant, so the page boundary (the 50th
	// entry) falls among entries of the same time: the id orders them.
	for i := range 60 {
		if i < 40 {
			e.clock.Advance(time.Second)
		}
		if _, err := e.svc.InviteMember(t.Context(), ws, helpdesk.Actor{UserID: u.ID, Name: "Ada"}, fmt.Sprintf("p%d@example.com", i), helpdesk.RoleAgent); err != nil {
			t.Fatal(err)
		}
	}
	p := b.get("/audit").wantStatus(http.StatusOK)
	rows := p.findAll(`tr[data-test=audit-row]`)
	if len(rows) != 50 {
		t.Fatalf("first page: %d rows", len(rows))
	}
	older := b.get(attr(p.must("#audit-older"), "href")).wantStatus(http.StatusOK)
	rows2 := older.findAll(`tr[data-test=audit-row]`)
	// 60 invites, the workspace creation: 61 entries.
	if len(rows2) != 11 || older.find("#audit-older") != nil {
		t.Fatalf("second page: %d rows", len(rows2))
	}
	if attr(rows2[len(rows2)-1], "data-action") != helpdesk.AuditWorkspaceCreated {
		t.Errorf("second page ends with %q", text(rows2[len(rows2)-1]))
	}
	seen := map[string]bool{}
	for _, r := range append(rows, rows2...) {
		seen[text(r)] = true
	}
	for i := range 60 {
		n := 0
		for row := range seen {
			if strings.Contains(row, fmt.Sprintf("p%d@example.com", i)) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("invite of p%d is on %d rows of the two pages, want 1", i, n)
		}
	}
	older.must("#audit-newest")
}

func TestSignupThrottle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withOptions(func(o *web.Options) { o.SignupPerIP = 1 }))
	e.browser().signup("Ada", "ada@example.com", "A")
	b := e.browser()
	p := b.submit(b.get("/signup"), "#signup-form", map[string]string{
		"name": "Bob", "email": "bob@example.com", "password": testPassword, "workspace_name": "B",
	}, "#signup-submit")
	if p.status != http.StatusTooManyRequests || p.header.Get("Retry-After") == "" || !strings.Contains(p.text("#form-error"), "Too many sign-ups") {
		t.Fatalf("second sign-up from one address: %d", p.status)
	}
	if _, err := e.store.UserByEmail(t.Context(), "bob@example.com"); err == nil {
		t.Error("throttled sign-up created the user")
	}
}

// syncBuffer is a log sink that the server's goroutines may share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestSecretsStayOutOfLogs(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	e := newEnv(t, withLog(&logs))
	b := e.browser()
	b.signup("Ada", "ada@example.com", "A")
	link := b.invite("nina@example.com", helpdesk.RoleAgent)
	token := link[strings.LastIndex(link, "/")+1:]
	p := e.browser().get(link).wantStatus(http.StatusOK)
	e.browser().submit(p, "#accept-invite-form", map[string]string{"name": "Nina", "password": testPassword}, "#accept-invite-submit").wantStatus(http.StatusOK)
	key := attr(b.submit(b.get("/integrations/keys/new"), "#create-key-form", map[string]string{"name": "k"}, "#create-key-submit").must("#new-key"), "value")
	out := logs.String()
	if !strings.Contains(out, "/invite/") {
		t.Fatal("no access log lines captured")
	}
	for name, secret := range map[string]string{"invite token": token, "API key": key, "password": testPassword, "session": b.cookie("tixallo_session").Value} {
		if strings.Contains(out, secret) {
			t.Errorf("the log contains the %s", name)
		}
	}
}
