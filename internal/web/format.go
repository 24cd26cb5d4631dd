package web

import (
	"fmt"
	"html/template"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// funcs are the template helpers.
func (a *App) funcs() template.FuncMap {
	return template.FuncMap{
		"asset":    a.static.url,
		"ago":      a.ago,
		"timeTag":  a.timeTag,
		"date":     func(t time.Time) string { return t.UTC().Format("2 Jan 2006") },
		"datetime": func(t time.Time) string { return t.UTC().Format("2 Jan 2006, 15:04 UTC") },
		"deref": func(s *string) string {
			if s == nil {
				return ""
			}
			return *s
		},
		"label":    label,
		"initials": initials,
		"lines":    func(s string) []string { return strings.Split(s, "\n") },
		"inc":      func(n int) int { return n + 1 },
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
		"crumbs":      crumbs,
		"actionLabel": actionLabel,
		"statuses":    func() []helpdesk.Status { return helpdesk.Statuses },
		"priorities":  func() []helpdesk.Priority { return helpdesk.Priorities },
		"roles": func() []helpdesk.Role {
			return []helpdesk.Role{helpdesk.RoleOwner, helpdesk.RoleAdmin, helpdesk.RoleAgent}
		},
	}
}

// crumb is one link of a breadcrumb trail.
type crumb struct {
	Text string
	Href string
}

// crumbs builds a breadcrumb trail from text and href pairs, as the confirm
// partial takes it. An odd count is a mistake in a template, so it fails the
// render (a 500 the page tests catch) rather than drop a link.
func crumbs(textHref ...string) ([]crumb, error) {
	if len(textHref)%2 != 0 {
		return nil, fmt.Errorf("crumbs: %d arguments, want text and href pairs", len(textHref))
	}
	out := make([]crumb, 0, len(textHref)/2)
	for i := 0; i < len(textHref); i += 2 {
		out = append(out, crumb{Text: textHref[i], Href: textHref[i+1]})
	}
	return out, nil
}

// label turns a code like "read_write" or "pending" into "Read write" / "Pending".
func label(v any) string {
	s := strings.ReplaceAll(fmt.Sprint(v), "_", " ")
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// initials gives an avatar's letters: "Ada Lovelace" → "AL".
func initials(name string) string {
	var out []rune
	for _, w := range strings.Fields(name) {
		r, _ := utf8.DecodeRuneInString(w)
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			out = append(out, unicode.ToUpper(r))
		}
		if len(out) == 2 {
			break
		}
	}
	if len(out) == 0 {
		return "?"
	}
	return string(out)
}

// ago says how long ago t was, the way a person would.
func (a *App) ago(t time.Time) string {
	d := a.now().Sub(t)
	future := d < 0
	if future {
		d = -d
	}
	var s string
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		s = plural(int(d/time.Minute), "min")
	case d < 24*time.Hour:
		s = plural(int(d/time.Hour), "hour")
	case d < 30*24*time.Hour:
		s = plural(int(d/(24*time.Hour)), "day")
	default:
		return t.UTC().Format("2 Jan 2006")
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}

func plural(n int, unit string) string {
	if n == 1 || unit == "min" {
		return fmt.Sprintf("%d %s", n, unit)
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// timeTag is a <time> element with the relative time as text and the exact
// UTC time in the tooltip; the script turns the tooltip into local time.
func (a *App) timeTag(t time.Time) template.HTML {
	return template.HTML(fmt.Sprintf(`<time datetime="%s" title="%s">%s</time>`,
		t.UTC().Format(time.RFC3339), t.UTC().Format("2 Jan 2006, 15:04 UTC"),
		template.HTMLEscapeString(a.ago(t))))
}

// actionLabels name audit actions for people.
var actionLabels = map[string]string{
	helpdesk.AuditKeyCreated:       "API key created",
	helpdesk.AuditKeyRevoked:       "API key revoked",
	helpdesk.AuditKeyReuse:         "Revoked or expired key used",
	helpdesk.AuditLoginSucceeded:   "Logged in",
	helpdesk.AuditLoginFailed:      "Failed log-in",
	helpdesk.AuditPasswordChanged:  "Password changed",
	helpdesk.AuditMemberInvited:    "Member invited",
	helpdesk.AuditMemberJoined:     "Member joined",
	helpdesk.AuditRoleChanged:      "Role changed",
	helpdesk.AuditMemberRemoved:    "Member removed",
	helpdesk.AuditInviteRevoked:    "Invite withdrawn",
	helpdesk.AuditWorkspaceCreated: "Workspace created",
	helpdesk.AuditWebhookCreated:   "Webhook created",
	helpdesk.AuditWebhookUpdated:   "Webhook updated",
	helpdesk.AuditWebhookDeleted:   "Webhook deleted",
	helpdesk.AuditWebhookRotated:   "Webhook secret rotated",
	helpdesk.AuditWebhookRevealed:  "Webhook secret revealed",
	helpdesk.AuditWebhookDisabled:  "Webhook disabled",
}

func actionLabel(action string) string {
	if l, ok := actionLabels[action]; ok {
		return l
	}
	return action
}
