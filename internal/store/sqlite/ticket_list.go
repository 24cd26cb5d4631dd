package sqlite

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// Tickets lists tickets newest first, paged by keyset on the number: a page
// is "the next Limit tickets numbered below the last one seen", which an
// index on (workspace_id, …, number) answers by walking backwards from the
// cursor. Page 10,000 therefore costs what page 1 costs, and tickets created
// while a client pages land above its cursor instead of shifting its pages.
// (A text search is the exception: LIKE '%…%' cannot use an index, so it
// reads tickets until it has found a page of matches.)
func (r reader) Tickets(ctx context.Context, workspaceID string, f helpdesk.TicketFilter) ([]helpdesk.TicketRow, error) {
	query, args := ticketsQuery(workspaceID, f)
	return list(ctx, r, "list tickets", scanTicketRow, query, args...)
}

func scanTicketRow(row scanner) (helpdesk.TicketRow, error) {
	var t helpdesk.TicketRow
	dest := append(ticketDest(&t.Ticket), &t.CustomerEmail, &t.CustomerName, &t.AssigneeName, &t.InboxName)
	err := row.Scan(dest...)
	return t, err
}

// ticketRowSelect reads a ticket with what a list shows beside it. SQLite
// never reorders a CROSS JOIN, so tickets stay the outer loop and the ORDER
// BY is answered by walking a tickets index: with ANALYZE statistics the
// planner otherwise may start from a small customers or inboxes table and
// sort every matching ticket.
const ticketRowSelect = `SELECT ` + ticketColumns + `, c.email, c.name, u.name, i.name
	FROM tickets t
	CROSS JOIN customers c ON c.id = t.customer_id
	CROSS JOIN inboxes i ON i.id = t.inbox_id
	LEFT JOIN users u ON u.id = t.assignee_id`

// ticketsQuery builds the list query for f. It is separate from Tickets so
// that the tests can EXPLAIN exactly the SQL that runs.
func ticketsQuery(workspaceID string, f helpdesk.TicketFilter) (string, []any) {
	return ticketsQueryFrom(ticketRowSelect, workspaceID, f)
}

// ticketsQueryFrom builds a list query for f on the SELECT … FROM tickets t
// (and its joins) in sel, so the app's rows and the API's bare tickets share
// their filtering and ordering.
//
// Every filter becomes a condition that an index walk in number order can
// check row by row, so the planner never has to sort. One status is an
// equality on tickets_status. Several statuses become one SELECT per status,
// each walking tickets_status in order, joined by UNION ALL under one ORDER BY:
// SQLite runs that as a merge of the ordered arms (MERGE (UNION ALL) in the
// plan) and stops at the limit. An IN list instead would read every
// matching ticket below the cursor and sort them, so page 1 would cost the
// most.
func ticketsQueryFrom(sel, workspaceID string, f helpdesk.TicketFilter) (string, []any) {
	where, args := ticketConditions(workspaceID, f)
	limit := noLimit(f.Limit)
	statuses := slices.Compact(slices.Sorted(slices.Values(f.Statuses)))

	if len(statuses) <= 1 {
		if len(statuses) == 1 {
			where = append(where, `t.status = ?`)
			args = append(args, statuses[0])
		}
		return sel + `
	WHERE ` + strings.Join(where, "\n\t  AND ") + `
	ORDER BY t.number DESC
	LIMIT ?`, append(args, limit)
	}

	arms := make([]string, len(statuses))
	var armArgs []any
	for i, st := range statuses {
		arms[i] = sel + `
	WHERE ` + strings.Join(where, "\n\t  AND ") + `
	  AND t.status = ?`
		armArgs = append(append(armArgs, args...), st)
	}
	// A compound SELECT orders by a result column: number.
	return strings.Join(arms, "\nUNION ALL\n") + `
	ORDER BY number DESC
	LIMIT ?`, append(armArgs, limit)
}

// ticketConditions turns every filter but the statuses into WHERE terms.
func ticketConditions(workspaceID string, f helpdesk.TicketFilter) ([]string, []any) {
	where := []string{`t.workspace_id = ?`}
	args := []any{workspaceID}
	add := func(clause string, values ...any) {
		where = append(where, clause)
		args = append(args, values...)
	}

	if f.BeforeNumber > 0 {
		add(`t.number < ?`, f.BeforeNumber)
	}
	if !f.IncludeMerged {
		add(`t.merged_into_id IS NULL`)
	}
	if len(f.Priorities) > 0 {
		add(`t.priority IN (`+placeholders(len(f.Priorities))+`)`, anySlice(f.Priorities)...)
	}
	if f.InboxID != "" {
		add(`t.inbox_id = ?`, f.InboxID)
	}
	if f.AssigneeID != "" {
		add(`t.assignee_id = ?`, f.AssigneeID)
	}
	if f.Unassigned {
		add(`t.assignee_id IS NULL`)
	}
	if f.CustomerID != "" {
		add(`t.customer_id = ?`, f.CustomerID)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		// Matching customers are found once, so the scan of tickets checks
		// each row against a small set instead of joining every customer.
		pattern := likePattern(q)
		match := `t.subject LIKE ? ESCAPE '\' OR t.customer_id IN (
		SELECT id FROM customers WHERE workspace_id = ? AND email LIKE ? ESCAPE '\')`
		if n, ok := ticketNumber(q); ok {
			add(`(t.number = ? OR `+match+`)`, n, pattern, workspaceID, pattern)
		} else {
			add(`(`+match+`)`, pattern, workspaceID, pattern)
		}
	}
	return where, args
}

// ticketNumber reads a search for "42" or "#42" as ticket number 42.
func ticketNumber(q string) (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimPrefix(q, "#"), 10, 64)
	return n, err == nil && n > 0
}

// CountTickets counts the workspace's unmerged tickets by status; every
// status is in the map, zero when it has no tickets.
func (r reader) CountTickets(ctx context.Context, workspaceID string) (map[helpdesk.Status]int, error) {
	rows, err := r.query(ctx, `SELECT status, COUNT(*) FROM tickets
		WHERE workspace_id = ? AND merged_into_id IS NULL GROUP BY status`, workspaceID)
	if err != nil {
		return nil, wrapErr(err, "count tickets")
	}
	defer rows.Close()
	counts := make(map[helpdesk.Status]int, len(helpdesk.Statuses))
	for _, s := range helpdesk.Statuses {
		counts[s] = 0
	}
	for rows.Next() {
		var (
			s helpdesk.Status
			n int
		)
		if err := rows.Scan(&s, &n); err != nil {
			return nil, wrapErr(err, "count tickets")
		}
		counts[s] = n
	}
	if err := rows.Err(); err != nil {
		return nil, wrapErr(err, "count tickets")
	}
	return counts, nil
}

// placeholders returns "?, ?, ?" for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// anySlice turns a slice of values into query arguments.
func anySlice[T any](values []T) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = v
	}
	return out
}
