package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

func memberRow(p *page, name string) *struct{ id, role string } {
	for _, row := range p.findAll(`tr[data-test=member-row]`) {
		if text(find(row, "[data-test=member-name]")) == name {
			return &struct{ id, role string }{attr(row, "data-user-id"), attr(row, "data-role")}
		}
	}
	return nil
}

func TestInviteAndAccept(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := e.browser()
	owner.signup("Olive Owner", "olive@example.com", "Olive Co")

	// The link is shown once, on the response to the POST, never cached.
	p := owner.submit(owner.get("/team"), "#invite-form", map[string]string{"email": "Nina@Example.com", "role": "agent"}, "#invite-submit").wantStatus(http.StatusOK)
	if !strings.Contains(p.header.Get("Cache-Control"), "no-store") {
		t.Error("invite page may be cached")
	}
	checkPage(t, "invite created", p)
	link := attr(p.must("#invite-link"), "value")
	token := link[strings.LastIndex(link, "/")+1:]
	if !strings.HasPrefix(link, e.srv.URL+"/invite/") || len(token) < 40 {
		t.Fatalf("link %q", link)
	}
	if strings.Contains(owner.get("/team").body, token) {
		t.Error("the invite token is shown again on the team page")
	}
	if n := len(owner.get("/team").findAll(`tr[data-test=invite-row]`)); n != 1 {
		t.Errorf("%d pending invites", n)
	}

	// A new person sets a name and a password and lands in the workspace.
	nina := e.browser()
	page := nina.get(link).wantStatus(http.StatusOK)
	checkPage(t, "invite page", page)
	if page.text("#invite-email") != "nina@example.com" || page.text("#invite-role") != "Agent" {
		t.Errorf("invite page: %q %q", page.text("#invite-email"), page.text("#invite-role"))
	}
	bad := nina.submit(page, "#accept-invite-form", map[string]string{"name": "Nina", "password": "short"}, "#accept-invite-submit")
	if bad.status != http.StatusBadRequest || bad.find("#invite-password-error") == nil {
		t.Errorf("short password: %d", bad.status)
	}
	in := nina.submit(page, "#accept-invite-form", map[string]string{"name": "Nina", "password": testPassword}, "#accept-invite-submit").wantStatus(http.StatusOK)
	if in.text("#workspace-name") != "Olive Co" || in.text("#current-role") != "Agent" {
		t.Errorf("after joining: %q %q", in.text("#workspace-name"), in.text("#current-role"))
	}
	// The link worked once.
	if r := e.browser().get(link); r.status != http.StatusNotFound {
		t.Errorf("used link: %d", r.status)
	}
	if n := len(owner.get("/team").findAll(`tr[data-test=invite-row]`)); n != 0 {
		t.Errorf("%d pending invites after accepting", n)
	}

	// An existing account joins a second workspace with its password.
	other := e.browser()
	other.signup("Oscar", "oscar@example.com", "Oscar Co")
	link2 := other.invite("nina@example.com", helpdesk.RoleAdmin)
	fresh := e.browser()
	page = fresh.get(link2)
	if page.find("#invite-name") != nil {
		t.Error("an existing account is asked for a name")
	}
	wrong := fresh.submit(page, "#accept-invite-form", map[string]string{"password": "not her password at all"}, "#accept-invite-submit")
	if wrong.status != http.StatusBadRequest || wrong.find("#invite-password-error") == nil {
		t.Errorf("wrong password: %d", wrong.status)
	}
	joined := fresh.submit(page, "#accept-invite-form", map[string]string{"password": testPassword}, "#accept-invite-submit").wantStatus(http.StatusOK)
	if joined.text("#workspace-name") != "Oscar Co" {
		t.Errorf("joined %q", joined.text("#workspace-name"))
	}

	// Now a member of two workspaces, Nina can switch between them.
	sw := joined.must("#workspace-switch-form")
	if n := len(findAll(sw, "option")); n != 2 {
		t.Fatalf("%d workspaces in the switcher", n)
	}
	olive := workspaceOf(t, e, "olive@example.com")
	back := fresh.submit(joined, "#workspace-switch-form", map[string]string{"workspace_id": olive}, "#workspace-switch-submit").wantStatus(http.StatusOK)
	if back.text("#workspace-name") != "Olive Co" || back.text("#current-role") != "Agent" {
		t.Errorf("after switching: %q %q", back.text("#workspace-name"), back.text("#current-role"))
	}
	// A workspace the user does not belong to is not reachable.
	stranger := workspaceOf(t, e, "oscar@example.com")
	bystander := e.browser()
	bystander.signup("Bea", "bea@example.com", "Bea Co")
	if r := bystander.postRaw("/workspace", url.Values{"workspace_id": {stranger}, "csrf_token": {bystander.get("/tickets").csrf()}}); r.status != http.StatusNotFound {
		t.Errorf("switch into a foreign workspace: %d", r.status)
	}

	// A logged-in invitee joins with one click.
	link3 := e.browser()
	link3.signup("Carl", "carl@example.com", "Carl Co")
	inv := link3.invite("bea@example.com", helpdesk.RoleAgent)
	p = bystander.get(inv)
	p.must("#join-workspace-submit")
	if r := bystander.submit(p, "#accept-invite-form", nil, "#join-workspace-submit"); r.text("#workspace-name") != "Carl Co" {
		t.Errorf("one-click join landed in %q", r.text("#workspace-name"))
	}
}

