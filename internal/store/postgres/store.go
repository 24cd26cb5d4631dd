// Package postgres is Tixallo's store on PostgreSQL, through pgx v5 and its
// connection pool. It behaves like the SQLite store wherever the domain can
// tell (storetest proves it) and adds what several instances sharing one
// database need: row locks that keep ticket numbers gapless and the events
// feed ordered across processes, a rate limiter whose log lives in the
// database, and row-level security as a second wall between workspaces.
//
// # Roles and row-level security
//
// The role in the connection URL owns the schema: it runs the migrations.
// The store then works as a second role, Options.AppRole (default
// "tixallo_app"), which it creates when needed, grants to itself and
// switches to with SET ROLE on every pooled connection. That role owns no
// table and has neither SUPERUSER nor BYPASSRLS, so the policies apply to it:
// a tenant-owned row is visible only to a transaction whose
// tixallo.workspace_id setting names its workspace. The store sets it with
// set_config(…, true) — transaction-local, so a pooled connection never
// carries one request's workspace into the next — in the same round trip as
// the statement that needs it. Every method still filters on workspace_id
// itself; the policies catch the query that forgets to.
//
// Look-ups that must cross workspaces (a key by its public id, a session or
// an invite by its token hash, a user's memberships, pruning by age) call
// SECURITY DEFINER functions that run as the owner and answer exactly one
// narrow question each; see migrations/0001_init.sql.
package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// DefaultAppRole is the role the application works as unless
// Options.AppRole names another.
const DefaultAppRole = "tixallo_app"

// Options configures Open.
type Options struct {
	// Migrate applies pending migrations (and sets up the application role)
	// before Open returns.
	Migrate bool
	// AppRole is the non-owner role every pooled connection switches to.
	AppRole string
	// MaxConns caps the pool; 0 keeps pgx's default (the larger of 4 and
	// the number of CPUs) unless the URL sets pool_max_conns.
	MaxConns int32
	// Logger receives the store's own warnings (a lost LISTEN connection).
	Logger *slog.Logger
	// OnQuery, when set, is called once for every statement the store sends
	// on behalf of its methods, and once for the start and once for the end
	// of each InTx call (its savepoint and release or rollback in the
	// group-commit batch, in the place of BEGIN and COMMIT). A workspace
	// setting sent with its statement, and a batch's own BEGIN and COMMIT,
	// are not counted.
	OnQuery func()
}

// Store is the PostgreSQL implementation of helpdesk.Store.
type Store struct {
	reader
	pool      *pgxpool.Pool
	committer *committer // runs every InTx call (groupcommit.go)
	// background runs the InTx calls of Background(): the webhook
	// dispatcher's, on connections of their own (background.go).
	background []*committer
	url        string
	appRole    string
	log        *slog.Logger
}

var _ helpdesk.Store = (*Store)(nil)

// Open connects to the database that url names. The URL's role must own
// the schema (or be allowed to create it): migrations and the application
// role's grants are made with it.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	if opts.AppRole == "" {
		opts.AppRole = DefaultAppRole
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	role := opts.AppRole
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		registerTypes(c)
		_, err := c.Exec(ctx, "SET ROLE "+pgx.Identifier{role}.Sanitize())
		return err
	}
	s := &Store{url: url, appRole: role, log: opts.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if opts.Migrate {
		if err := s.Migrate(ctx); err != nil {
			return nil, err
		}
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	s.pool = pool
	s.reader = reader{db: pool, onQuery: opts.OnQuery}
	// The committer's connection is its own, not the pool's: it is held for
	// the store's life, and the reads keep every pooled connection.
	connCfg := cfg.ConnConfig.Copy()
	connect := func(ctx context.Context) (*pgx.Conn, error) {
		c, err := pgx.ConnectConfig(ctx, connCfg)
		if err != nil {
			return nil, err
		}
		if err := cfg.AfterConnect(ctx, c); err != nil {
			c.Close(ctx)
			return nil, err
		}
		return c, nil
	}
	s.committer = newCommitter(connect, opts.OnQuery)
	for range backgroundCommitters {
		s.background = append(s.background, newCommitter(connect, opts.OnQuery))
	}
	return s, nil
}

// registerTypes makes timestamptz values come back in UTC, as the SQLite
// store returns them, instead of in the process's local zone.
func registerTypes(c *pgx.Conn) {
	c.TypeMap().RegisterType(&pgtype.Type{
		Name: "timestamptz", OID: pgtype.TimestamptzOID,
		Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC},
	})
}

// Migrations returns the embedded migration files.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the directory is embedded above; fs.Sub cannot fail on it
	}
	return sub
}

// Pool is the store's connection pool, working as the application role.
// The rate limiter and the cross-instance wake-ups share it.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

var _ helpdesk.RoundTripStore = (*Store)(nil)

// StatementsAreRoundTrips marks the store as one whose statements cross to
// another process, so the Service makes what reads it can before a
// transaction rather than inside a group-commit batch.
func (s *Store) StatementsAreRoundTrips() {}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}

// Close lets the committers finish their batches and closes their
// connections, then closes the pool, waiting for connections in use to come
// back.
func (s *Store) Close() error {
	s.committer.stop()
	for _, c := range s.background {
		c.stop()
	}
	s.pool.Close()
	return nil
}
