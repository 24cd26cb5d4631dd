package helpdesk

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"time"

	"github.com/google/uuid"
)

// Service holds every use case of the help desk. It is safe for concurrent use.
type Service struct {
	store    Store
	now      func() time.Time
	random   io.Reader
	log      *slog.Logger
	webhooks WebhookOptions
	notify   func()
	// storeWakes is set when the store wakes every instance's dispatcher
	// for committed events (EventWaker), and only for events of workspaces
	// with an active endpoint: most workspaces have none, and waking the
	// dispatcher for their events made it run a cycle that found nothing
	// after nearly every commit.
	storeWakes bool
	// readEarly is set when the store's reads are round trips that a
	// group-commit batch would wait for (RoundTripStore).
	readEarly bool
}

// Options configures a Service. Zero values pick the real clock, crypto/rand
// and a discarding logger.
type Options struct {
	Now    func() time.Time
	Random io.Reader
	Logger *slog.Logger
	// Webhooks configures endpoint management; see WebhookOptions.
	Webhooks WebhookOptions
	// OnWebhookWork is called after every commit that queued webhook
	// deliveries or enabled an endpoint, and after every commit that wrote
	// events unless the store wakes the dispatchers for those itself (an
	// EventWaker), so the in-process dispatcher wakes at once. It must not
	// block.
	OnWebhookWork func()
}

// NewService returns a Service over store.
func NewService(store Store, opts Options) *Service {
	_, storeWakes := store.(EventWaker)
	_, readEarly := store.(RoundTripStore)
	s := &Service{store: store, now: opts.Now, random: opts.Random, log: opts.Logger,
		webhooks: opts.Webhooks, notify: opts.OnWebhookWork, storeWakes: storeWakes, readEarly: readEarly}
	if s.now == nil {
		s.now = time.Now
	}
	if s.random == nil {
		s.random = rand.Reader
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}

// Store returns the store the service works on, for read-only helpers such as
// the API's key cache.
func (s *Service) Store() Store { return s.store }

// Now is the service's clock, truncated to the microsecond that both stores keep.
func (s *Service) Now() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// newID returns a time-ordered UUIDv7, so ids created together sort together
// and B-tree inserts stay at the right edge of the index.
func (s *Service) newID() string {
	id, err := uuid.NewV7FromReader(s.random)
	if err != nil {
		// crypto/rand does not fail on supported platforms; a test reader
		// that runs dry is a bug in the test.
		panic("helpdesk: random source failed: " + err.Error())
	}
	return id.String()
}

// Actor is who makes a change: an agent in the app, an API key, or the CLI.
type Actor struct {
	UserID string // set for agents
	Name   string // display name of the agent, or the key's name
	KeyID  string // set for API keys (the public 8-character id)
	IP     string
}

// id is what audit entries record as the actor.
func (a Actor) id() string {
	switch {
	case a.UserID != "":
		return a.UserID
	case a.KeyID != "":
		return "api:" + a.KeyID
	}
	return ActorCLI
}

// CommitHook runs inside the transaction of a change, after the change and
// before the commit, with the change's result. The API uses it to store an
// idempotent response atomically with what the response reports.
type CommitHook func(ctx context.Context, tx Tx, result any) error

type commitHookKey struct{}

// WithCommitHook attaches hook to the next write the service makes with ctx.
func WithCommitHook(ctx context.Context, hook CommitHook) context.Context {
	return context.WithValue(ctx, commitHookKey{}, hook)
}

// write runs fn in one transaction and then the caller's commit hook, if any,
// with fn's result.
func write[T any](ctx context.Context, s *Service, fn func(tx Tx) (T, error)) (T, error) {
	var out T
	var events bool
	err := s.store.InTx(ctx, func(tx Tx) error {
		events = false // in case a store ever runs fn more than once
		v, err := fn(eventTx{Tx: tx, wrote: &events})
		if err != nil {
			return err
		}
		if hook, ok := ctx.Value(commitHookKey{}).(CommitHook); ok && hook != nil {
			if err := hook(ctx, tx, v); err != nil {
				return err
			}
		}
		out = v
		return nil
	})
	if err == nil && events && !s.storeWakes {
		s.webhookWork()
	}
	return out, err
}

// eventTx notes whether a transaction wrote an event, so write can wake the
// webhook dispatcher once the transaction has committed.
type eventTx struct {
	Tx
	wrote *bool
}

func (t eventTx) CreateEvent(ctx context.Context, e *Event) error {
	*t.wrote = true
	return t.Tx.CreateEvent(ctx, e)
}

// webhookWork tells the dispatcher that committed work is waiting.
func (s *Service) webhookWork() {
	if s.notify != nil {
		s.notify()
	}
}
