package helpdesk

import (
	"context"
	"time"
)

// Store is Tixallo's storage. Reads outside a transaction go through the
// Store itself (SQLite serves them from a read pool); every write goes through
// InTx so that a change and the events it fires commit together.
//
// Every method that touches tenant data takes workspaceID as an argument and
// filters on it: an id of another workspace is indistinguishable from an id
// that does not exist (ErrNotFound). Methods return errors wrapping
// ErrNotFound or ErrConflict for missing rows and unique violations; no
// driver error type escapes a store.
type Store interface {
	Reader
	// InTx runs fn in one write transaction and commits when fn returns nil.
	// The commit is durable when InTx returns (SQLite: synchronous=FULL).
	InTx(ctx context.Context, fn func(tx Tx) error) error
	// Ping reports whether the database answers (for /readyz).
	Ping(ctx context.Context) error
	Close() error
}

// Tx is a write transaction: every read and every write.
//
// An error may surface after the call that caused it. The PostgreSQL store
// defers the inserts of CreateTicket, CreateMessage and CreateEvent (its
// group commit): at the call they fail only when ctx has ended, and the
// database's answer comes with the transaction's next statement, whichever
// method sends it (a read too, and CreateEvent itself when it reserves
// event seqs), which then returns the deferred insert's error instead of
// running its own statement. When fn returns with inserts still deferred,
// their failure rolls the transaction back and reaches the caller of InTx,
// after fn has possibly run again. So an error from any Tx method may be an
// earlier deferred insert's: return it; never take its ErrConflict for the
// method's own row, nor act outside the transaction on a deferred call's
// nil error (only InTx's nil means it is written). On PostgreSQL a
// statement the database fails also leaves the transaction unable to
// commit, even if fn carries on; fn may go on only after ErrNotFound, or
// after the ErrConflict of an insert that is not deferred (CreateUser,
// CreateAPIKey, …), which the store reports without failing a statement.
// SQLite reports every error at its call.
type Tx interface {
	Reader
	Writer
}

