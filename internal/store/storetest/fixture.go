package storetest

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/tixallo/tixallo/internal/helpdesk"
)

// at returns a time n seconds after a fixed instant, with microseconds set,
// so round trips prove the full precision both stores keep.
func at(n int) time.Time {
	return time.Date(2026, 5, 4, 10, 55, 2, 123456000, time.UTC).Add(time.Duration(n) * time.Second)
}

// newID returns a UUIDv7, the id format the service uses (and that a
// PostgreSQL uuid column accepts).
func newID() string { return uuid.Must(uuid.NewV7()).String() }

// unknownID returns a well-formed id that names nothing.
func unknownID() string { return uuid.NewString() }

// newKeyID returns a random 8-character base62 key id.
func newKeyID() string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	b := make([]byte, 8)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// inTx runs fn in a transaction and fails the test if it does not commit.
func inTx(t *testing.T, s helpdesk.Store, fn func(tx helpdesk.Tx) error) {
	t.Helper()
	if err := s.InTx(t.Context(), fn); err != nil {
		t.Fatalf("InTx: %v", err)
	}
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, helpdesk.ErrNotFound) {
		t.Errorf("%s: got error %v, want ErrNotFound", what, err)
	}
}

func wantConflict(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, helpdesk.ErrConflict) {
		t.Errorf("%s: got error %v, want ErrConflict", what, err)
	}
}

// equal compares deeply. Times made by at() and times a store returns in
// UTC have the same representation, so DeepEqual also proves the location.
func equal[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got  %s\n want %s", what, show(got), show(want))
	}
}

// show prints a value with its pointers followed, so diffs are readable.
func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%+v", v)
	}
	return string(b)
}

// world is one workspace with a row of every kind, built by seed.
type world struct {
	WS       helpdesk.Workspace
	Owner    helpdesk.User
	Agent    helpdesk.User
	Inbox    helpdesk.Inbox // the default
	Other    helpdesk.Inbox
	Company  helpdesk.Company
	Customer helpdesk.Customer // belongs to Company
	Ticket   helpdesk.Ticket   // number 1, in Inbox, assigned to Agent
	Message  helpdesk.Message  // public
	Note     helpdesk.Message  // internal
	Key      helpdesk.APIKey
	Audit    helpdesk.AuditEntry
	Event    helpdesk.Event
	Idem     helpdesk.IdempotencyRecord
	Invite   helpdesk.Invite
	Session  helpdesk.Session
}

