package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// conn is what statements run on: the pool, or one transaction.
type conn interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// reader holds every read. The Store's reader runs each statement on the
// pool, a transaction's on the transaction, so one implementation serves
// both.
type reader struct {
	db      conn
	onQuery func()
	tx      *txState // nil outside a transaction
}

var _ helpdesk.Reader = reader{}

// txState is what a transaction remembers between statements.
type txState struct {
	// workspace is the tixallo.workspace_id the transaction has set.
	workspace string
	// raced is set when an insert met a row that a concurrent transaction
	// had committed: a retry of the whole transaction will see it.
	raced bool
	// locked holds the workspaces whose row this transaction has locked.
	locked map[string]bool
	// notified is set once the transaction has queued its wake-up.
	notified bool
}

// txn is a write transaction: the reads plus every write.
type txn struct {
	reader
}

var _ helpdesk.Tx = (*txn)(nil)

// setWorkspace is the statement that opens the policies to one workspace
// for the rest of the transaction (an implicit one, outside InTx).
const setWorkspace = `SELECT set_config('tixallo.workspace_id', $1, true)`

// counted reports one statement to Options.OnQuery.
func (r reader) counted() {
	if r.onQuery != nil {
		r.onQuery()
	}
}

// needsWorkspace reports whether a statement for workspace ws must first set
// it. Outside a transaction every statement runs in its own implicit one,
// so it always must; inside, only when the workspace changes. ws == "" is a
// statement that touches no tenant table (or calls a definer function).
func (r reader) needsWorkspace(ws string) bool {
	if ws == "" {
		return false
	}
	return r.tx == nil || r.tx.workspace != ws
}

// query runs a statement for workspace ws. When the workspace must be set
// first, both go in one batch: one round trip, and (outside a transaction)
// one implicit transaction, so the setting holds for the statement and ends
// with it.
func (r reader) query(ctx context.Context, ws, sql string, args ...any) (pgx.Rows, error) {
	r.counted()
	if !r.needsWorkspace(ws) {
		return r.db.Query(ctx, sql, args...)
	}
	b := &pgx.Batch{}
	b.Queue(setWorkspace, ws)
	b.Queue(sql, args...)
	br := r.db.SendBatch(ctx, b)
	if _, err := br.Exec(); err != nil {
		br.Close()
		return nil, err
	}
	if r.tx != nil {
		r.tx.workspace = ws
	}
	rows, err := br.Query()
	if err != nil {
		br.Close()
		return nil, err
	}
	return &batchRows{Rows: rows, br: br}, nil
}

// exec runs a statement that returns no rows, for workspace ws.
func (r reader) exec(ctx context.Context, ws, sql string, args ...any) (pgconn.CommandTag, error) {
	r.counted()
	if !r.needsWorkspace(ws) {
		return r.db.Exec(ctx, sql, args...)
	}
	b := &pgx.Batch{}
	b.Queue(setWorkspace, ws)
	b.Queue(sql, args...)
	br := r.db.SendBatch(ctx, b)
	if _, err := br.Exec(); err != nil {
		br.Close()
		return pgconn.CommandTag{}, err
	}
	if r.tx != nil {
		r.tx.workspace = ws
	}
	tag, err := br.Exec()
	return tag, errors.Join(err, br.Close())
}

// batchRows are the rows of a batch's last statement; closing them closes
// the batch, which is when an implicit transaction commits.
type batchRows struct {
	pgx.Rows
	br       pgx.BatchResults
	closed   bool
	closeErr error
}

func (b *batchRows) Close() {
	if b.closed {
		return
	}
	b.closed = true
	b.Rows.Close()
	b.closeErr = b.br.Close()
}

func (b *batchRows) Next() bool {
	if b.Rows.Next() {
		return true
	}
	b.Close()
	return false
}

func (b *batchRows) Err() error {
	if err := b.Rows.Err(); err != nil {
		return err
	}
	return b.closeErr
}

// row is one row of a query, read when scanned.
type row struct {
	rows pgx.Rows
	err  error
}

// queryRow runs a statement expected to return at most one row.
func (r reader) queryRow(ctx context.Context, ws, sql string, args ...any) row {
	rows, err := r.query(ctx, ws, sql, args...)
	return row{rows: rows, err: err}
}

func (r row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	defer r.rows.Close()
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return pgx.ErrNoRows
	}
	if err := r.rows.Scan(dest...); err != nil {
		return err
	}
	r.rows.Close()
	return r.rows.Err()
}

// execOne runs a statement that must change exactly one row of the
// workspace; none means the row does not exist there.
func (r reader) execOne(ctx context.Context, ws, what, sql string, args ...any) error {
	tag, err := r.exec(ctx, ws, sql, args...)
	if err != nil {
		return wrapErr(err, "%s", what)
	}
	if tag.RowsAffected() == 0 {
		return notFound("%s", what)
	}
	return nil
}

// insert runs an INSERT … ON CONFLICT DO NOTHING. A row that is already
// there is ErrConflict, reported without an error from PostgreSQL, because
// a failed statement would abort the whole transaction, where on SQLite the
// caller may go on (to retry with another key id, say).
func (t *txn) insert(ctx context.Context, ws, what, sql string, args ...any) error {
	tag, err := t.exec(ctx, ws, sql+` ON CONFLICT DO NOTHING`, args...)
	if err != nil {
		return wrapErr(err, "%s", what)
	}
	if tag.RowsAffected() == 0 {
		t.tx.raced = true
		return conflict("%s", what)
	}
	return nil
}

// isNotFound reports whether err wraps helpdesk.ErrNotFound.
func isNotFound(err error) bool { return errors.Is(err, helpdesk.ErrNotFound) }

// scanner is a row or rows.
type scanner interface {
	Scan(dest ...any) error
}

// list runs a query and scans every row with scan.
func list[T any](ctx context.Context, r reader, ws, what string, scan func(scanner) (T, error), sql string, args ...any) ([]T, error) {
	rows, err := r.query(ctx, ws, sql, args...)
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

// noLimit turns "no limit" (0 or less) into a LIMIT argument: NULL means
// none in PostgreSQL.
func noLimit(limit int) *int {
	if limit <= 0 {
		return nil
	}
	return &limit
}
