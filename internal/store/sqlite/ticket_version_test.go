package sqlite

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// TestTicketsVersionCascade: a change to tickets that the service never
// makes — the ON DELETE SET NULL of an assignee whose account an operator
// deleted — moves the version too, and a workspace deleted with its tickets
// leaves no count behind.
func TestTicketsVersionCascade(t *testing.T) {
	s := openTest(t, Options{})
	ctx := t.Context()
	id := func() string { return uuid.Must(uuid.NewV7()).String() }
	now := time.Now().UTC().Truncate(time.Microsecond)
	ws := helpdesk.Workspace{ID: id(), Name: "Acme", Slug: "acme", CreatedAt: now}
	user := helpdesk.User{ID: id(), Email: "gone@example.com", Name: "Gone", CreatedAt: now, UpdatedAt: now}
	inbox := helpdesk.Inbox{ID: id(), WorkspaceID: ws.ID, Name: "Support", IsDefault: true, CreatedAt: now}
	cu := helpdesk.Customer{ID: id(), WorkspaceID: ws.ID, Email: "c@example.com", CreatedAt: now, UpdatedAt: now}
	tk := helpdesk.Ticket{ID: id(), WorkspaceID: ws.ID, Subject: "s", Status: helpdesk.StatusOpen,
		Priority: helpdesk.PriorityLow, Source: helpdesk.SourceAPI, InboxID: inbox.ID, CustomerID: cu.ID,
		AssigneeID: &user.ID, CreatedAt: now, UpdatedAt: now}
	err := s.InTx(ctx, func(tx helpdesk.Tx) error {
		if err := tx.CreateWorkspace(ctx, &ws); err != nil {
			return err
		}
		n, err := tx.NextTicketNumber(ctx, ws.ID)
		tk.Number = n
		return errors.Join(err, tx.CreateUser(ctx, &user), tx.CreateInbox(ctx, &inbox),
			tx.CreateCustomer(ctx, &cu), tx.CreateTicket(ctx, &tk))
	})
	if err != nil {
		t.Fatal(err)
	}
	before, err := s.TicketsVersion(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.write.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, user.ID); err != nil {
		t.Fatal(err)
	}
	after, err := s.TicketsVersion(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after <= before {
		t.Errorf("version %d after the assignee's account was deleted, want more than %d", after, before)
	}

	if _, err := s.write.ExecContext(ctx, `DELETE FROM workspaces WHERE id = ?`, ws.ID); err != nil {
		t.Fatalf("deleting a workspace with its tickets: %v", err)
	}
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM ticket_changes`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d ticket_changes rows left after the workspace was deleted", n)
	}
}
