package web

import (
	"net/http"
	"strconv"
	"strings"
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
	var before helpdesk.AuditCursor
	p := auditData{}
	if b := r.URL.Query().Get("before"); b != "" {
		c, ok := parseAuditCursor(b)
		if !ok {
			return helpdesk.Errorf(helpdesk.EInvalid, "Unknown page")
		}
		before = c
		p.FirstURL = "/audit"
	}
	// One more than a page tells whether an older page exists.
	entries, err := a.svc.AuditEntries(r.Context(), ws, before, auditPageSize+1)
	if err != nil {
		return err
	}
	if len(entries) > auditPageSize {
		entries = entries[:auditPageSize]
		p.OlderURL = "/audit?before=" + formatAuditCursor(entries[len(entries)-1].Cursor())
	}
	p.Entries = entries
	a.render(w, r, http.StatusOK, "audit", &view{Title: "Audit log", Nav: "audit", Data: p})
	return nil
}

// formatAuditCursor writes a page's place as "<unix µs>.<entry id>"; the ids
// are UUIDs, so the dot cannot be part of one.
func formatAuditCursor(c helpdesk.AuditCursor) string {
	return strconv.FormatInt(c.CreatedAt.UnixMicro(), 10) + "." + c.ID
}

// parseAuditCursor reads what formatAuditCursor wrote. A bare time (the
// links of earlier versions) still works: everything older than it.
func parseAuditCursor(s string) (helpdesk.AuditCursor, bool) {
	us, id, _ := strings.Cut(s, ".")
	n, err := strconv.ParseInt(us, 10, 64)
	if err != nil || n <= 0 || len(id) > 64 {
		return helpdesk.AuditCursor{}, false
	}
	return helpdesk.AuditCursor{CreatedAt: time.UnixMicro(n).UTC(), ID: id}, true
}
