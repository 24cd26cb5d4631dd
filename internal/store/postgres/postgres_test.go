package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/tixallo/tixallo/internal/helpdesk"
	"github.com/tixallo/tixallo/internal/store/postgres"
	"github.com/tixallo/tixallo/internal/store/storetest"
	"github.com/tixallo/tixallo/internal/store/teststore"
)

// open returns a fresh, migrated store in a schema of its own, and the URL
// that reaches that schema.
func open(t *testing.T) (*postgres.Store, string) {
	t.Helper()
	dsn := teststore.NewPostgresSchema(t)
	s, err := postgres.Open(t.Context(), dsn, postgres.Options{Migrate: true, MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dsn
}

// openInstance opens, on dsn, the store another instance would have.
func openInstance(t *testing.T, dsn string) *postgres.Store {
	t.Helper()
	o, err := postgres.Open(t.Context(), dsn, postgres.Options{MaxConns: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close() })
	return o
}

func TestConformance(t *testing.T) {
	if teststore.PostgresURL() == "" {
		t.Skip(teststore.EnvPostgres + " is not set")
	}
	storetest.Run(t, func(t *testing.T) helpdesk.Store { s, _ := open(t); return s })
}

// tenantTables are every table that holds a workspace's data.
var tenantTables = []string{"workspaces", "memberships", "sessions", "invites", "inboxes", "companies",
	"customers", "tickets", "messages", "api_keys", "audit_entries", "events", "idempotency_records",
	"webhook_endpoints", "webhook_deliveries", "webhook_attempts", "ticket_changes"}

// seedOne creates a workspace with a row in every tenant table through the
// store, and returns its id.
func seedOne(t *testing.T, s helpdesk.Store) string {
	t.Helper()
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Microsecond)
	id := func() string { return uuid.Must(uuid.NewV7()).String() }
	ws := helpdesk.Workspace{ID: id(), Name: "Acme", Slug: "acme-" + uuid.NewString()[:8], CreatedAt: now}
	user := helpdesk.User{ID: id(), Email: id() + "@example.com", Name: "Ann", CreatedAt: now, UpdatedAt: now}
	inbox := helpdesk.Inbox{ID: id(), WorkspaceID: ws.ID, Name: "Support", IsDefault: true, CreatedAt: now}
	co := helpdesk.Company{ID: id(), WorkspaceID: ws.ID, Name: "Acme", CreatedAt: now}
	cu := helpdesk.Customer{ID: id(), WorkspaceID: ws.ID, Email: "c@example.com", CompanyID: &co.ID, CreatedAt: now, UpdatedAt: now}
	tk := helpdesk.Ticket{ID: id(), WorkspaceID: ws.ID, Subject: "s", Description: "d", Status: helpdesk.StatusNew,
		Priority: helpdesk.PriorityLow, Source: helpdesk.SourceAPI, InboxID: inbox.ID, CustomerID: cu.ID,
		CreatedAt: now, UpdatedAt: now}
	ev := helpdesk.Event{ID: id(), WorkspaceID: ws.ID, Type: helpdesk.EventTicketCreated, Payload: []byte(`{}`), CreatedAt: now}
	ep := helpdesk.WebhookEndpoint{ID: id(), WorkspaceID: ws.ID, URL: "https://example.com/hook",
		EventTypes: []string{helpdesk.EventTicketCreated}, Active: true, SecretSealed: []byte("sealed"),
		CreatedAt: now, UpdatedAt: now}
	err := s.InTx(ctx, func(tx helpdesk.Tx) error {
		n, err := func() (int64, error) {
			if err := tx.CreateWorkspace(ctx, &ws); err != nil {
				return 0, err
			}
			return tx.NextTicketNumber(ctx, ws.ID)
		}()
		if err != nil {
			return err
		}
		tk.Number = n
		return errors.Join(
			tx.CreateUser(ctx, &user),
			tx.CreateMember(ctx, &helpdesk.Member{WorkspaceID: ws.ID, UserID: user.ID, Role: helpdesk.RoleOwner, CreatedAt: now}),
			tx.CreateSession(ctx, &helpdesk.Session{TokenHash: []byte(id()), UserID: user.ID, WorkspaceID: ws.ID,
				CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}),
			tx.CreateInvite(ctx, &helpdesk.Invite{ID: id(), WorkspaceID: ws.ID, Email: "x@example.com",
				Role: helpdesk.RoleAgent, TokenHash: []byte(id()), InvitedBy: user.ID, CreatedAt: now, ExpiresAt: now}),
			tx.CreateInbox(ctx, &inbox),
			tx.CreateCompany(ctx, &co),
			tx.CreateCustomer(ctx, &cu),
			tx.CreateTicket(ctx, &tk),
			tx.CreateMessage(ctx, &helpdesk.Message{ID: id(), WorkspaceID: ws.ID, TicketID: tk.ID,
				AuthorType: helpdesk.AuthorCustomer, AuthorName: "c", Body: "b", Source: helpdesk.SourceAPI, CreatedAt: now}),
			tx.CreateAPIKey(ctx, &helpdesk.APIKey{ID: id(), WorkspaceID: ws.ID, Name: "k", KeyID: uuid.NewString()[:8],
				Hash: []byte("h"), Scope: helpdesk.ScopeRead, CreatedAt: now, CreatedBy: user.ID}),
			tx.CreateAuditEntry(ctx, &helpdesk.AuditEntry{ID: id(), WorkspaceID: ws.ID, Action: "a", ActorID: user.ID, CreatedAt: now}),
			tx.CreateEvent(ctx, &ev),
			tx.CreateIdempotencyRecord(ctx, &helpdesk.IdempotencyRecord{WorkspaceID: ws.ID, Key: "k",
				Fingerprint: []byte("f"), CreatedAt: now, LockedUntil: now}),
			tx.CreateWebhookEndpoint(ctx, &ep),
		)
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.InTx(ctx, func(tx helpdesk.Tx) error {
		d := helpdesk.Delivery{ID: id(), WorkspaceID: ws.ID, EndpointID: ep.ID, EventID: ev.ID,
			EventType: ev.Type, State: helpdesk.DeliveryPending, NextAt: now, CreatedAt: now, UpdatedAt: now}
		tk.Status = helpdesk.StatusOpen // counted in ticket_changes
		return errors.Join(tx.CreateWebhookDeliveries(ctx, []helpdesk.Delivery{d}), tx.UpdateTicket(ctx, &tk),
			tx.CreateWebhookAttempt(ctx, &helpdesk.DeliveryAttempt{ID: id(), WorkspaceID: ws.ID, EndpointID: ep.ID,
				DeliveryID: d.ID, EventID: ev.ID, EventType: ev.Type, Attempt: 1, StatusCode: 200, CreatedAt: now}))
	})
	if err != nil {
		t.Fatal(err)
	}
	return ws.ID
}

// ownerConn connects as the URL's role, which owns the tables, until the
// test ends.
func ownerConn(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// appConn connects as the URL's role and switches to the application role,
// as every pooled connection of the store does.
func appConn(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	c := ownerConn(t, dsn)
	if _, err := c.Exec(t.Context(), "SET ROLE "+postgres.DefaultAppRole); err != nil {
		t.Fatal(err)
	}
	return c
}

func count(t *testing.T, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, table string) int {
	t.Helper()
	var n int
	if err := q.QueryRow(t.Context(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// TestRowLevelSecurity: a query on the application role that forgets its
// workspace filter sees no row of any tenant table without the workspace
// setting, and only its own workspace's rows with it; it cannot write a row
// into another workspace; and the role can neither bypass the policies nor
// owns the tables.
func TestRowLevelSecurity(t *testing.T) {
	s, dsn := open(t)
	a := seedOne(t, s)
	b := seedOne(t, s)
	ctx := t.Context()

	owner := ownerConn(t, dsn)
	c := appConn(t, dsn)

	var super, bypass bool
	if err := c.QueryRow(ctx, `SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user`).
		Scan(&super, &bypass); err != nil {
		t.Fatal(err)
	}
	if super || bypass {
		t.Fatalf("the application role bypasses row-level security (superuser %v, bypassrls %v)", super, bypass)
	}
	for _, table := range tenantTables {
		var owned, rls bool
		err := c.QueryRow(ctx, `SELECT pg_has_role(current_user, c.relowner, 'USAGE') AND
				(SELECT rolname FROM pg_roles WHERE oid = c.relowner) = current_user, c.relrowsecurity
			FROM pg_class c WHERE c.oid = $1::regclass`, table).Scan(&owned, &rls)
		if err != nil {
			t.Fatal(err)
		}
		if owned || !rls {
			t.Errorf("%s: owned by the application role %v, row-level security enabled %v", table, owned, rls)
		}
		if n := count(t, owner, table); n < 2 {
			t.Errorf("%s: the owner sees %d rows; the seed should have made one per workspace", table, n)
		}
		// No workspace set: nothing at all.
		if n := count(t, c, table); n != 0 {
			t.Errorf("%s: the application role sees %d rows without a workspace", table, n)
		}
	}
	// With a workspace set, only that workspace's rows, in a transaction
	// (the setting is transaction-local and ends with it).
	tx, err := c.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT set_config('tixallo.workspace_id', $1, true)`, a); err != nil {
		t.Fatal(err)
	}
	for _, table := range tenantTables {
		col := "workspace_id"
		if table == "workspaces" {
			col = "id"
		}
		var n, foreign int
		if err := tx.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE `+col+` <> $1) FROM `+table, a).
			Scan(&n, &foreign); err != nil {
			t.Fatal(err)
		}
		if n == 0 || foreign != 0 {
			t.Errorf("%s with workspace a set: %d rows, %d of another workspace", table, n, foreign)
		}
	}
	// Writing a row of workspace b while working for a fails the policy.
	_, err = tx.Exec(ctx, `INSERT INTO companies (id, workspace_id, name, created_at) VALUES ($1, $2, 'x', now())`,
		uuid.NewString(), b)
	if err == nil {
		t.Error("inserted a row of another workspace")
	}
	tx.Rollback(ctx)
	if n := count(t, c, "tickets"); n != 0 {
		t.Errorf("the workspace setting outlived its transaction: %d tickets visible", n)
	}
}

// TestDefinerFunctionsOnly: the cross-workspace functions are executable by
// the application role but not by PUBLIC.
func TestDefinerFunctionsOnly(t *testing.T) {
	_, dsn := open(t)
	c := appConn(t, dsn)
	var public int
	err := c.QueryRow(t.Context(), `SELECT count(*) FROM pg_proc p
		WHERE p.pronamespace = current_schema()::regnamespace AND p.prosecdef
		  AND has_function_privilege('public', p.oid, 'EXECUTE')`).Scan(&public)
	if err != nil {
		t.Fatal(err)
	}
	if public != 0 {
		t.Errorf("%d SECURITY DEFINER functions are executable by PUBLIC", public)
	}
}

// TestTicketNumbersAcrossStores: several stores (as several instances would
// have) creating tickets in one workspace at once get 1…n, no gap, no
// repeat.
func TestTicketNumbersAcrossStores(t *testing.T) {
	s, dsn := open(t)
	ws := seedOne(t, s) // holds ticket 1
	const stores, each = 4, 25
	var (
		mu   sync.Mutex
		seen = map[int64]bool{}
		wg   sync.WaitGroup
	)
	for range stores {
		other, err := postgres.Open(t.Context(), dsn, postgres.Options{MaxConns: 3})
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		for range 3 {
			wg.Go(func() {
				for range each / 3 {
					err := other.InTx(t.Context(), func(tx helpdesk.Tx) error {
						n, err := tx.NextTicketNumber(t.Context(), ws)
						if err != nil {
							return err
						}
						mu.Lock()
						defer mu.Unlock()
						if seen[n] {
							return fmt.Errorf("number %d handed out twice", n)
						}
						seen[n] = true
						return nil
					})
					if err != nil {
						t.Error(err)
					}
				}
			})
		}
	}
	wg.Wait()
	for n := int64(2); n <= int64(len(seen))+1; n++ {
		if !seen[n] {
			t.Errorf("number %d missing of %d", n, len(seen))
		}
	}
}

// TestEventSeqCommitOrder: while writers in several stores append events to
// one workspace, a reader paging by seq never misses an event: a seq
// committed later is never below one already seen.
func TestEventSeqCommitOrder(t *testing.T) {
	s, dsn := open(t)
	ws := seedOne(t, s)
	const writers, each = 6, 30
	var wg sync.WaitGroup
	for range writers {
		w, err := postgres.Open(t.Context(), dsn, postgres.Options{MaxConns: 1})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		wg.Go(func() {
			for range each {
				err := w.InTx(t.Context(), func(tx helpdesk.Tx) error {
					e := helpdesk.Event{ID: uuid.NewString(), WorkspaceID: ws, Type: helpdesk.EventTicketUpdated,
						Payload: []byte(`{}`), CreatedAt: time.Now()}
					if err := tx.CreateEvent(t.Context(), &e); err != nil {
						return err
					}
					time.Sleep(time.Millisecond) // widen the window between seq and commit
					return nil
				})
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	seen := map[string]bool{}
	var after int64
	for finished := false; ; {
		select {
		case <-done:
			finished = true
		default:
		}
		page, err := s.Events(t.Context(), ws, after, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page {
			seen[e.ID] = true
			after = e.Seq
		}
		if finished && len(page) == 0 {
			break
		}
	}
	all, err := s.Events(t.Context(), ws, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != writers*each+1 {
		t.Fatalf("%d events stored, want %d", len(all), writers*each+1)
	}
	for _, e := range all {
		if !seen[e.ID] {
			t.Errorf("the paging reader missed event seq %d", e.Seq)
		}
	}
}

// TestLimiterExactAcrossStores: several stores (as several instances)
// sharing one key's limit admit exactly the limit between them, however
// the requests interleave; a later window admits again.
func TestLimiterExactAcrossStores(t *testing.T) {
	_, dsn := open(t)
	const limit, stores, requests = 50, 3, 300
	now := time.Now()
	limiters := instanceLimiters(t, dsn, stores, limit)
	var (
		mu       sync.Mutex
		admitted int
		wg       sync.WaitGroup
	)
	for i := range requests {
		wg.Go(func() {
			at := now.Add(time.Duration(i) * time.Millisecond)
			d, err := limiters[i%stores].Allow(t.Context(), "key-1", at)
			if err != nil {
				t.Error(err)
				return
			}
			if !d.Allowed && (d.RetryAfter <= 0 || d.RetryAfter > time.Minute) {
				t.Errorf("refused with RetryAfter %v", d.RetryAfter)
			}
			mu.Lock()
			defer mu.Unlock()
			if d.Allowed {
				admitted++
			}
		})
	}
	wg.Wait()
	if admitted != limit {
		t.Fatalf("admitted %d of %d, want exactly %d", admitted, requests, limit)
	}
	d, err := limiters[0].Allow(t.Context(), "key-2", now)
	if err != nil || !d.Allowed || d.Remaining != limit-1 {
		t.Fatalf("another key: %+v %v", d, err)
	}
	d, err = limiters[1].Allow(t.Context(), "key-1", now.Add(2*time.Minute))
	if err != nil || !d.Allowed {
		t.Fatalf("after the window: %+v %v", d, err)
	}
}

// instanceLimiters opens n stores on dsn, as n instances, each with a
// limiter of limit requests a minute; the stores close with the test.
func instanceLimiters(t *testing.T, dsn string, n, limit int) []*postgres.Limiter {
	t.Helper()
	var limiters []*postgres.Limiter
	for range n {
		limiters = append(limiters, openInstance(t, dsn).NewLimiter(limit, time.Minute))
	}
	return limiters
}