func TestOperatorInviteLink(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// What `tixallo workspace create` does.
	cw, err := e.svc.CreateWorkspace(t.Context(), helpdesk.NewWorkspace{Name: "Ops Desk"}, "boss@example.com")
	if err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	p := b.get("/invite/" + cw.InviteToken).wantStatus(http.StatusOK)
	if p.text("#invite-role") != "Owner" {
		t.Errorf("role %q", p.text("#invite-role"))
	}
	p = b.submit(p, "#accept-invite-form", map[string]string{"name": "Boss", "password": testPassword}, "#accept-invite-submit").wantStatus(http.StatusOK)
	if p.text("#workspace-name") != "Ops Desk" || p.text("#current-role") != "Owner" {
		t.Errorf("landed as %q in %q", p.text("#current-role"), p.text("#workspace-name"))
	}
	p.must("#getting-started")
}

func TestRolesAndRemoval(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tm := e.team("Roles")
	p := tm.owner.get("/team")
	owner := memberRow(p, "Roles Owner")
	agent := memberRow(p, "Roles Agent")
	admin := memberRow(p, "Roles Admin")

	// The last owner can be neither demoted nor removed.
	form := p.must(`tr[data-user-id="` + owner.id + `"] form[data-test=role-form]`)
	_ = form
	token := p.csrf()
	if r := tm.owner.postRaw("/team/members/"+owner.id+"/role", url.Values{"role": {"admin"}, "csrf_token": {token}}); r.status != http.StatusConflict || !strings.Contains(r.text("#error-message"), "last owner") {
		t.Errorf("demote last owner: %d", r.status)
	}
	if r := tm.owner.postRaw("/team/members/"+owner.id+"/remove", url.Values{"csrf_token": {token}}); r.status != http.StatusConflict {
		t.Errorf("remove last owner: %d", r.status)
	}
	// Admins cannot touch owners or make owners.
	at := tm.admin.get("/team").csrf()
	if r := tm.admin.postRaw("/team/members/"+owner.id+"/remove", url.Values{"csrf_token": {at}}); r.status != http.StatusForbidden {
		t.Errorf("admin removes owner: %d", r.status)
	}
	if r := tm.admin.postRaw("/team/members/"+agent.id+"/role", url.Values{"role": {"owner"}, "csrf_token": {at}}); r.status != http.StatusForbidden {
		t.Errorf("admin makes an owner: %d", r.status)
	}
	if opts := tm.admin.get("/team").findAll(`#invite-role option[value=owner]`); len(opts) != 0 {
		t.Error("admins are offered the owner role")
	}

	// Agents manage nothing: 403 on every team action.
	gt := tm.agent.get("/tickets").csrf()
	for path, form := range map[string]url.Values{
		"/team/invites":                         {"email": {"x@example.com"}, "role": {"agent"}},
		"/team/members/" + admin.id + "/role":   {"role": {"agent"}},
		"/team/members/" + admin.id + "/remove": {},
		"/team/invites/whatever/revoke":         {},
		"/inboxes":                              {"name": {"Mine"}},
		"/integrations/keys/new":                {"name": {"k"}},
		"/integrations/keys/AAAAAAAA/revoke":    {},
	} {
		form.Set("csrf_token", gt)
		if r := tm.agent.postRaw(path, form); r.status != http.StatusForbidden {
			t.Errorf("agent POST %s: %d", path, r.status)
		}
	}
	if tm.agent.get("/team").find("#invite-form") != nil || tm.agent.get("/team").find("form[data-test=role-form]") != nil {
		t.Error("agents see team controls")
	}

	// Promote the agent to owner; now the first owner can step down.
	p = tm.owner.get("/team")
	p = tm.owner.submit(p, `tr[data-user-id="`+agent.id+`"] form[data-test=role-form]`, map[string]string{"role": "owner"}, "[data-test=role-save]").wantStatus(http.StatusOK)
	if memberRow(p, "Roles Agent").role != "owner" || p.text("#notice") != "Role changed." {
		t.Fatal("promotion not shown")
	}
	if r := tm.agent.get("/integrations"); r.status != http.StatusOK {
		t.Errorf("new owner cannot open integrations: %d", r.status)
	}
	p = tm.owner.submit(p, `tr[data-user-id="`+owner.id+`"] form[data-test=role-form]`, map[string]string{"role": "agent"}, "[data-test=role-save]").wantStatus(http.StatusOK)
	if memberRow(p, "Roles Owner").role != "agent" {
		t.Fatal("owner could not step down with another owner present")
	}

	// Removing a member ends their sessions at once.
	remover := tm.agent // an owner now
	confirm := remover.get("/team/members/" + admin.id + "/remove").wantStatus(http.StatusOK)
	done := remover.submit(confirm, "#remove-member-form", nil, "#remove-member-confirm").wantStatus(http.StatusOK)
	if memberRow(done, "Roles Admin") != nil {
		t.Error("removed member still listed")
	}
	if r := tm.admin.raw("/tickets"); r.status != http.StatusSeeOther {
		t.Errorf("removed member still logged in: %d", r.status)
	}
	// They can log in again but belong to no workspace.
	if r := e.browser().login("roles-admin@example.com", testPassword); r.status != http.StatusForbidden || !strings.Contains(r.text("#form-error"), "not a member") {
		t.Errorf("log-in without a workspace: %d", r.status)
	}
	audit := remover.get("/audit")
	for _, action := range []string{helpdesk.AuditRoleChanged, helpdesk.AuditMemberRemoved, helpdesk.AuditMemberInvited, helpdesk.AuditMemberJoined} {
		if audit.find(`tr[data-action="`+action+`"]`) == nil {
			t.Errorf("no %s audit entry", action)
		}
	}
}

