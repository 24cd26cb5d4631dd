// Package app wires one Tixallo server together: the store, the domain
// service, the public API, the agent app and the background workers, behind
// one HTTP handler. The tixallo binary and the end-to-end tests both build
// their server here, so what the tests start is what operators run.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/tixallo/tixallo/internal/api"
	"github.com/tixallo/tixallo/internal/config"
	"github.com/tixallo/tixallo/internal/egress"
	"github.com/tixallo/tixallo/internal/helpdesk"
	"github.com/tixallo/tixallo/internal/httpserver"
	"github.com/tixallo/tixallo/internal/metrics"
	"github.com/tixallo/tixallo/internal/ratelimit"
	"github.com/tixallo/tixallo/internal/serverkey"
	"github.com/tixallo/tixallo/internal/store/postgres"
	"github.com/tixallo/tixallo/internal/store/sqlite"
	"github.com/tixallo/tixallo/internal/web"
	"github.com/tixallo/tixallo/internal/webhook"
)

// App is a wired server, not yet listening.
type App struct {
	cfg     config.Config
	log     *slog.Logger
	Store   helpdesk.Store
	Service *helpdesk.Service
	API     *api.API
	Web     *web.App
	Handler http.Handler
	Metrics *metrics.Registry
	// Webhooks is the dispatcher that Serve runs.
	Webhooks *webhook.Dispatcher
}

// Options adjusts New for tests and benchmarks.
type Options struct {
	Now func() time.Time
}

// New opens the store (running migrations), loads the server key and builds
// every component from cfg.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, opts Options) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	store, err := OpenStore(ctx, cfg.Database, true)
	if err != nil {
		return nil, err
	}
	// The dispatcher's store: on PostgreSQL its transactions commit apart
	// from the requests' (postgres.BackgroundStore).
	dispatchStore := store
	if pg, ok := store.(*postgres.Store); ok {
		// Every API request reads its key: from memory, kept correct across
		// instances by LISTEN/NOTIFY (SQLite's store caches in OpenStore).
		store = pg.WithKeyCache()
		dispatchStore = pg.Background()
	}
	key, err := serverkey.Load(cfg.KeyFile())
	if err != nil {
		store.Close()
		return nil, err
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	reg := metrics.NewRegistry()
	egressOpts := egress.Options{AllowPrivate: cfg.WebhookAllowPrivate}
	sender := webhook.NewSender(egress.NewClient(egressOpts))
	dispatcher := webhook.New(webhook.Options{
		Store: dispatchStore, Sealer: key, Sender: sender, Logger: log, Metrics: reg, Now: now, Lease: cfg.WebhookLease,
	})
	svc := helpdesk.NewService(store, helpdesk.Options{
		Now: now, Logger: log,
		Webhooks:      helpdesk.WebhookOptions{Sealer: key, Sender: sender, Egress: egressOpts},
		OnWebhookWork: dispatcher.Notify,
	})
	a := &App{cfg: cfg, log: log, Store: store, Service: svc, Metrics: reg, Webhooks: dispatcher}
	a.API = api.New(api.Options{
		Service:       svc,
		Logger:        log,
		Metrics:       reg,
		KeyLimiter:    keyLimiter(store, cfg),
		RateLimit:     cfg.APIRateLimit,
		RateWindow:    cfg.APIRateWindow,
		AuthFailLimit: cfg.AuthFailLimit,
		CursorKey:     key.Derive("cursor"),
		TrustProxy:    cfg.TrustProxy,
		Now:           now,
	})
	a.Web = web.New(web.Options{
		Service:    svc,
		Logger:     log,
		TrustProxy: cfg.TrustProxy,
		PublicURL:  cfg.PublicURL,
		Now:        now,
	})
	a.Handler = httpserver.New(httpserver.Options{
		Logger:     log,
		Metrics:    reg,
		TrustProxy: cfg.TrustProxy,
		Ready:      store.Ping,
		Mount:      []httpserver.Mounter{a.API, a.Web},
	})
	return a, nil
}

// keyLimiter is the per-key API rate limiter: in memory for one instance
// on SQLite, in the database on PostgreSQL, where several instances must
// share one limit.
func keyLimiter(store helpdesk.Store, cfg config.Config) ratelimit.Limiter {
	type pgLimiter interface {
		NewLimiter(limit int, window time.Duration) *postgres.Limiter
	}
	if pg, ok := store.(pgLimiter); ok {
		return pg.NewLimiter(cfg.APIRateLimit, cfg.APIRateWindow)
	}
	return ratelimit.NewMemory(cfg.APIRateLimit, cfg.APIRateWindow)
}

// OpenStore opens the store that dsn names: a postgres:// URL or a SQLite
// file path.
func OpenStore(ctx context.Context, dsn string, migrate bool) (helpdesk.Store, error) {
	if config.IsPostgresURL(dsn) {
		s, err := postgres.Open(ctx, dsn, postgres.Options{Migrate: migrate})
		if err != nil {
			// The URL may hold a password: name the store, not the URL.
			return nil, fmt.Errorf("open PostgreSQL store: %w", err)
		}
		return s, nil
	}
	// Key records are cached for half a second: a revocation through this
	// process counts on the next request, one by the CLI within 0.5 s
	// (SPEC §2 allows 1 s), and an API request costs no key read.
	s, err := sqlite.Open(ctx, dsn, sqlite.Options{Migrate: migrate, APIKeyCacheTTL: 500 * time.Millisecond})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dsn, err)
	}
	return s, nil
}

// Serve listens on ln until ctx ends, then shuts down gracefully: it stops
// accepting, lets in-flight requests finish within the shutdown timeout,
// stops the workers, and closes the store.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	var workers sync.WaitGroup
	workers.Go(func() { a.API.Run(workCtx) })
	workers.Go(func() {
		if err := a.Webhooks.Run(workCtx); err != nil {
			a.log.Error("webhook dispatcher", "err", err)
		}
	})

	errc := make(chan error, 1)
	go func() {
		var err error
		if a.cfg.TLS() {
			err = srv.ServeTLS(ln, a.cfg.TLSCert, a.cfg.TLSKey)
		} else {
			err = srv.Serve(ln)
		}
		errc <- err
	}()
	a.log.Info("tixallo serving", "addr", ln.Addr().String(), "database", config.RedactDatabase(a.cfg.Database), "tls", a.cfg.TLS())

	var serveErr error
	select {
	case err := <-errc:
		serveErr = err
	case <-ctx.Done():
		a.log.Info("shutting down")
		sctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
		serveErr = srv.Shutdown(sctx)
		cancel()
		<-errc
	}
	stopWork()
	workers.Wait()
	if err := a.Store.Close(); err != nil && serveErr == nil {
		serveErr = err
	}
	if errors.Is(serveErr, http.ErrServerClosed) {
		serveErr = nil
	}
	return serveErr
}
