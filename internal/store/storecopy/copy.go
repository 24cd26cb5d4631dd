package storecopy

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tixallo/tixallo/internal/store/postgres"
	"github.com/tixallo/tixallo/internal/store/sqlite"
)

// Options says what to copy where.
type Options struct {
	// SQLitePath is the installation's database file. No server may be
	// using it: the copy is of the file as it is when the copy starts.
	SQLitePath string
	// PostgresURL names the database to fill. Its role must own the schema,
	// as tixallo serve's must (docs/deploy.md).
	PostgresURL string
	// AppRole is the application role the PostgreSQL migrations set up;
	// postgres.DefaultAppRole when empty.
	AppRole string
}

// TableCount is how many rows of one table were copied.
type TableCount struct {
	Table string
	Rows  int64
}

// Result is what a copy did.
type Result struct {
	Tables  []TableCount // in the order they were copied
	Rows    int64
	Elapsed time.Duration
}

// Copy copies the SQLite installation at opts.SQLitePath into the empty
// PostgreSQL database at opts.PostgresURL, after bringing both to this
// binary's migrations, in one PostgreSQL transaction. It refuses, having
// written nothing, when the PostgreSQL database holds a row or another
// process has the SQLite file open; on any later failure the transaction
// rolls back and PostgreSQL holds no copied row (the migrations stay).
func Copy(ctx context.Context, opts Options) (*Result, error) {
	start := time.Now()
	if err := checkSource(opts.SQLitePath); err != nil {
		return nil, err
	}
	conn, err := pgx.Connect(ctx, opts.PostgresURL)
	if err != nil {
		// The URL may hold a password: name the database, not the URL.
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))

	// Refuse a non-empty database before writing anything to it, the
	// migrations included.
	before, err := readPostgres(ctx, conn)
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL: %w", err)
	}
	if err := checkTarget(ctx, conn, before); err != nil {
		return nil, err
	}
	if err := migrate(ctx, opts); err != nil {
		return nil, err
	}

	src, err := openSource(ctx, opts.SQLitePath)
	if err != nil {
		return nil, err
	}
	stx, err := src.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		src.Close()
		return nil, fmt.Errorf("SQLite: begin: %w", err)
	}
	// The first read starts the snapshot every table is read from, and
	// makes this connection's WAL index, on which the probe then watches
	// for another process until the copy commits.
	tables, err := readSQLite(ctx, stx)
	var probe *shmProbe
	if err == nil {
		probe, err = newProbe(opts.SQLitePath)
	}
	defer func() {
		stx.Rollback()
		src.Close()
		if probe != nil {
			probe.close() // last: see shmProbe
		}
	}()
	if err != nil {
		return nil, fmt.Errorf("SQLite: %w", err)
	}
	if err := checkProbe(probe, opts.SQLitePath); err != nil {
		return nil, err
	}

	var res *Result
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		res, err = copyAll(ctx, stx, tx, tables)
		if err != nil {
			return err
		}
		// A server that opened the file while the copy ran may have written
		// rows the snapshot does not hold.
		return checkProbe(probe, opts.SQLitePath)
	})
	if err != nil {
		return nil, err
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// migrate brings both databases to this binary's migrations by opening each
// store the way tixallo serve does.
func migrate(ctx context.Context, opts Options) error {
	s, err := sqlite.Open(ctx, opts.SQLitePath, sqlite.Options{Migrate: true})
	if err != nil {
		return fmt.Errorf("migrate %s: %w", opts.SQLitePath, err)
	}
	if err := s.Close(); err != nil {
		return fmt.Errorf("migrate %s: %w", opts.SQLitePath, err)
	}
	p, err := postgres.Open(ctx, opts.PostgresURL, postgres.Options{Migrate: true, AppRole: opts.AppRole, MaxConns: 1})
	if err != nil {
		return fmt.Errorf("migrate PostgreSQL: %w", err)
	}
	return p.Close()
}

// copyAll copies every table inside tx and checks the result before the
// caller commits.
func copyAll(ctx context.Context, stx *sql.Tx, tx pgx.Tx, tables map[string]*sqliteTable) (*Result, error) {
	dst, err := readPostgres(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL: %w", err)
	}
	plans, err := plan(tables, dst)
	if err != nil {
		return nil, err
	}
	if err := lockTables(ctx, tx, dst, plans); err != nil {
		return nil, err
	}
	// Again under the locks: the check before the migrations saw the
	// database before anyone else could have started on it.
	if err := checkTarget(ctx, tx, dst); err != nil {
		return nil, err
	}
	highWater, err := autoincrements(ctx, stx, tables)
	if err != nil {
		return nil, fmt.Errorf("SQLite: %w", err)
	}
	res := &Result{}
	for _, p := range plans {
		n, err := copyTable(ctx, stx, tx, dst, p)
		if err != nil {
			return nil, err
		}
		res.Tables = append(res.Tables, TableCount{Table: p.name, Rows: n})
		res.Rows += n
	}
	if err := verifyCounts(ctx, stx, tx, dst, res.Tables); err != nil {
		return nil, err
	}
	if err := checkTicketCounters(ctx, tx, dst); err != nil {
		return nil, err
	}
	// Fresh statistics, so that the first queries on the copy are planned
	// for its real size rather than for empty tables.
	for _, p := range plans {
		if _, err := tx.Exec(ctx, `ANALYZE `+qualified(dst, p.name)); err != nil {
			return nil, fmt.Errorf("analyze %s: %w", p.name, err)
		}
	}
	// Last, because setval is not undone by a rollback: a copy that fails
	// before here leaves every sequence as it found it.
	for _, p := range plans {
		if err := continueSequences(ctx, tx, dst, p, highWater); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// copyTable streams one table with COPY FROM.
func copyTable(ctx context.Context, stx *sql.Tx, tx pgx.Tx, dst *pgSchema, p tablePlan) (int64, error) {
	src, err := newRowSource(ctx, stx, p)
	if err != nil {
		return 0, fmt.Errorf("copy %s: %w", p.name, err)
	}
	defer src.Close()
	n, err := tx.CopyFrom(ctx, pgx.Identifier{dst.name, p.name}, columnNames(p), src)
	if err != nil {
		return 0, fmt.Errorf("copy %s: %w", p.name, err)
	}
	if n != src.n {
		return 0, fmt.Errorf("copy %s: read %d rows, PostgreSQL took %d", p.name, src.n, n)
	}
	return n, nil
}
