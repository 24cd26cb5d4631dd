package webhook

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
	"github.com/tixallo/tixallo/internal/metrics"
)

// Defaults for Options.
const (
	DefaultConcurrency  = 128
	DefaultPerEndpoint  = 16
	DefaultLease        = 30 * time.Second
	DefaultPollInterval = time.Second
	// fanOutBatch is how many events one cycle fans out.
	fanOutBatch = 512
	// DefaultShutdownGrace bounds how long Run waits for in-flight attempts
	// after its context ends: one attempt's timeout.
	DefaultShutdownGrace = 10 * time.Second
)

// Options configures a Dispatcher. Store, Sealer and Sender are required.
type Options struct {
	Store  helpdesk.Store
	Sealer helpdesk.Sealer
	Sender helpdesk.WebhookSender
	Logger *slog.Logger
	// Metrics, when set, gets the queue depth, attempt outcomes and the
	// event-to-delivery latency.
	Metrics *metrics.Registry
	// Now is the clock; tests pass a fake one and drive the dispatcher with
	// Drain. Run's waits use real time.
	Now func() time.Time
	// Jitter returns a number in [0, 1) for the retry jitter; nil is
	// math/rand.
	Jitter func() float64
	// Concurrency caps attempts in flight in this process; PerEndpoint caps
	// them per endpoint, so one slow receiver holds at most PerEndpoint of
	// the Concurrency slots.
	Concurrency int
	PerEndpoint int
	// Lease is how long a claimed delivery is reserved. It must exceed an
	// attempt's timeout (10 s) plus the time to record the result; a
	// dispatcher that dies is retried by any instance when it runs out.
	Lease time.Duration
	// PollInterval is the fallback poll: retries come due, and commits of
	// other processes that did not wake us arrive, at most this late.
	PollInterval time.Duration
	// ShutdownGrace is how long Run lets in-flight attempts finish once its
	// context ends; attempts still running then are abandoned and released
	// for an immediate retry (or, if even that cannot be written, their
	// leases expire).
	ShutdownGrace time.Duration
}

// Dispatcher reads the event outbox, fans events out to the endpoints that
// subscribe to them, and makes every attempt, retrying on the schedule. It
// is safe to run one per process against a shared database: claims are
// leased in the store.
type Dispatcher struct {
	opts    Options
	log     *slog.Logger
	metrics *dispatchMetrics
	wake    chan struct{}

	mu   sync.Mutex
	busy map[string]int // attempts in flight per endpoint id
	// inFlight counts attempts running; slotFree is signalled when one ends.
	inFlight int
	slotFree chan struct{}

	endpoints endpointCache
	started   atomic.Int64 // attempts started, ever
}

// New returns a Dispatcher. Call Run to start it.
func New(opts Options) *Dispatcher {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	if opts.PerEndpoint <= 0 {
		opts.PerEndpoint = DefaultPerEndpoint
	}
	if opts.Lease <= 0 {
		opts.Lease = DefaultLease
	}
	if opts.ShutdownGrace <= 0 {
		opts.ShutdownGrace = DefaultShutdownGrace
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = DefaultPollInterval
	}
	return &Dispatcher{
		opts:     opts,
		log:      opts.Logger,
		metrics:  newDispatchMetrics(opts.Metrics),
		wake:     make(chan struct{}, 1),
		busy:     map[string]int{},
		slotFree: make(chan struct{}, 1),
	}
}

// Notify wakes the dispatcher: events were committed or deliveries queued.
// It never blocks; helpdesk.Options.OnWebhookWork is this method.
func (d *Dispatcher) Notify() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

func (d *Dispatcher) now() time.Time { return d.opts.Now().UTC().Truncate(time.Microsecond) }

// Run dispatches until ctx ends, then stops claiming, gives in-flight
// attempts up to ShutdownGrace to finish and records their results. Attempts
// still running after that are abandoned: released to be retried at once
// without counting against the schedule, or, if Run is killed first, retried
// by any instance when their leases expire. Run returns nil after a clean
// stop.
func (d *Dispatcher) Run(ctx context.Context) error {
	// Attempts and result writes outlive ctx for the grace period.
	attemptCtx, abandon := context.WithCancel(context.WithoutCancel(ctx))
	defer abandon()
	rec := newRecorder(d, context.WithoutCancel(ctx))
	recDone := make(chan struct{})
	go func() { rec.run(); close(recDone) }()

	var extWake <-chan struct{}
	if w, ok := d.opts.Store.(helpdesk.EventWaker); ok {
		extWake = w.EventWake(ctx)
	}
	poll := time.NewTicker(d.opts.PollInterval)
	defer poll.Stop()
	var lastBacklog time.Time

	backlogged := false // the last claim was cut short by our own limits
	for ctx.Err() == nil {
		more, capped, err := d.cycle(ctx, attemptCtx, rec)
		if err != nil && ctx.Err() == nil {
			d.log.Error("webhook dispatch", "err", err)
			more = false
			select {
			case <-ctx.Done():
			case <-time.After(d.opts.PollInterval):
			}
		}
		backlogged = capped
		if time.Since(lastBacklog) > 2*time.Second {
			d.updateBacklog(ctx)
			lastBacklog = time.Now()
		}
		if more {
			continue
		}
		var slotFree <-chan struct{}
		if backlogged {
			slotFree = d.slotFree
		}
		select {
		case <-ctx.Done():
		case <-d.wake:
		case <-extWake:
		case <-slotFree:
		case <-poll.C:
		}
	}

	// Shutdown: wait for in-flight attempts, within the grace period.
	done := make(chan struct{})
	go func() { d.waitIdle(); close(done) }()
	select {
	case <-done:
	case <-time.After(d.opts.ShutdownGrace):
		d.log.Warn("webhook attempts abandoned at shutdown; their leases will expire and they will be retried")
		abandon()
		<-done
	}
	rec.close()
	<-recDone
	return nil
}

// Drain runs the dispatcher synchronously until nothing is due at the
// current time of its clock: fan-out, claims, attempts and their recorded
// results. It is for tests, which move a fake clock and call Drain.
func (d *Dispatcher) Drain(ctx context.Context) error {
	rec := newRecorder(d, ctx)
	recDone := make(chan struct{})
	go func() { rec.run(); close(recDone) }()
	defer func() { rec.close(); <-recDone }()
	for {
		before := d.started.Load()
		more, _, err := d.cycle(ctx, ctx, rec)
		if err != nil {
			d.waitIdle()
			return err
		}
		d.waitIdle()
		rec.flush()
		if !more && d.started.Load() == before {
			return nil
		}
	}
}

func (d *Dispatcher) idle() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.inFlight == 0
}

// waitIdle blocks until no attempt is in flight.
func (d *Dispatcher) waitIdle() {
	for {
		d.mu.Lock()
		n := d.inFlight
		d.mu.Unlock()
		if n == 0 {
			return
		}
		<-d.slotFree
	}
}

// newLease returns a random lease token.
func newLease() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
