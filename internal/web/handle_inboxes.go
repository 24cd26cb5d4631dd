package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

type inboxListData struct {
	Inboxes []helpdesk.Inbox
	// Failed is the inbox whose rename form failed, to show its message.
	Failed string
}

func (a *App) inboxList(w http.ResponseWriter, r *http.Request) error {
	return a.showInboxes(w, r, http.StatusOK, nil, "")
}

func (a *App) showInboxes(w http.ResponseWriter, r *http.Request, status int, f *form, failed string) error {
	ins, err := a.svc.Inboxes(r.Context(), stateOf(r).auth.Workspace.ID)
	if err != nil {
		return err
	}
	slices.SortFunc(ins, func(x, y helpdesk.Inbox) int {
		if x.IsDefault != y.IsDefault {
			if x.IsDefault {
				return -1
			}
			return 1
		}
		return strings.Compare(strings.ToLower(x.Name), strings.ToLower(y.Name))
	})
	a.render(w, r, status, "inboxes", &view{Title: "Inboxes", Nav: "inboxes", Form: f, Data: inboxListData{Inboxes: ins, Failed: failed}})
	return nil
}

func (a *App) createInbox(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	f := newForm("inbox", r)
	if _, err := a.svc.CreateInbox(r.Context(), st.auth.Workspace.ID, st.auth.Actor(st.ip), f.Get("name")); err != nil {
		if f.invalid(err, nil) {
			return a.showInboxes(w, r, http.StatusBadRequest, f, "")
		}
		return err
	}
	http.Redirect(w, r, "/inboxes?notice=inbox_created", http.StatusSeeOther)
	return nil
}

func (a *App) renameInbox(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	id := r.PathValue("id")
	f := newForm("rename-"+id, r)
	if _, err := a.svc.RenameInbox(r.Context(), st.auth.Workspace.ID, st.auth.Actor(st.ip), id, f.Get("name")); err != nil {
		if f.invalid(err, nil) {
			return a.showInboxes(w, r, http.StatusBadRequest, f, id)
		}
		return err
	}
	http.Redirect(w, r, "/inboxes?notice=inbox_renamed", http.StatusSeeOther)
	return nil
}

func (a *App) defaultInbox(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	if _, err := a.svc.SetDefaultInbox(r.Context(), st.auth.Workspace.ID, st.auth.Actor(st.ip), r.PathValue("id")); err != nil {
		return err
	}
	http.Redirect(w, r, "/inboxes?notice=inbox_default", http.StatusSeeOther)
	return nil
}