func TestWithdrawInvite(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	b.signup("Ada", "ada@example.com", "A")
	link := b.invite("z@example.com", helpdesk.RoleAgent)
	// Inviting the same email again replaces the first link.
	link2 := b.invite("z@example.com", helpdesk.RoleAdmin)
	if r := e.browser().get(link); r.status != http.StatusNotFound {
		t.Errorf("replaced link still works: %d", r.status)
	}
	p := b.get("/team")
	p = b.submit(p, `tr[data-test=invite-row] form`, nil, "[data-test=revoke-invite]").wantStatus(http.StatusOK)
	if p.find(`tr[data-test=invite-row]`) != nil {
		t.Error("withdrawn invite still listed")
	}
	if r := e.browser().get(link2); r.status != http.StatusNotFound {
		t.Errorf("withdrawn link still works: %d", r.status)
	}
	// Members cannot be invited again.
	r := b.submit(b.get("/team"), "#invite-form", map[string]string{"email": "ada@example.com"}, "#invite-submit")
	if r.status != http.StatusBadRequest || r.find("#invite-email-error") == nil {
		t.Errorf("inviting a member: %d", r.status)
	}
}

func TestPasswordChange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	b.signup("Ada", "ada@example.com", "A")
	laptop := e.browser()
	laptop.login("ada@example.com", testPassword).wantStatus(http.StatusOK)
	p := b.get("/account")
	wrong := b.submit(p, "#password-form", map[string]string{"current_password": "not my password at all", "new_password": "a brand new passphrase here"}, "#change-password-submit")
	if wrong.status != http.StatusBadRequest || wrong.find("#current-password-error") == nil {
		t.Fatalf("wrong current password: %d", wrong.status)
	}
	weak := b.submit(p, "#password-form", map[string]string{"current_password": testPassword, "new_password": "short"}, "#change-password-submit")
	if weak.status != http.StatusBadRequest || weak.find("#new-password-error") == nil {
		t.Fatalf("weak new password: %d", weak.status)
	}
	old := b.cookie("tixallo_session").Value
	done := b.submit(p, "#password-form", map[string]string{"current_password": testPassword, "new_password": "a brand new passphrase here"}, "#change-password-submit").wantStatus(http.StatusOK)
	if done.find("#current-user") == nil || done.text("#notice") != "Password changed. Your other sessions have been logged out." {
		t.Fatalf("after change: %q", done.body)
	}
	if b.cookie("tixallo_session").Value == old {
		t.Error("the session id did not change")
	}
	if r := laptop.raw("/tickets"); r.status != http.StatusSeeOther {
		t.Errorf("other session survived: %d", r.status)
	}
	if r := e.browser().login("ada@example.com", testPassword); r.status != http.StatusBadRequest {
		t.Errorf("old password still works: %d", r.status)
	}
	if r := e.browser().login("ada@example.com", "a brand new passphrase here"); r.status != http.StatusOK {
		t.Errorf("new password: %d", r.status)
	}
	if b.get("/audit").find(`tr[data-action="password.changed"]`) == nil {
		t.Error("no audit entry")
	}
	// Rename.
	r := b.submit(b.get("/account"), "#name-form", map[string]string{"name": "Ada L."}, "#save-name").wantStatus(http.StatusOK)
	if r.text("#current-user") != "Ada L." {
		t.Errorf("name %q", r.text("#current-user"))
	}
}
