package sqlite

import (
	"context"
	"database/sql"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// execer is what a statement runs on: the read pool or a write transaction.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// reader holds every read. The Store's reader runs on the read pool, a
// transaction's on the transaction, so one implementation serves both.
type reader struct {
	db      execer
	onQuery func()
	// detached makes statements ignore the cancellation of their context.
	// The writer's are: for a context that can end, the driver starts a
	// watcher goroutine and installs a progress handler around every
	// statement, and on the one goroutine that every write waits for that
	// cost more than many of the statements themselves. A caller whose
	// context has ended before its turn is skipped (writer.go); once its fn
	// runs, it runs to its end, a few short statements.
	detached bool
}

var _ helpdesk.Reader = reader{}

// txn is one InTx call's part of a write transaction: the reads plus every
// write.
type txn struct {
	reader
	// keysChanged records a write to api_keys, after whose commit the
	// store's key cache is cleared.
	keysChanged bool
}

var _ helpdesk.Tx = (*txn)(nil)

// counted reports one statement to Options.OnQuery.
func (r reader) counted() {
	if r.onQuery != nil {
		r.onQuery()
	}
}

func (r reader) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	r.counted()
	if r.detached {
		ctx = context.WithoutCancel(ctx)
	}
	return r.db.ExecContext(ctx, query, args...)
}

func (r reader) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	r.counted()
	if r.detached {
		ctx = context.WithoutCancel(ctx)
	}
	return r.db.QueryContext(ctx, query, args...)
}

func (r reader) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	r.counted()
	if r.detached {
		ctx = context.WithoutCancel(ctx)
	}
	return r.db.QueryRowContext(ctx, query, args...)
}

// execOne runs a statement that must change exactly one row of the
// workspace; none means the row does not exist there.
func (r reader) execOne(ctx context.Context, what string, query string, args ...any) error {
	res, err := r.exec(ctx, query, args...)
	if err != nil {
		return wrapErr(err, "%s", what)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return wrapErr(err, "%s", what)
	}
	if n == 0 {
		return notFound("%s", what)
	}
	return nil
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// list runs a query and scans every row with scan.
func list[T any](ctx context.Context, r reader, what string, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := r.query(ctx, query, args...)
	if err != nil {
		return nil, wrapErr(err, "%s", what)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, wrapErr(err, "%s", what)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, wrapErr(err, "%s", what)
	}
	return out, nil
}

// noLimit turns "no limit" (0 or less) into SQLite's LIMIT -1.
func noLimit(limit int) int {
	if limit <= 0 {
		return -1
	}
	return limit
}
