package web

import (
	"errors"
	"net/http"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

type accountData struct {
	MinPassword int
}

func (a *App) accountPage(w http.ResponseWriter, r *http.Request) error {
	return a.showAccount(w, r, http.StatusOK, nil)
}

func (a *App) showAccount(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	if f == nil {
		f = newForm("name", nil)
		f.Values.Set("name", stateOf(r).auth.User.Name)
	}
	a.render(w, r, status, "account", &view{Title: "Your account", Nav: "account", Form: f, Data: accountData{MinPassword: helpdesk.MinPasswordLength}})
	return nil
}

func (a *App) renameAccount(w http.ResponseWriter, r *http.Request) error {
	f := newForm("name", r)
	if _, err := a.svc.RenameUser(r.Context(), stateOf(r).auth, f.Get("name")); err != nil {
		if f.invalid(err, nil) {
			return a.showAccount(w, r, http.StatusBadRequest, f)
		}
		return err
	}
	http.Redirect(w, r, "/account?notice=name_saved", http.StatusSeeOther)
	return nil
}

// changePassword checks the current password (throttled like a log-in, so a
// borrowed session cannot be used to guess it), sets the new one, ends every
// other session and gives this browser a new one.
func (a *App) changePassword(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	f := newForm("password", r)
	email := st.auth.User.Email
	if err := a.throttle.allowLogin(r.Context(), st.ip, email); err != nil {
		var tm *errTooMany
		if errors.As(err, &tm) {
			tm.setRetryAfter(w)
			f.Message = tm.Message()
			return a.showAccount(w, r, http.StatusTooManyRequests, f)
		}
		return err
	}
	token, err := a.svc.ChangePassword(r.Context(), st.auth, f.Get("current_password"), f.Get("new_password"), st.ip)
	if err != nil {
		if f.invalid(err, nil) {
			if len(f.Errors["current_password"]) > 0 && f.Get("current_password") != "" {
				a.throttle.failed(email)
			}
			f.Values = nil
			return a.showAccount(w, r, http.StatusBadRequest, f)
		}
		return err
	}
	a.throttle.succeeded(email)
	a.setSessionCookie(w, r, token)
	http.Redirect(w, r, "/account?notice=password", http.StatusSeeOther)
	return nil
}