// Reader holds every read.
type Reader interface {
	// Workspaces and accounts (not tenant-scoped: they define the tenants).
	Workspace(ctx context.Context, id string) (*Workspace, error)
	WorkspaceBySlug(ctx context.Context, slug string) (*Workspace, error)
	User(ctx context.Context, id string) (*User, error)
	UserByEmail(ctx context.Context, email string) (*User, error)
	// MembershipsOfUser lists the workspaces a user belongs to, oldest first.
	MembershipsOfUser(ctx context.Context, userID string) ([]Member, error)
	Member(ctx context.Context, workspaceID, userID string) (*Member, error)
	Members(ctx context.Context, workspaceID string) ([]Member, error)
	CountOwners(ctx context.Context, workspaceID string) (int, error)
	Session(ctx context.Context, tokenHash []byte) (*Session, error)
	InviteByTokenHash(ctx context.Context, tokenHash []byte) (*Invite, error)
	Invites(ctx context.Context, workspaceID string) ([]Invite, error)

	Inbox(ctx context.Context, workspaceID, id string) (*Inbox, error)
	Inboxes(ctx context.Context, workspaceID string) ([]Inbox, error)
	DefaultInbox(ctx context.Context, workspaceID string) (*Inbox, error)

	Customer(ctx context.Context, workspaceID, id string) (*Customer, error)
	// CustomerByEmail looks up an already normalised (trimmed, lower-case) email.
	CustomerByEmail(ctx context.Context, workspaceID, email string) (*Customer, error)
	Customers(ctx context.Context, workspaceID string, f CustomerFilter) ([]Customer, error)
	Company(ctx context.Context, workspaceID, id string) (*Company, error)
	Companies(ctx context.Context, workspaceID string) ([]Company, error)

	Ticket(ctx context.Context, workspaceID, id string) (*Ticket, error)
	TicketByNumber(ctx context.Context, workspaceID string, number int64) (*Ticket, error)
	Tickets(ctx context.Context, workspaceID string, f TicketFilter) ([]TicketRow, error)
	// TicketPage lists the tickets Tickets lists for f, in the same order,
	// without the customer, assignee and inbox names of a TicketRow: the
	// public API shows none of them, and its list is its most requested read.
	TicketPage(ctx context.Context, workspaceID string, f TicketFilter) ([]Ticket, error)
	// TicketsVersion is a number that grows with every committed change to
	// the workspace's tickets: one created, changed (by the service or by a
	// cascade, such as an assignee's account being deleted) or deleted. So
	// a page of tickets read after the version was read is still current
	// while the version reads the same (the API's list cache counts on it).
	TicketsVersion(ctx context.Context, workspaceID string) (int64, error)
	// TicketWithCustomer reads in one statement what Ticket and then
	// Customer read: the ticket, and its customer with the customer's
	// company (nil when it has none). A ticket not in the workspace is
	// ErrNotFound. The customer is nil, with a nil error, when it is not in
	// the workspace beside the ticket: the foreign key rules that out, and
	// the caller reports it as Customer would have (ErrNotFound).
	TicketWithCustomer(ctx context.Context, workspaceID, id string) (*Ticket, *Customer, error)
	// TicketCreateReads makes CreateTicket's reads: the ticket's inbox (the
	// default one when inboxID is empty) and its customer by email, each
	// with the error Inbox, DefaultInbox or CustomerByEmail would have
	// returned. The PostgreSQL store makes both in one round trip.
	TicketCreateReads(ctx context.Context, workspaceID, inboxID, customerEmail string) TicketCreateReads
	// CountTickets counts tickets by status (merged excluded), for the app's filters.
	CountTickets(ctx context.Context, workspaceID string) (map[Status]int, error)
	// Messages returns a ticket's conversation, oldest first.
	Messages(ctx context.Context, workspaceID, ticketID string, includeInternal bool) ([]Message, error)

	// APIKeyByKeyID finds a key by its public id. Key ids are unique across
	// workspaces: the key is the only source of a request's workspace.
	APIKeyByKeyID(ctx context.Context, keyID string) (*APIKey, error)
	APIKeys(ctx context.Context, workspaceID string) ([]APIKey, error)

	AuditEntries(ctx context.Context, workspaceID string, before AuditCursor, limit int) ([]AuditEntry, error)

	// Events returns events with Seq > afterSeq, oldest first.
	Events(ctx context.Context, workspaceID string, afterSeq int64, limit int) ([]Event, error)

	IdempotencyRecord(ctx context.Context, workspaceID, key string) (*IdempotencyRecord, error)

	webhookReader
}

// Writer holds every write; only a Tx has them.
type Writer interface {
	CreateWorkspace(ctx context.Context, w *Workspace) error
	CreateUser(ctx context.Context, u *User) error
	UpdateUser(ctx context.Context, u *User) error
	CreateMember(ctx context.Context, m *Member) error
	UpdateMemberRole(ctx context.Context, workspaceID, userID string, role Role) error
	DeleteMember(ctx context.Context, workspaceID, userID string) error
	CreateSession(ctx context.Context, s *Session) error
	TouchSession(ctx context.Context, tokenHash []byte, at time.Time) error
	DeleteSession(ctx context.Context, tokenHash []byte) error
	// DeleteUserSessions ends every session of a user (password change, removal).
	DeleteUserSessions(ctx context.Context, userID string) error
	DeleteExpiredSessions(ctx context.Context, now time.Time) error
	CreateInvite(ctx context.Context, inv *Invite) error
	AcceptInvite(ctx context.Context, workspaceID, id string, at time.Time) error
	DeleteInvite(ctx context.Context, workspaceID, id string) error

	CreateInbox(ctx context.Context, in *Inbox) error
	RenameInbox(ctx context.Context, workspaceID, id, name string) error
	// SetDefaultInbox makes id the only default inbox of the workspace.
	SetDefaultInbox(ctx context.Context, workspaceID, id string) error

	CreateCustomer(ctx context.Context, c *Customer) error
	UpdateCustomer(ctx context.Context, c *Customer) error
	CreateCompany(ctx context.Context, c *Company) error

	// NextTicketNumber reserves the workspace's next ticket number. It is
	// gapless because it is taken inside the creating transaction: a rollback
	// gives the number back.
	NextTicketNumber(ctx context.Context, workspaceID string) (int64, error)
	CreateTicket(ctx context.Context, t *Ticket) error
	// UpdateTicket writes every mutable field of t (subject, status,
	// priority, inbox, assignee, merged_into, updated_at).
	UpdateTicket(ctx context.Context, t *Ticket) error
	CreateMessage(ctx context.Context, m *Message) error

	CreateAPIKey(ctx context.Context, k *APIKey) error
	RevokeAPIKey(ctx context.Context, workspaceID, id, by string, at time.Time) error
	// TouchAPIKeys records last use for many keys at once; the API batches
	// these so a busy key costs one write a minute, not one per request.
	TouchAPIKeys(ctx context.Context, used map[string]time.Time) error

	CreateAuditEntry(ctx context.Context, e *AuditEntry) error

	// CreateEvent appends to the outbox and sets e.Seq.
	CreateEvent(ctx context.Context, e *Event) error
	DeleteEventsBefore(ctx context.Context, t time.Time) error

	// CreateIdempotencyRecord claims a key; ErrConflict when it is taken.
	CreateIdempotencyRecord(ctx context.Context, r *IdempotencyRecord) error
	// CompleteIdempotencyRecord stores the response of a claimed key.
	CompleteIdempotencyRecord(ctx context.Context, r *IdempotencyRecord) error
	DeleteIdempotencyRecord(ctx context.Context, workspaceID, key string) error
	DeleteIdempotencyRecordsBefore(ctx context.Context, t time.Time) error

	webhookWriter
}

