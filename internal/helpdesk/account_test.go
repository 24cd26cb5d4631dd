package helpdesk_test

import (
	"sync"
	"testing"
	"time"

	"github.com/tixallo/tixallo/internal/fakeclock"
	"github.com/tixallo/tixallo/internal/helpdesk"
	"github.com/tixallo/tixallo/internal/store/teststore"
)

const pw = "correct violet staple engine"

type fixture struct {
	svc   *helpdesk.Service
	store helpdesk.Store
	clk   *fakeclock.Clock
}

func (f *fixture) clock() time.Time        { return f.clk.Now() }
func (f *fixture) advance(d time.Duration) { f.clk.Advance(d) }

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st := teststore.Open(t, teststore.Options{}).Store // SQLite, or PostgreSQL on the second run
	f := &fixture{store: st, clk: fakeclock.New(time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC))}
	f.svc = helpdesk.NewService(st, helpdesk.Options{Now: f.clock})
	return f
}

func (f *fixture) signup(t *testing.T, name, email, ws string) *helpdesk.LoggedIn {
	t.Helper()
	in, err := f.svc.SignUp(t.Context(), helpdesk.NewAccount{Name: name, Email: email, Password: pw, WorkspaceName: ws}, "192.0.2.1")
	if err != nil {
		t.Fatalf("sign up %s: %v", email, err)
	}
	return in
}

// join invites email into ws with role and accepts as a new user.
func (f *fixture) join(t *testing.T, ws string, by *helpdesk.LoggedIn, email string, role helpdesk.Role) *helpdesk.LoggedIn {
	t.Helper()
	inv, err := f.svc.InviteMember(t.Context(), ws, helpdesk.Actor{UserID: by.User.ID, Name: by.User.Name}, email, role)
	if err != nil {
		t.Fatalf("invite %s: %v", email, err)
	}
	in, err := f.svc.AcceptInvite(t.Context(), inv.Token, helpdesk.AcceptInvite{Name: email, Password: pw}, "192.0.2.2")
	if err != nil {
		t.Fatalf("accept %s: %v", email, err)
	}
	return in
}

func actor(l *helpdesk.LoggedIn) helpdesk.Actor {
	return helpdesk.Actor{UserID: l.User.ID, Name: l.User.Name, IP: "192.0.2.9"}
}

func TestSignUpCreatesOwnerWorkspaceAndInbox(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	in := f.signup(t, "Ada", " Ada@Example.COM ", "Analytical")
	ctx := t.Context()
	m, err := f.store.Member(ctx, in.WorkspaceID, in.User.ID)
	if err != nil || m.Role != helpdesk.RoleOwner {
		t.Fatalf("member %+v %v", m, err)
	}
	if in.User.Email != "ada@example.com" || in.User.PasswordHash == "" || in.User.PasswordHash == pw {
		t.Errorf("user %+v", in.User)
	}
	if inbox, err := f.store.DefaultInbox(ctx, in.WorkspaceID); err != nil || !inbox.IsDefault {
		t.Errorf("default inbox %+v %v", inbox, err)
	}
	if a, err := f.svc.SessionAuth(ctx, in.Token); err != nil || a.Workspace.ID != in.WorkspaceID {
		t.Errorf("session %v", err)
	}
	_, err = f.svc.SignUp(ctx, helpdesk.NewAccount{Name: "B", Email: "ada@example.com", Password: pw, WorkspaceName: "Other"}, "")
	if !helpdesk.IsCode(err, helpdesk.EInvalid) {
		t.Errorf("duplicate email: %v", err)
	}
}

func TestLogInAndSessions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	up := f.signup(t, "Ada", "ada@example.com", "A")
	if _, err := f.svc.LogIn(ctx, "ada@example.com", "wrong password here!", "192.0.2.3", ""); err != helpdesk.ErrBadCredentials {
		t.Errorf("wrong password: %v", err)
	}
	if _, err := f.svc.LogIn(ctx, "nobody@example.com", pw, "192.0.2.3", ""); err != helpdesk.ErrBadCredentials {
		t.Errorf("unknown email: %v", err)
	}
	in, err := f.svc.LogIn(ctx, "ADA@example.com", pw, "192.0.2.3", "")
	if err != nil || in.Token == up.Token {
		t.Fatalf("log in: %v", err)
	}
	entries, _ := f.svc.AuditEntries(ctx, up.WorkspaceID, helpdesk.AuditCursor{}, 50)
	var failed, ok int
	for _, e := range entries {
		switch e.Action {
		case helpdesk.AuditLoginFailed:
			failed++
			if e.IP != "192.0.2.3" || e.ActorID != up.User.ID {
				t.Errorf("failure entry %+v", e)
			}
		case helpdesk.AuditLoginSucceeded:
			ok++
		}
	}
	if failed != 1 || ok != 1 {
		t.Errorf("audit: %d failed, %d succeeded", failed, ok)
	}

	// Idle timeout, with touches at most once a minute.
	f.advance(helpdesk.SessionIdleTimeout - time.Minute)
	if _, err := f.svc.SessionAuth(ctx, in.Token); err != nil {
		t.Fatalf("before idle timeout: %v", err)
	}
	f.advance(helpdesk.SessionIdleTimeout - time.Minute)
	if _, err := f.svc.SessionAuth(ctx, in.Token); err != nil {
		t.Fatalf("touch did not extend: %v", err)
	}
	f.advance(helpdesk.SessionIdleTimeout)
	if _, err := f.svc.SessionAuth(ctx, in.Token); err != helpdesk.ErrNotLoggedIn {
		t.Fatalf("after idle timeout: %v", err)
	}
	// An expired session is deleted, not just refused.
	if _, err := f.store.Session(ctx, helpdesk.TokenHash(in.Token)); !helpdesk.IsCode(err, helpdesk.ENotFound) {
		t.Errorf("expired session kept: %v", err)
	}
	for _, bad := range []string{"", "garbage", string(make([]byte, 500))} {
		if _, err := f.svc.SessionAuth(ctx, bad); err != helpdesk.ErrNotLoggedIn {
			t.Errorf("token %q: %v", bad, err)
		}
	}
}

