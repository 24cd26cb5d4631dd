package postgres_test

import (
	"testing"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// TestTicketsVersionCascade: a change to tickets that the service never
// makes — the ON DELETE SET NULL of an assignee whose account an operator
// deleted — moves the version too, and a workspace deleted with its tickets
// leaves no count behind.
func TestTicketsVersionCascade(t *testing.T) {
	s, dsn := open(t)
	ctx := t.Context()
	ws := seedOne(t, s)
	owner := ownerConn(t, dsn)

	user := helpdesk.User{ID: "0193a3b4-0000-7000-8000-000000000001", Email: "gone@example.com", Name: "Gone"}
	err := s.InTx(ctx, func(tx helpdesk.Tx) error { return tx.CreateUser(ctx, &user) })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Exec(ctx, `UPDATE tickets SET assignee_id = $1 WHERE workspace_id = $2`, user.ID, ws); err != nil {
		t.Fatal(err)
	}
	before, err := s.TicketsVersion(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Exec(ctx, `DELETE FROM users WHERE id = $1`, user.ID); err != nil {
		t.Fatal(err)
	}
	after, err := s.TicketsVersion(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	if after <= before {
		t.Errorf("version %d after the assignee's account was deleted, want more than %d", after, before)
	}

	if _, err := owner.Exec(ctx, `DELETE FROM workspaces WHERE id = $1`, ws); err != nil {
		t.Fatalf("deleting a workspace with its tickets: %v", err)
	}
	if n := count(t, owner, "ticket_changes"); n != 0 {
		t.Errorf("%d ticket_changes rows left after the workspace was deleted", n)
	}
}

// TestTicketVersionsFunction: the rate limiter's statement reads the
// versions of several workspaces at once, on the application role without
// a workspace setting, in the order asked, NULL for one that does not
// exist; and AllowWithTicketsVersion hands a caller its workspace's.
func TestTicketVersionsFunction(t *testing.T) {
	s, dsn := open(t)
	ctx := t.Context()
	a, b := seedOne(t, s), seedOne(t, s)
	va, err := s.TicketsVersion(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	vb, err := s.TicketsVersion(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	var got []*int64
	err = appConn(t, dsn).QueryRow(ctx, `SELECT tixallo_ticket_versions($1)`,
		[]string{a, "0193a3b4-0000-7000-8000-00000000dead", b, a}).Scan(&got)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || got[0] == nil || *got[0] != va || got[1] != nil || got[2] == nil || *got[2] != vb ||
		got[3] == nil || *got[3] != va {
		t.Errorf("versions of a, unknown, b, a = %v, want %d, NULL, %d, %d", got, va, vb, va)
	}

	l := s.NewLimiter(100, time.Minute)
	d, v, err := l.AllowWithTicketsVersion(ctx, "key-a", a, time.Now())
	if err != nil || !d.Allowed || v != va {
		t.Errorf("AllowWithTicketsVersion = %+v, %d, %v; want admitted at version %d", d, v, err, va)
	}
	if _, v, err := l.AllowWithTicketsVersion(ctx, "key-x", "0193a3b4-0000-7000-8000-00000000dead", time.Now()); err != nil || v != -1 {
		t.Errorf("an unknown workspace's version = %d, %v; want -1", v, err)
	}
}
