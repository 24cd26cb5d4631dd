package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

const auditPageSize = 50

type auditData struct {
	Entries  []helpdesk.AuditEntry
	OlderURL string
	FirstURL string
}

func (a *App) auditLog(w http.ResponseWriter, r *http.Request) error {
	ws := stateOf(r).auth.Workspace.ID
	var before time.Time
	p := auditData{}
	if b := r.URL.Query().Get("before"); b != "" {
		us, err := strconv.ParseInt(b, 10, 64)
		if err != nil || us <= 0 {
			return helpdesk.Errorf(helpdesk.EInvalid, "Unknown page")
		}
		before = time.UnixMicro(us).UTC()
		p.FirstURL = "/audit"
	}
	// One more than a page tells whether an older page exists.
	entries, err := a.svc.AuditEntries(r.Context(), ws, before, auditPageSize+1)
	if err != nil {
		return err
	}
	if len(entries) > auditPageSize {
		entries = entries[:auditPageSize]
		p.OlderURL = "/audit?before=" + strconv.FormatInt(entries[len(entries)-1].CreatedAt.UnixMicro(), 10)
	}
	p.Entries = entries
	a.render(w, r, http.StatusOK, "audit", &view{Title: "Audit log", Nav: "audit", Data: p})
	return nil
}
