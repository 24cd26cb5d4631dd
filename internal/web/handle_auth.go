package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

func (a *App) root(w http.ResponseWriter, r *http.Request) error {
	if stateOf(r).auth != nil {
		http.Redirect(w, r, "/tickets", http.StatusSeeOther)
	} else {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
	}
	return nil
}

func (a *App) notFound(w http.ResponseWriter, r *http.Request) error {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		// The API owns /api/; answer in its words if it left a path unrouted.
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error":"Not found"}` + "\n"))
		return nil
	}
	return helpdesk.ErrNotFound
}

// --- sign up ---

func (a *App) signupPage(w http.ResponseWriter, r *http.Request) error {
	if stateOf(r).auth != nil {
		http.Redirect(w, r, "/tickets", http.StatusSeeOther)
		return nil
	}
	a.render(w, r, http.StatusOK, "signup", &view{Title: "Create your workspace", Bare: true, Form: newForm("signup", nil)})
	return nil
}

func (a *App) signup(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	f := newForm("signup", r)
	if err := r.ParseForm(); err != nil {
		return err
	}
	f.Values = r.PostForm
	if err := a.throttle.allowSignup(r.Context(), st.ip); err != nil {
		return a.tooMany(w, r, "signup", &view{Title: "Create your workspace", Bare: true, Form: f}, err)
	}
	in := helpdesk.NewAccount{
		Name: f.Get("name"), Email: f.Get("email"), Password: f.Get("password"), WorkspaceName: f.Get("workspace_name"),
	}
	done, err := a.svc.SignUp(r.Context(), in, st.ip)
	if err != nil {
		if f.invalid(err, nil) {
			f.Values.Del("password")
			a.render(w, r, http.StatusBadRequest, "signup", &view{Title: "Create your workspace", Bare: true, Form: f})
			return nil
		}
		return err
	}
	a.replaceSession(w, r, done.Token)
	http.Redirect(w, r, "/tickets?welcome=1", http.StatusSeeOther)
	return nil
}

// replaceSession ends the browser's previous session, if any, and hands it
// the new one: a log-in always gets a fresh session id.
func (a *App) replaceSession(w http.ResponseWriter, r *http.Request, token string) {
	if old := a.sessionToken(r); old != "" {
		if err := a.svc.LogOut(r.Context(), old); err != nil {
			a.log.WarnContext(r.Context(), "end previous session", "err", err)
		}
	}
	a.setSessionCookie(w, r, token)
}

// tooMany re-renders a form with the throttle's message and 429.
func (a *App) tooMany(w http.ResponseWriter, r *http.Request, page string, v *view, err error) error {
	var tm *errTooMany
	if !errors.As(err, &tm) {
		return err
	}
	tm.setRetryAfter(w)
	v.Form.Message = tm.Message()
	v.Form.Values.Del("password")
	a.render(w, r, http.StatusTooManyRequests, page, v)
	return nil
}

// --- log in and out ---

type loginData struct {
	Next string
}

func (a *App) loginPage(w http.ResponseWriter, r *http.Request) error {
	next := localPath(r.URL.Query().Get("next"))
	if stateOf(r).auth != nil {
		http.Redirect(w, r, orDefault(next, "/tickets"), http.StatusSeeOther)
		return nil
	}
	a.render(w, r, http.StatusOK, "login", &view{Title: "Log in", Bare: true, Form: newForm("login", nil), Data: loginData{Next: next}})
	return nil
}

func (a *App) login(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	if err := r.ParseForm(); err != nil {
		return err
	}
	f := newForm("login", r)
	next := localPath(f.Get("next"))
	v := &view{Title: "Log in", Bare: true, Form: f, Data: loginData{Next: next}}
	email := f.Get("email")
	if err := a.throttle.allowLogin(r.Context(), st.ip, email); err != nil {
		return a.tooMany(w, r, "login", v, err)
	}
	done, err := a.svc.LogIn(r.Context(), email, f.Get("password"), st.ip, "")
	switch {
	case helpdesk.IsCode(err, helpdesk.EUnauthorized):
		a.throttle.failed(email)
		f.Values.Del("password")
		f.Message = helpdesk.ErrBadCredentials.Message
		a.render(w, r, http.StatusBadRequest, "login", v)
		return nil
	case errors.Is(err, helpdesk.ErrNoWorkspace):
		a.throttle.succeeded(email)
		f.Values.Del("password")
		f.Message = helpdesk.ErrNoWorkspace.Message
		a.render(w, r, http.StatusForbidden, "login", v)
		return nil
	case err != nil:
		return err
	}
	a.throttle.succeeded(email)
	a.replaceSession(w, r, done.Token)
	http.Redirect(w, r, orDefault(next, "/tickets"), http.StatusSeeOther)
	return nil
}

func (a *App) logout(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	if st.auth != nil {
		if !a.validCSRF(r, st) {
			return errFormExpired
		}
		if err := a.svc.LogOut(r.Context(), st.token); err != nil {
			return err
		}
	}
	a.clearSessionCookie(w, r)
	http.Redirect(w, r, "/login?notice=logged_out", http.StatusSeeOther)
	return nil
}

// switchWorkspace moves the session to another workspace of the user.
func (a *App) switchWorkspace(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	token, err := a.svc.SwitchWorkspace(r.Context(), st.token, r.PostFormValue("workspace_id"))
	if err != nil {
		return err
	}
	a.setSessionCookie(w, r, token)
	http.Redirect(w, r, "/tickets?notice=switched", http.StatusSeeOther)
	return nil
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
