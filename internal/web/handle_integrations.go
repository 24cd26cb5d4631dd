package web

import (
	"net/http"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

type integrationsData struct {
	Keys   []keyRow
	APIURL string
}

type keyRow struct {
	helpdesk.APIKey
	Display string // tix_<key id>…, the only form of a key any list shows
	State   string
}

func keyDisplay(keyID string) string { return "tix_" + keyID + "…" }

func (a *App) integrations(w http.ResponseWriter, r *http.Request) error {
	ws := stateOf(r).auth.Workspace.ID
	keys, err := a.svc.APIKeys(r.Context(), ws)
	if err != nil {
		return err
	}
	p := integrationsData{APIURL: a.baseURL(r) + "/api/v1"}
	now := a.now()
	for _, k := range keys {
		p.Keys = append(p.Keys, keyRow{APIKey: k, Display: keyDisplay(k.KeyID), State: k.KeyState(now)})
	}
	a.render(w, r, http.StatusOK, "integrations", &view{Title: "Integrations", Nav: "integrations", Data: p})
	return nil
}

type newKeyData struct {
	MinDate string
}

func (a *App) newKeyPage(w http.ResponseWriter, r *http.Request) error {
	f := newForm("new-key", nil)
	f.Values.Set("scope", string(helpdesk.ScopeReadWrite))
	f.Values.Set("expires", "never")
	return a.showNewKey(w, r, http.StatusOK, f)
}

func (a *App) showNewKey(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	a.render(w, r, status, "key_new", &view{
		Title: "Create an API key", Nav: "integrations", Form: f,
		Data: newKeyData{MinDate: a.now().UTC().Add(24 * time.Hour).Format(time.DateOnly)},
	})
	return nil
}

type keyCreatedData struct {
	Key     keyRow
	Secret  string
	Curl    string
	Expires *time.Time
}

// createKey makes a key and shows it on the response to the POST itself,
// never through a redirect whose URL would carry it. The page is marked
// no-store so neither the browser cache nor a proxy keeps it; once it is
// left, the full key is unreachable.
func (a *App) createKey(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	f := newForm("new-key", r)
	in := helpdesk.NewAPIKey{Name: f.Get("name"), Scope: helpdesk.Scope(f.Get("scope"))}
	now := a.now().UTC()
	switch f.Get("expires") {
	case "", "never":
	case "30":
		in.ExpiresAt = new(now.Add(30 * 24 * time.Hour))
	case "90":
		in.ExpiresAt = new(now.Add(90 * 24 * time.Hour))
	case "365":
		in.ExpiresAt = new(now.Add(365 * 24 * time.Hour))
	case "date":
		d, err := time.Parse(time.DateOnly, f.Get("expires_at"))
		if err != nil {
			f.Errors = map[string][]string{"expires_at": {"Choose a date, like " + now.Add(90*24*time.Hour).Format(time.DateOnly)}}
			f.Message = "Please correct the fields marked below."
			return a.showNewKey(w, r, http.StatusBadRequest, f)
		}
		// A key that expires "on" a date works through the end of that day (UTC).
		in.ExpiresAt = new(d.Add(24 * time.Hour))
	default:
		f.Errors = map[string][]string{"expires": {"Choose when the key expires"}}
		f.Message = "Please correct the fields marked below."
		return a.showNewKey(w, r, http.StatusBadRequest, f)
	}
	k, err := a.svc.CreateAPIKey(r.Context(), st.auth.Workspace.ID, st.auth.Actor(st.ip), in)
	if err != nil {
		if f.invalid(err, nil) {
			return a.showNewKey(w, r, http.StatusBadRequest, f)
		}
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	a.render(w, r, http.StatusOK, "key_created", &view{
		Title: "Your new API key", Nav: "integrations",
		Data: keyCreatedData{
			Key:     keyRow{APIKey: k.Key, Display: keyDisplay(k.Key.KeyID), State: k.Key.KeyState(now)},
			Secret:  k.Secret,
			Curl:    curlExample(a.baseURL(r)+"/api/v1/tickets", k.Secret),
			Expires: k.Key.ExpiresAt,
		},
	})
	return nil
}

type revokeKeyData struct {
	Key keyRow
}

// findKey returns the workspace's key with the public id from the path.
func (a *App) findKey(r *http.Request) (*keyRow, error) {
	keys, err := a.svc.APIKeys(r.Context(), stateOf(r).auth.Workspace.ID)
	if err != nil {
		return nil, err
	}
	id := r.PathValue("keyID")
	for _, k := range keys {
		if k.KeyID == id {
			return &keyRow{APIKey: k, Display: keyDisplay(k.KeyID), State: k.KeyState(a.now())}, nil
		}
	}
	return nil, helpdesk.ErrNotFound
}

func (a *App) revokeKeyPage(w http.ResponseWriter, r *http.Request) error {
	k, err := a.findKey(r)
	if err != nil {
		return err
	}
	a.render(w, r, http.StatusOK, "key_revoke", &view{Title: "Revoke " + k.Name + "?", Nav: "integrations", Data: revokeKeyData{Key: *k}})
	return nil
}

func (a *App) revokeKey(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	if _, err := a.svc.RevokeAPIKey(r.Context(), st.auth.Workspace.ID, r.PathValue("keyID"), st.auth.Actor(st.ip)); err != nil {
		return err
	}
	http.Redirect(w, r, "/integrations?notice=key_revoked", http.StatusSeeOther)
	return nil
}