// seed creates a world for a workspace whose slug and emails derive from
// name, so several worlds fit in one store.
func seed(t *testing.T, s helpdesk.Store, name string) *world {
	t.Helper()
	w := &world{}
	w.WS = helpdesk.Workspace{ID: newID(), Name: "Team " + name, Slug: name, CreatedAt: at(0)}
	w.Owner = helpdesk.User{ID: newID(), Email: "owner@" + name + ".example", Name: "Owner " + name,
		PasswordHash: "$argon2id$v=19$fake", CreatedAt: at(1), UpdatedAt: at(1)}
	w.Agent = helpdesk.User{ID: newID(), Email: "agent@" + name + ".example", Name: "Agent " + name,
		CreatedAt: at(2), UpdatedAt: at(2)}
	w.Inbox = helpdesk.Inbox{ID: newID(), WorkspaceID: w.WS.ID, Name: "Support", IsDefault: true, CreatedAt: at(3)}
	w.Other = helpdesk.Inbox{ID: newID(), WorkspaceID: w.WS.ID, Name: "Billing", CreatedAt: at(4)}
	w.Company = helpdesk.Company{ID: newID(), WorkspaceID: w.WS.ID, Name: "Acme " + name,
		Domain: new("acme-" + name + ".example"), CreatedAt: at(5)}
	w.Customer = helpdesk.Customer{ID: newID(), WorkspaceID: w.WS.ID, Email: "jane@" + name + ".example",
		Name: new("Jane " + name), CompanyID: &w.Company.ID, CreatedAt: at(6), UpdatedAt: at(7)}
	w.Ticket = helpdesk.Ticket{ID: newID(), WorkspaceID: w.WS.ID, Subject: "Printer on fire in " + name,
		Description: "It is on fire.", Status: helpdesk.StatusOpen, Priority: helpdesk.PriorityHigh,
		Source: helpdesk.SourceAPI, InboxID: w.Inbox.ID, CustomerID: w.Customer.ID, AssigneeID: &w.Agent.ID,
		CreatedAt: at(8), UpdatedAt: at(9)}
	w.Message = helpdesk.Message{ID: newID(), WorkspaceID: w.WS.ID, TicketID: w.Ticket.ID,
		AuthorType: helpdesk.AuthorCustomer, AuthorName: "Jane", Body: "Help!", Source: helpdesk.SourceAPI, CreatedAt: at(10)}
	w.Note = helpdesk.Message{ID: newID(), WorkspaceID: w.WS.ID, TicketID: w.Ticket.ID,
		AuthorType: helpdesk.AuthorAgent, AuthorName: "Agent", AuthorID: &w.Agent.ID, Body: "Call the fire brigade",
		Source: helpdesk.SourceWeb, Internal: true, CreatedAt: at(11)}
	w.Key = helpdesk.APIKey{ID: newID(), WorkspaceID: w.WS.ID, Name: "Zapier", KeyID: newKeyID(),
		Hash: []byte("0123456789abcdef0123456789abcdef"), Scope: helpdesk.ScopeReadWrite, CreatedAt: at(12),
		CreatedBy: w.Owner.ID, CreatedByName: w.Owner.Name}
	w.Audit = helpdesk.AuditEntry{ID: newID(), WorkspaceID: w.WS.ID, Action: helpdesk.AuditKeyCreated,
		ActorID: w.Owner.ID, ActorName: w.Owner.Name, Target: w.Key.KeyID, Detail: "Zapier (read_write)",
		IP: "192.0.2.1", CreatedAt: at(13)}
	w.Event = helpdesk.Event{ID: newID(), WorkspaceID: w.WS.ID, Type: helpdesk.EventTicketCreated,
		Payload: []byte(`{"event_type":"ticket.created","workspace":"` + name + `"}`), CreatedAt: at(14)}
	w.Idem = helpdesk.IdempotencyRecord{WorkspaceID: w.WS.ID, Key: "order-42", Fingerprint: []byte("fp-" + name),
		CreatedAt: at(15), LockedUntil: at(45)}
	w.Invite = helpdesk.Invite{ID: newID(), WorkspaceID: w.WS.ID, Email: "new@" + name + ".example",
		Role: helpdesk.RoleAgent, TokenHash: []byte("invite-token-" + name), InvitedBy: w.Owner.ID,
		CreatedAt: at(16), ExpiresAt: at(16 + 7*24*3600)}
	w.Session = helpdesk.Session{TokenHash: []byte("session-token-" + name), UserID: w.Owner.ID, WorkspaceID: w.WS.ID,
		CreatedAt: at(17), LastSeenAt: at(18), ExpiresAt: at(17 + 12*3600)}

	inTx(t, s, func(tx helpdesk.Tx) error {
		ctx := t.Context()
		if err := tx.CreateWorkspace(ctx, &w.WS); err != nil {
			return err
		}
		n, err := tx.NextTicketNumber(ctx, w.WS.ID)
		if err != nil {
			return err
		}
		w.Ticket.Number = n
		steps := []error{
			tx.CreateUser(ctx, &w.Owner),
			tx.CreateUser(ctx, &w.Agent),
			tx.CreateMember(ctx, &helpdesk.Member{WorkspaceID: w.WS.ID, UserID: w.Owner.ID, Role: helpdesk.RoleOwner, CreatedAt: at(1)}),
			tx.CreateMember(ctx, &helpdesk.Member{WorkspaceID: w.WS.ID, UserID: w.Agent.ID, Role: helpdesk.RoleAgent, CreatedAt: at(2)}),
			tx.CreateInbox(ctx, &w.Inbox),
			tx.CreateInbox(ctx, &w.Other),
			tx.CreateCompany(ctx, &w.Company),
			tx.CreateCustomer(ctx, &w.Customer),
			tx.CreateTicket(ctx, &w.Ticket),
			tx.CreateMessage(ctx, &w.Message),
			tx.CreateMessage(ctx, &w.Note),
			tx.CreateAPIKey(ctx, &w.Key),
			tx.CreateAuditEntry(ctx, &w.Audit),
			tx.CreateEvent(ctx, &w.Event),
			tx.CreateIdempotencyRecord(ctx, &w.Idem),
			tx.CreateInvite(ctx, &w.Invite),
			tx.CreateSession(ctx, &w.Session),
		}
		return errors.Join(steps...)
	})
	w.Customer.Company = &w.Company
	return w
}
