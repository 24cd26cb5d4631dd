package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/tixallo/tixallo/internal/helpdesk"
	"github.com/tixallo/tixallo/internal/httpserver"
)

// view is what every template gets: the page's own data in Data, and what
// the layout needs around it.
type view struct {
	Title string
	// Nav names the navigation entry to mark as current.
	Nav        string
	Auth       *helpdesk.Auth
	Workspaces []helpdesk.Membership
	CSRF       string
	Notice     string
	Form       *form
	Data       any
	// Bare renders the page in the logged-out layout even for a logged-in
	// visitor (sign-up, log-in and invite pages are cards of their own).
	Bare bool
	// Status is the HTTP status of error pages.
	Status    int
	RequestID string
}

// FormFor returns the submitted form when it is the one with this id, and
// nil otherwise, so a page with several forms fills only the one sent.
func (v *view) FormFor(id string) *form {
	if v.Form != nil && v.Form.ID == id {
		return v.Form
	}
	return nil
}

// CanManage reports whether the viewer is an owner or admin.
func (v *view) CanManage() bool { return v.Auth != nil && v.Auth.Member.Role.CanManage() }

// IsOwner reports whether the viewer is an owner.
func (v *view) IsOwner() bool { return v.Auth != nil && v.Auth.Member.Role == helpdesk.RoleOwner }

// parseTemplates builds one template set per page: the layouts and partials
// (confirm.html is the one layout of every confirmation page) plus the
// page's own file, which defines "content".
func (a *App) parseTemplates() map[string]*template.Template {
	pages, err := fs.Glob(assets, "templates/pages/*.html")
	if err != nil || len(pages) == 0 {
		panic(fmt.Sprintf("web: no page templates: %v", err))
	}
	out := map[string]*template.Template{}
	for _, p := range pages {
		name := strings.TrimSuffix(path.Base(p), ".html")
		t := template.New(name).Funcs(a.funcs())
		t = template.Must(t.ParseFS(assets, "templates/layout.html", "templates/partials.html", "templates/confirm.html", p))
		out[name] = t
	}
	return out
}

// render writes a page with status. The page is rendered into a buffer first
// so a template error becomes a clean 500, never half a page.
func (a *App) render(w http.ResponseWriter, r *http.Request, status int, page string, v *view) {
	st := stateOf(r)
	v.Auth = st.auth
	v.CSRF = st.csrf
	v.RequestID = httpserver.RequestID(r.Context())
	if v.Notice == "" {
		v.Notice = notices[r.URL.Query().Get("notice")]
	}
	if st.auth != nil && v.Workspaces == nil {
		ms, err := a.svc.Memberships(r.Context(), st.auth.User.ID)
		if err != nil {
			a.log.ErrorContext(r.Context(), "list memberships", "request_id", v.RequestID, "err", err)
		}
		v.Workspaces = ms
	}
	t, ok := a.pages[page]
	if !ok {
		a.serverError(w, r, fmt.Errorf("no template %q", page))
		return
	}
	layout := "auth_layout"
	if st.auth != nil && !v.Bare {
		layout = "layout"
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, layout, v); err != nil {
		a.serverError(w, r, fmt.Errorf("render %s: %w", page, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// statusFor is the one mapping from the domain's error codes to HTTP
// statuses for pages.
func statusFor(code helpdesk.Code) int {
	switch code {
	case helpdesk.EInvalid:
		return http.StatusBadRequest
	case helpdesk.EUnauthorized:
		return http.StatusUnauthorized
	case helpdesk.EForbidden:
		return http.StatusForbidden
	case helpdesk.ENotFound:
		return http.StatusNotFound
	case helpdesk.EConflict, helpdesk.EMerged, helpdesk.EIdempotencyInProgress, helpdesk.EIdempotencyReused:
		return http.StatusConflict
	}
	return http.StatusInternalServerError
}

// errorData is the data of the error template.
type errorData struct {
	Heading string
	Message string
}

// fail answers a request whose handler returned err: a friendly page with
// the status of the error's code. Internal errors are logged with the
// request id, which the page shows so a user can quote it.
func (a *App) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := helpdesk.ErrorCode(err)
	status := statusFor(code)
	if code == helpdesk.EUnauthorized {
		a.toLogin(w, r)
		return
	}
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		status = http.StatusRequestEntityTooLarge
		a.render(w, r, status, "error", &view{Title: "Too much text", Status: status,
			Data: errorData{Heading: "That was too much text", Message: "The form was larger than Tixallo accepts. Shorten it and try again."}})
		return
	}
	if status == http.StatusInternalServerError {
		a.serverError(w, r, err)
		return
	}
	msg := ""
	var e *helpdesk.Error
	if errors.As(err, &e) {
		msg = e.Message
	}
	page := errorData{Message: msg}
	switch status {
	case http.StatusNotFound:
		page.Heading = "Page not found"
		if msg == "" || msg == helpdesk.ErrNotFound.Message {
			page.Message = "There is nothing here. The link may be mistyped, or what it pointed to may have been removed."
		}
	case http.StatusForbidden:
		page.Heading = "You don't have access to this"
	case http.StatusConflict:
		page.Heading = "That can't be done right now"
	default:
		page.Heading = "Something is not right"
	}
	a.render(w, r, status, "error", &view{Title: page.Heading, Status: status, Data: page})
}

// serverError logs err with the request id and shows a page that quotes it.
func (a *App) serverError(w http.ResponseWriter, r *http.Request, err error) {
	id := httpserver.RequestID(r.Context())
	a.log.ErrorContext(r.Context(), "web request failed", "request_id", id, "path", r.URL.Path, "err", err)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusInternalServerError)
	// A fixed page that needs no template: the templates may be what failed.
	_, _ = fmt.Fprintf(w, serverErrorPage, a.static.url("app.css"), template.HTMLEscapeString(id))
}

const serverErrorPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Something went wrong · Tixallo</title><link rel="stylesheet" href="%s"></head>
<body class="auth-body"><main id="main" class="auth-card"><h1>Something went wrong on our side</h1>
<p>Tixallo could not finish this request. Try again in a moment; if it keeps happening, tell your administrator and quote request id <code id="request-id">%s</code>.</p>
<p><a href="/">Back to Tixallo</a></p></main></body></html>
`

// notices are the one-line confirmations a redirect can ask for with
// ?notice=…; only these fixed texts can appear, never anything from the URL.
var notices = map[string]string{
	"created":         "Ticket created.",
	"updated":         "Ticket updated.",
	"replied":         "Reply sent.",
	"noted":           "Internal note added.",
	"merged":          "Ticket merged into this one.",
	"customer_saved":  "Customer saved.",
	"company_created": "Company saved.",
	"inbox_created":   "Inbox created.",
	"inbox_renamed":   "Inbox renamed.",
	"inbox_default":   "Default inbox changed. New API tickets land there.",
	"role_changed":    "Role changed.",
	"member_removed":  "Member removed. Their sessions have ended.",
	"invite_revoked":  "Invite withdrawn. Its link no longer works.",
	"key_revoked":     "API key revoked. Requests with it are refused from now on.",
	"password":        "Password changed. Your other sessions have been logged out.",
	"name_saved":      "Name saved.",
	"switched":        "Switched workspace.",
	"joined":          "Welcome! You have joined the workspace.",
	"logged_out":      "You have been logged out.",
}