func TestSwitchWorkspaceKeepsAbsoluteExpiry(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	a := f.signup(t, "Ada", "ada@example.com", "A")
	b := f.signup(t, "Bob", "bob@example.com", "B")
	f.join(t, b.WorkspaceID, b, "ada@example.com", helpdesk.RoleAgent) // existing user: accept with password
	f.advance(time.Hour)
	tok, err := f.svc.SwitchWorkspace(ctx, a.Token, b.WorkspaceID)
	if err != nil {
		t.Fatal(err)
	}
	auth, err := f.svc.SessionAuth(ctx, tok)
	if err != nil || auth.Workspace.ID != b.WorkspaceID || auth.Member.Role != helpdesk.RoleAgent {
		t.Fatalf("after switch: %+v %v", auth, err)
	}
	if want := f.clock().Add(-time.Hour).Add(helpdesk.SessionAbsoluteTimeout); !auth.Session.ExpiresAt.Equal(want) {
		t.Errorf("expiry moved: %v, want %v", auth.Session.ExpiresAt, want)
	}
	if _, err := f.svc.SessionAuth(ctx, a.Token); err == nil {
		t.Error("old token still works after the switch")
	}
	c := f.signup(t, "Cy", "cy@example.com", "C")
	if _, err := f.svc.SwitchWorkspace(ctx, tok, c.WorkspaceID); !helpdesk.IsCode(err, helpdesk.ENotFound) {
		t.Errorf("switch into a foreign workspace: %v", err)
	}
}

func TestLastOwnerRule(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	o := f.signup(t, "Olive", "olive@example.com", "O")
	ws := o.WorkspaceID
	adm := f.join(t, ws, o, "adm@example.com", helpdesk.RoleAdmin)
	ag := f.join(t, ws, o, "ag@example.com", helpdesk.RoleAgent)

	if _, err := f.svc.ChangeRole(ctx, ws, actor(o), o.User.ID, helpdesk.RoleAdmin); !helpdesk.IsCode(err, helpdesk.EConflict) {
		t.Errorf("demote last owner: %v", err)
	}
	if err := f.svc.RemoveMember(ctx, ws, actor(o), o.User.ID); !helpdesk.IsCode(err, helpdesk.EConflict) {
		t.Errorf("remove last owner: %v", err)
	}
	if _, err := f.svc.ChangeRole(ctx, ws, actor(adm), ag.User.ID, helpdesk.RoleOwner); !helpdesk.IsCode(err, helpdesk.EForbidden) {
		t.Errorf("admin makes owner: %v", err)
	}
	if err := f.svc.RemoveMember(ctx, ws, actor(adm), o.User.ID); !helpdesk.IsCode(err, helpdesk.EForbidden) {
		t.Errorf("admin removes owner: %v", err)
	}
	if _, err := f.svc.InviteMember(ctx, ws, actor(ag), "x@example.com", helpdesk.RoleAgent); !helpdesk.IsCode(err, helpdesk.EForbidden) {
		t.Errorf("agent invites: %v", err)
	}
	if _, err := f.svc.CreateInbox(ctx, ws, actor(ag), "Mine"); !helpdesk.IsCode(err, helpdesk.EForbidden) {
		t.Errorf("agent creates inbox: %v", err)
	}
	// Two owners demoting each other at once: one must fail.
	if _, err := f.svc.ChangeRole(ctx, ws, actor(o), adm.User.ID, helpdesk.RoleOwner); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, pair := range [][2]*helpdesk.LoggedIn{{o, adm}, {adm, o}} {
		wg.Go(func() {
			_, errs[i] = f.svc.ChangeRole(ctx, ws, actor(pair[0]), pair[1].User.ID, helpdesk.RoleAgent)
		})
	}
	wg.Wait()
	if n, _ := f.store.CountOwners(ctx, ws); n != 1 {
		t.Errorf("%d owners after concurrent demotions (%v)", n, errs)
	}
	// Removing ends every session of the removed user.
	remaining := o
	if m, _ := f.store.Member(ctx, ws, o.User.ID); m.Role != helpdesk.RoleOwner {
		remaining = adm
	}
	if err := f.svc.RemoveMember(ctx, ws, actor(remaining), ag.User.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SessionAuth(ctx, ag.Token); err == nil {
		t.Error("removed member's session works")
	}
}

func TestInviteIsBoundToItsEmailAndUsedOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	o := f.signup(t, "Olive", "olive@example.com", "O")
	other := f.signup(t, "Eve", "eve@example.com", "E")
	inv, err := f.svc.InviteMember(ctx, o.WorkspaceID, actor(o), "nina@example.com", helpdesk.RoleAgent)
	if err != nil {
		t.Fatal(err)
	}
	// Someone logged in as another user cannot take it with their session.
	if _, err := f.svc.AcceptInvite(ctx, inv.Token, helpdesk.AcceptInvite{SessionUserID: other.User.ID}, ""); !helpdesk.IsCode(err, helpdesk.EForbidden) {
		t.Errorf("foreign session accepted: %v", err)
	}
	in, err := f.svc.AcceptInvite(ctx, inv.Token, helpdesk.AcceptInvite{Name: "Nina", Password: pw}, "")
	if err != nil || in.User.Email != "nina@example.com" {
		t.Fatalf("accept: %v", err)
	}
	if _, err := f.svc.AcceptInvite(ctx, inv.Token, helpdesk.AcceptInvite{Name: "Nina", Password: pw}, ""); err != helpdesk.ErrInviteInvalid {
		t.Errorf("second use: %v", err)
	}
	// Expiry.
	inv2, _ := f.svc.InviteMember(ctx, o.WorkspaceID, actor(o), "late@example.com", helpdesk.RoleAgent)
	f.advance(helpdesk.InviteTTL)
	if _, err := f.svc.InviteByToken(ctx, inv2.Token); err != helpdesk.ErrInviteInvalid {
		t.Errorf("expired invite: %v", err)
	}
}