// webhookReader holds the reads of webhook endpoints and their delivery log.
type webhookReader interface {
	// EventByID returns one event of the workspace (for a resend).
	EventByID(ctx context.Context, workspaceID, id string) (*Event, error)

	WebhookEndpoint(ctx context.Context, workspaceID, id string) (*WebhookEndpoint, error)
	// WebhookEndpoints lists the workspace's endpoints, oldest first.
	WebhookEndpoints(ctx context.Context, workspaceID string) ([]WebhookEndpoint, error)
	// WebhookDeliveries lists an endpoint's deliveries, newest first (by id,
	// which is a UUIDv7), starting after page.Before.
	WebhookDeliveries(ctx context.Context, workspaceID, endpointID string, page WebhookPage) ([]Delivery, error)
	// WebhookAttempts lists an endpoint's attempts (test events included),
	// newest first (by id, a UUIDv7), starting after page.Before.
	WebhookAttempts(ctx context.Context, workspaceID, endpointID string, page WebhookPage) ([]DeliveryAttempt, error)
	// WebhookBacklog counts, across every workspace, the pending deliveries
	// and the events not yet fanned out: the dispatcher's queue depth, for
	// /metrics.
	WebhookBacklog(ctx context.Context) (pending, unfanned int, err error)
}

// webhookWriter holds the writes of webhook endpoints and of the
// dispatcher. The dispatcher serves every workspace at once, so the methods
// that find work (UnfannedEvents, ClaimWebhookDeliveries) are the only ones
// not scoped to one workspace; what they return carries its WorkspaceID, and
// every write about one row takes it again.
type webhookWriter interface {
	CreateWebhookEndpoint(ctx context.Context, e *WebhookEndpoint) error
	// UpdateWebhookEndpoint writes every mutable field of e (url,
	// description, event types, active, disabled reason and time, both
	// secrets, previous expiry, failing since, updated_at).
	UpdateWebhookEndpoint(ctx context.Context, e *WebhookEndpoint) error
	// DeleteWebhookEndpoint deletes an endpoint with its deliveries and
	// attempts.
	DeleteWebhookEndpoint(ctx context.Context, workspaceID, id string) error
	// RecordWebhookSuccess ends the endpoint's run of failures (FailingSince
	// becomes nil). An endpoint that is gone is not an error.
	RecordWebhookSuccess(ctx context.Context, workspaceID, id string) error
	// RecordWebhookFailure starts the endpoint's run of failures at at,
	// unless one is already running, and returns when the run began. An
	// endpoint that is gone is ErrNotFound.
	RecordWebhookFailure(ctx context.Context, workspaceID, id string, at time.Time) (time.Time, error)
	// DisableWebhookEndpoint deactivates an endpoint on Tixallo's own
	// initiative, recording why and when.
	DisableWebhookEndpoint(ctx context.Context, workspaceID, id, reason string, at time.Time) error

	// UnfannedEvents returns up to limit events, oldest first, that have not
	// been fanned out to webhook deliveries yet (PostgreSQL skips rows
	// another transaction holds).
	UnfannedEvents(ctx context.Context, limit int) ([]Event, error)
	// MarkEventsFannedOut records that the events with these sequence
	// numbers have their deliveries.
	MarkEventsFannedOut(ctx context.Context, seqs []int64) error
	// CreateWebhookDeliveries inserts deliveries; one whose (endpoint, event)
	// pair already exists is skipped, so fanning out twice is harmless.
	CreateWebhookDeliveries(ctx context.Context, ds []Delivery) error
	// RequeueWebhookDelivery makes d's (endpoint, event) pair pending again
	// from scratch (attempts 0, due at d.NextAt, no lease), inserting d when
	// the pair has no delivery yet. d.ID is set to the stored delivery's id.
	RequeueWebhookDelivery(ctx context.Context, d *Delivery) error
	// ClaimWebhookDeliveries leases due deliveries (see DeliveryClaim),
	// earliest NextAt first, and returns them with Payload and
	// EventCreatedAt filled. It is safe with several dispatchers on one
	// database: SQLite serialises it under the write lock and re-checks the
	// lease in its conditional UPDATE; PostgreSQL uses FOR UPDATE SKIP
	// LOCKED.
	ClaimWebhookDeliveries(ctx context.Context, c DeliveryClaim) ([]Delivery, error)
	// FinishWebhookDeliveries records one attempt of each delivery of fs,
	// in as few statements as the store can. A delivery's outcome (state,
	// attempts, next_at, last attempt fields, updated_at) is written, and
	// its lease released (on the value too), only if its Lease still holds
	// it; held[i] reports whether fs[i]'s did. The attempt's log line (nil
	// for an attempt abandoned at shutdown, which has none) is written
	// whether or not it does: the receiver saw the request, so the delivery
	// log must show it.
	//
	// When the lease is gone (it expired and another dispatcher took the
	// delivery, or a resend re-queued it) the delivery is left to whoever
	// holds it now and the attempt is still logged (the caller commits all
	// the same to keep the line). When the delivery itself is gone (deleted
	// with its endpoint or event) there is nothing to log the attempt
	// against: nothing is written. Either way held[i] is false. Any other
	// failure fails the call.
	FinishWebhookDeliveries(ctx context.Context, fs []FinishedDelivery) (held []bool, err error)
	// CreateWebhookAttempt logs an attempt made outside the dispatcher (a
	// test event, which has no delivery); the dispatcher's attempts are
	// logged by FinishWebhookDeliveries.
	CreateWebhookAttempt(ctx context.Context, a *DeliveryAttempt) error
	// DeleteWebhookAttemptsBefore prunes attempts created before t (the
	// deliveries themselves go with their events).
	DeleteWebhookAttemptsBefore(ctx context.Context, t time.Time) error
}

// RoundTripStore is implemented by a store whose statements are round trips
// to another process (PostgreSQL). Its group commit runs one transaction
// after another on one connection, so every round trip inside a transaction
// is time the transactions after it wait; the Service then makes the reads
// it safely can before the transaction. In process (SQLite) a read inside
// the transaction costs less than the same read on the pool.
type RoundTripStore interface {
	StatementsAreRoundTrips()
}

// EventWaker is implemented by a store that several processes share
// (PostgreSQL, through LISTEN/NOTIFY): the channel receives a value soon
// after any process commits events that an active endpoint will get, or
// queues deliveries, so the webhook dispatcher of every instance wakes
// without polling, this process's included. The Service then wakes its own
// dispatcher directly (Options.OnWebhookWork) only for what the store does
// not announce. A store that only one process uses (SQLite) needs no
// EventWaker: the Service wakes the dispatcher after every commit of events.
type EventWaker interface {
	EventWake(ctx context.Context) <-chan struct{}
}
