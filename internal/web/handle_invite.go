package web

import (
	"errors"
	"net/http"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

type inviteData struct {
	Info *helpdesk.InviteInfo
	// SessionMatches says the visitor is logged in as the invited email and
	// can join with one click; SessionOther that they are logged in as
	// someone else.
	SessionMatches bool
	SessionOther   bool
	Action         string
}

// inviteToken reads the token from the path and takes it out of the URL
// that the access log will print: the token is a credential and log lines
// never carry one.
func inviteToken(r *http.Request) string {
	token := r.PathValue("token")
	r.URL.Path = "/invite/…"
	r.URL.RawPath = ""
	return token
}

func (a *App) invitePage(w http.ResponseWriter, r *http.Request) error {
	token := inviteToken(r)
	return a.showInvite(w, r, token, http.StatusOK, nil)
}

func (a *App) showInvite(w http.ResponseWriter, r *http.Request, token string, status int, f *form) error {
	info, err := a.svc.InviteByToken(r.Context(), token)
	if err != nil {
		return err
	}
	st := stateOf(r)
	p := inviteData{Info: info, Action: "/invite/" + token}
	if st.auth != nil {
		p.SessionMatches = st.auth.User.Email == info.Invite.Email
		p.SessionOther = !p.SessionMatches
	}
	if f == nil {
		f = newForm("invite-accept", nil)
	}
	a.render(w, r, status, "invite", &view{Title: "Join " + info.Workspace.Name, Bare: true, Form: f, Data: p})
	return nil
}

func (a *App) acceptInvite(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	token := inviteToken(r)
	if err := r.ParseForm(); err != nil {
		return err
	}
	f := newForm("invite-accept", r)
	in := helpdesk.AcceptInvite{Name: f.Get("name"), Password: f.Get("password")}
	if st.auth != nil && f.Get("join") == "session" {
		// One-click join for the logged-in invitee; the form token proves
		// the click came from our page.
		if !a.validCSRF(r, st) {
			return errFormExpired
		}
		in.SessionUserID = st.auth.User.ID
	}
	info, err := a.svc.InviteByToken(r.Context(), token)
	if err != nil {
		return err
	}
	if in.SessionUserID == "" && info.HasAccount {
		// An existing account proves itself with its password: throttle it
		// like a log-in.
		if err := a.throttle.allowLogin(r.Context(), st.ip, info.Invite.Email); err != nil {
			var tm *errTooMany
			if errors.As(err, &tm) {
				tm.setRetryAfter(w)
				f.Message = tm.Message()
				return a.showInvite(w, r, token, http.StatusTooManyRequests, f)
			}
			return err
		}
	}
	done, err := a.svc.AcceptInvite(r.Context(), token, in, st.ip)
	switch {
	case helpdesk.IsCode(err, helpdesk.EUnauthorized):
		a.throttle.failed(info.Invite.Email)
		f.Errors = map[string][]string{"password": {"That is not the password of " + info.Invite.Email}}
		return a.showInvite(w, r, token, http.StatusBadRequest, f)
	case err != nil:
		if f.invalid(err, nil) {
			f.Values.Del("password")
			return a.showInvite(w, r, token, http.StatusBadRequest, f)
		}
		return err
	}
	if info.HasAccount {
		a.throttle.succeeded(info.Invite.Email)
	}
	a.replaceSession(w, r, done.Token)
	http.Redirect(w, r, "/tickets?notice=joined", http.StatusSeeOther)
	return nil
}