func TestChangePasswordEndsOtherSessions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	up := f.signup(t, "Ada", "ada@example.com", "A")
	other, _ := f.svc.LogIn(ctx, "ada@example.com", pw, "", "")
	auth, _ := f.svc.SessionAuth(ctx, up.Token)
	if _, err := f.svc.ChangePassword(ctx, auth, "wrong", "a brand new passphrase", ""); !helpdesk.IsCode(err, helpdesk.EInvalid) {
		t.Fatalf("wrong current: %v", err)
	}
	tok, err := f.svc.ChangePassword(ctx, auth, pw, "a brand new passphrase", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, old := range []string{up.Token, other.Token} {
		if _, err := f.svc.SessionAuth(ctx, old); err == nil {
			t.Error("a session from before the change works")
		}
	}
	if _, err := f.svc.SessionAuth(ctx, tok); err != nil {
		t.Errorf("new session: %v", err)
	}
	if _, err := f.svc.LogIn(ctx, "ada@example.com", "a brand new passphrase", "", ""); err != nil {
		t.Errorf("new password: %v", err)
	}
}

func TestCustomerCompanyAndInboxes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	o := f.signup(t, "Olive", "olive@example.com", "O")
	ws := o.WorkspaceID
	tk, err := f.svc.CreateTicket(ctx, ws, helpdesk.NewTicket{Subject: "s", Description: "d", CustomerEmail: "kim@example.com", Source: helpdesk.SourceWeb})
	if err != nil {
		t.Fatal(err)
	}
	c1, err := f.svc.UpdateCustomer(ctx, ws, tk.CustomerID, helpdesk.CustomerChanges{NewCompanyName: "Shop"})
	if err != nil || c1.Company == nil {
		t.Fatalf("new company: %v", err)
	}
	co, err := f.svc.CreateCompany(ctx, ws, "SHOP", "")
	if err != nil || co.ID != *c1.CompanyID {
		t.Errorf("same name made a second company: %v", err)
	}
	other := f.signup(t, "Eve", "eve@example.com", "E")
	foreign, _ := f.svc.CreateCompany(ctx, other.WorkspaceID, "Theirs", "theirs.example")
	if _, err := f.svc.UpdateCustomer(ctx, ws, tk.CustomerID, helpdesk.CustomerChanges{CompanyID: &foreign.ID}); !helpdesk.IsCode(err, helpdesk.EInvalid) {
		t.Errorf("foreign company: %v", err)
	}
	in, err := f.svc.CreateInbox(ctx, ws, actor(o), "Billing")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SetDefaultInbox(ctx, ws, actor(o), in.ID); err != nil {
		t.Fatal(err)
	}
	def, _ := f.store.DefaultInbox(ctx, ws)
	if def.ID != in.ID {
		t.Error("default inbox not moved")
	}
	all, _ := f.svc.Inboxes(ctx, ws)
	n := 0
	for _, i := range all {
		if i.IsDefault {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d default inboxes", n)
	}
	if _, err := f.svc.RenameInbox(ctx, other.WorkspaceID, actor(other), in.ID, "Mine"); !helpdesk.IsCode(err, helpdesk.ENotFound) {
		t.Errorf("rename a foreign inbox: %v", err)
	}
}
