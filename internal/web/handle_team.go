package web

import (
	"net/http"
	"net/url"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

type teamData struct {
	Members []helpdesk.Member
	Invites []helpdesk.Invite
	Owners  int
	// Created is the invite just made, whose link is shown this once.
	Created *createdInvite
	// FailedRole is the member whose role form failed.
	FailedRole string
}

type createdInvite struct {
	helpdesk.CreatedInvite
	Link string
}

func (a *App) teamPage(w http.ResponseWriter, r *http.Request) error {
	return a.showTeam(w, r, http.StatusOK, nil, nil)
}

func (a *App) showTeam(w http.ResponseWriter, r *http.Request, status int, f *form, created *createdInvite) error {
	st := stateOf(r)
	ws := st.auth.Workspace.ID
	ms, err := a.svc.Members(r.Context(), ws)
	if err != nil {
		return err
	}
	p := teamData{Members: ms, Created: created}
	for _, m := range ms {
		if m.Role == helpdesk.RoleOwner {
			p.Owners++
		}
	}
	// Agents see who is on the team; pending invites and every control are
	// for owners and admins.
	if st.auth.Member.Role.CanManage() {
		if p.Invites, err = a.svc.PendingInvites(r.Context(), ws); err != nil {
			return err
		}
	}
	if f == nil {
		f = newForm("invite", nil)
		f.Values.Set("role", string(helpdesk.RoleAgent))
	}
	if created != nil {
		// The link is a credential: keep the page out of every cache.
		w.Header().Set("Cache-Control", "no-store")
	}
	a.render(w, r, status, "team", &view{Title: "Team", Nav: "team", Form: f, Data: p})
	return nil
}

// invite makes a one-time link and shows it on the response page (never in
// a redirect URL): it is shown this once and stored only as a hash.
func (a *App) invite(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	f := newForm("invite", r)
	inv, err := a.svc.InviteMember(r.Context(), st.auth.Workspace.ID, st.auth.Actor(st.ip), f.Get("email"), helpdesk.Role(f.Get("role")))
	if err != nil {
		if f.invalid(err, nil) {
			return a.showTeam(w, r, http.StatusBadRequest, f, nil)
		}
		return err
	}
	created := &createdInvite{CreatedInvite: *inv, Link: a.baseURL(r) + "/invite/" + url.PathEscape(inv.Token)}
	fresh := newForm("invite", nil)
	fresh.Values.Set("role", string(helpdesk.RoleAgent))
	return a.showTeam(w, r, http.StatusOK, fresh, created)
}

func (a *App) revokeInvite(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	if err := a.svc.RevokeInvite(r.Context(), st.auth.Workspace.ID, st.auth.Actor(st.ip), r.PathValue("id")); err != nil {
		return err
	}
	http.Redirect(w, r, "/team?notice=invite_revoked", http.StatusSeeOther)
	return nil
}

func (a *App) changeRole(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	userID := r.PathValue("id")
	f := newForm("role-"+userID, r)
	if _, err := a.svc.ChangeRole(r.Context(), st.auth.Workspace.ID, st.auth.Actor(st.ip), userID, helpdesk.Role(f.Get("role"))); err != nil {
		if f.invalid(err, nil) {
			return a.showTeam(w, r, http.StatusBadRequest, f, nil)
		}
		return err
	}
	http.Redirect(w, r, "/team?notice=role_changed", http.StatusSeeOther)
	return nil
}

type removeData struct {
	Member helpdesk.Member
	Self   bool
}

func (a *App) removeMemberPage(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	m, err := a.svc.Member(r.Context(), st.auth.Workspace.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	a.render(w, r, http.StatusOK, "member_remove", &view{
		Title: "Remove " + m.Name + "?", Nav: "team",
		Data: removeData{Member: *m, Self: m.UserID == st.auth.User.ID},
	})
	return nil
}

func (a *App) removeMember(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	userID := r.PathValue("id")
	if err := a.svc.RemoveMember(r.Context(), st.auth.Workspace.ID, st.auth.Actor(st.ip), userID); err != nil {
		return err
	}
	if userID == st.auth.User.ID {
		// Leaving the workspace ended this session too.
		a.clearSessionCookie(w, r)
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/team?notice=member_removed", http.StatusSeeOther)
	return nil
}
