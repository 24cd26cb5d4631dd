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

// txState is what one InTx call remembers between statements. Every InTx
// call is a member of a group-commit batch (groupcommit.go): it runs in a
// savepoint of the batch's transaction, and its statements ignore ctx
// cancellation once sent (ctx is checked before each is sent instead), so
// that one caller going away never breaks the connection the batch shares.
type txState struct {
	// workspace is the tixallo.workspace_id the member has set. Each member
	// starts without one and sets its own: the setting lives as long as the
	// batch's transaction, and the member before may have set another.
	workspace string
	// raced is set when an insert met a row that a concurrent transaction
	// had committed: a rerun of the member will see it.
	raced bool
	// locked holds the workspaces whose row the batch holds locked: those
	// of the members before that succeeded, plus this member's.
	locked map[string]bool
	// woken holds the workspaces whose events' wake-up the batch's
	// transaction has queued; "" stands for an unconditional one.
	woken map[string]bool
	// batch holds the control statements (BEGIN, SAVEPOINT, RELEASE …)
	// that go out ahead of the member's first statement, in its round trip.
	batch *batchState
	// sent is set once a statement of the member has been sent.
	sent bool
	// deferred are the member's writes waiting for its next statement.
	deferred []deferredWrite
	// seq holds, for each workspace whose row the batch holds locked, its
	// ticket counter as the members so far leave it; stored, the value a
	// statement of this member wrote into the row (see NextTicketNumber).
	seq, stored map[string]int64
	// seqs are event seqs taken and not used yet, for the workspaces in
	// seqsCover, whose locks were held when they were taken (CreateEvent).
	seqs      []int64
	seqsCover map[string]bool
	// failed is the first error a statement of the member got from the
	// database, or a deferred write's failure: the member cannot commit even
	// if fn swallowed the error.
	failed error
}

// wake notes that the batch's transaction has queued the dispatchers'
// wake-up for workspaceID's events ("" for any).
func (s *txState) wake(workspaceID string) {
	if s.woken == nil {
		s.woken = map[string]bool{}
	}
	s.woken[workspaceID] = true
}

// lock notes that the batch's transaction holds workspaceID's row lock.
func (s *txState) lock(workspaceID string) {
	if s.locked == nil {
		s.locked = map[string]bool{}
	}
	s.locked[workspaceID] = true
}

// note records err as the member's failure unless it is no error at all or
// a "no rows", which pgx makes up without the database failing anything.
func (r reader) note(err error) error {
	if r.tx != nil && err != nil && r.tx.failed == nil && !errors.Is(err, pgx.ErrNoRows) {
		r.tx.failed = err
	}
	return err
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

// needsPrelude reports whether something must be sent ahead of a statement
// for ws: the workspace setting, or control statements of the batch.
func (r reader) needsPrelude(ws string) bool {
	return r.needsWorkspace(ws) ||
		(r.tx != nil && (len(r.tx.deferred) > 0 || (r.tx.batch != nil && len(r.tx.batch.pending) > 0)))
}

// stmtContext is the context a statement runs with. Inside a transaction
// the caller's cancellation is checked before the statement is sent but
// does not interrupt it: pgx answers a cancellation mid-statement by
// closing the connection, which would abort every member of the batch.
func (r reader) stmtContext(ctx context.Context) (context.Context, error) {
	if r.tx == nil {
		return ctx, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return context.WithoutCancel(ctx), nil
}

// stmt is one statement of a pipeline.
type stmt struct {
	sql  string
	args []any
}

// deferredWrite is a write whose outcome its caller does not need before
// its next statement: it goes out in that statement's round trip, or after
// fn has returned (see txn.deferWrite).
type deferredWrite struct {
	ws   string
	stmt stmt
	what string
	tx   *txState // the member's, to note a lost race in
}

// fail is the error a deferred write got: a row already there is a lost
// race, as insert reports it.
func (d *deferredWrite) fail(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == codeUniqueViolation {
		d.tx.raced = true
	}
	return wrapErr(err, "%s", d.what)
}

// pendingItem is something the committer queued to go out ahead of the
// next statement on its connection: a control statement (BEGIN,
// SAVEPOINT, RELEASE, ROLLBACK TO), or a deferred write of a member that
// has returned, which goes out in its savepoint, before its RELEASE (see
// committer.runMember).
type pendingItem struct {
	sql   string         // a control statement, when write is nil
	write *deferredWrite // a returned member's write
	owner *txReq         // whose write it is
}

// tailFailure is a returned member's deferred write that failed: that
// member cannot commit, and the statements sent after its write (the
// next member's) were not run.
type tailFailure struct {
	owner *txReq
	err   error
}

func (f *tailFailure) Error() string { return f.err.Error() }
func (f *tailFailure) Unwrap() error { return f.err }

// send sends stmts in one round trip after their prelude — the batch's
// pending items, the member's deferred writes, each with the workspace
// setting ahead of it when needed — and returns the results positioned at
// stmts[0]: the caller reads one result per statement, then closes them.
// Outside a transaction the batch is one implicit transaction, so the
// setting holds for the statements and ends with them.
//
// A deferred write of the member that failed fails the call that carried
// it (the member's statements after it were not run, and its error is the
// one to report) and the member: it cannot commit. A pending item that
// failed breaks the batch (batchState.broken).
func (r reader) send(ctx context.Context, ws string, stmts ...stmt) (pgx.BatchResults, error) {
	b := &pgx.Batch{}
	var (
		pending  []pendingItem
		deferred []deferredWrite
	)
	if r.tx != nil {
		if r.tx.batch != nil {
			pending = r.tx.batch.pending
			r.tx.batch.pending = nil
		}
		deferred = r.tx.deferred
		r.tx.deferred = nil
	}
	// Every statement before stmts[0], in order, and whether the workspace
	// setting goes ahead of it.
	type slot struct {
		set   bool
		ws    string
		item  *pendingItem   // a pending item's, or nil
		write *deferredWrite // the member's deferred write, or nil
	}
	var slots []slot
	cur := ""
	if r.tx != nil {
		cur = r.tx.workspace
	}
	queue := func(ws string, s stmt) bool {
		set := ws != "" && ws != cur
		if set {
			b.Queue(setWorkspace, ws)
			cur = ws
		}
		b.Queue(s.sql, s.args...)
		return set
	}
	for i := range pending {
		p := &pending[i]
		if p.write == nil {
			b.Queue(p.sql)
			slots = append(slots, slot{item: p})
			continue
		}
		slots = append(slots, slot{set: queue(p.write.ws, p.write.stmt), ws: p.write.ws, item: p})
	}
	for i := range deferred {
		d := &deferred[i]
		slots = append(slots, slot{set: queue(d.ws, d.stmt), ws: d.ws, write: d})
	}
	firstSet := false
	for i, s := range stmts {
		set := queue(ws, s)
		if i == 0 {
			firstSet = set
		}
	}
	if r.tx != nil {
		r.tx.sent = true
		if len(pending) > 0 {
			r.tx.batch.began = true
		}
	}
	br := r.db.SendBatch(ctx, b)
	fail := func(err error) (pgx.BatchResults, error) {
		br.Close()
		return nil, r.note(err)
	}
	for _, sl := range slots {
		var err error
		if sl.set {
			_, err = br.Exec()
		}
		if err == nil {
			_, err = br.Exec()
		}
		switch {
		case err == nil:
			if sl.set && r.tx != nil {
				r.tx.workspace = sl.ws
			}
		case sl.item != nil && sl.item.write != nil:
			// A returned member's write: that member fails, and with it the
			// batch, which the committer runs again without it going first.
			r.tx.batch.broken = &tailFailure{owner: sl.item.owner, err: sl.item.write.fail(err)}
			return fail(r.tx.batch.broken)
		case sl.item != nil:
			// The batch's transaction is in an unknown state: the committer
			// rolls it back and runs its members again.
			r.tx.batch.broken = err
			return fail(err)
		case sl.write != nil:
			return fail(sl.write.fail(err))
		default:
			return fail(err)
		}
	}
	if len(stmts) > 0 && firstSet {
		if _, err := br.Exec(); err != nil {
			return fail(err)
		}
		if r.tx != nil {
			r.tx.workspace = ws
		}
	}
	return br, nil
}

// flush sends the member's deferred writes on their own, when fn has
// returned without a statement to carry them.
func (r reader) flush() error {
	if r.tx == nil || len(r.tx.deferred) == 0 {
		return nil
	}
	br, err := r.send(context.Background(), "")
	if err != nil {
		return err
	}
	return r.note(br.Close())
}

// deferWrite queues a write of this member to go out with its next
// statement (see send). Only writes whose callers never look at their
// error are deferred: the service stops at any error, and the member's
// outcome is the same as had the write failed when made — the error
// reaches fn from its next statement, or InTx from the commit, and the
// member is rolled back (and run again after a lost race). A deferred
// write must fail with an error from PostgreSQL, not quietly (no ON
// CONFLICT DO NOTHING): it may go out after fn has returned, with the next
// member's statements, and only an error stops those.
func (t *txn) deferWrite(ctx context.Context, ws, what, sql string, args ...any) error {
	t.counted()
	if err := ctx.Err(); err != nil {
		return err
	}
	t.tx.deferred = append(t.tx.deferred, deferredWrite{ws: ws, stmt: stmt{sql, args}, what: what, tx: t.tx})
	return nil
}

// pipeline sends stmts for workspace ws in one round trip (see send).
func (r reader) pipeline(ctx context.Context, ws string, stmts ...stmt) (pgx.BatchResults, error) {
	for range stmts {
		r.counted()
	}
	ctx, err := r.stmtContext(ctx)
	if err != nil {
		return nil, err
	}
	return r.send(ctx, ws, stmts...)
}

// query runs a statement for workspace ws, in one round trip with whatever
// must go before it (see send).
func (r reader) query(ctx context.Context, ws, sql string, args ...any) (pgx.Rows, error) {
	r.counted()
	ctx, err := r.stmtContext(ctx)
	if err != nil {
		return nil, err
	}
	if !r.needsPrelude(ws) {
		if r.tx != nil {
			r.tx.sent = true
		}
		rows, err := r.db.Query(ctx, sql, args...)
		if err != nil {
			return nil, r.note(err)
		}
		if r.tx == nil {
			return rows, nil
		}
		return &batchRows{Rows: rows, tx: r.tx}, nil
	}
	br, err := r.send(ctx, ws, stmt{sql, args})
	if err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		br.Close()
		return nil, r.note(err)
	}
	return &batchRows{Rows: rows, br: br, tx: r.tx}, nil
}

// exec runs a statement that returns no rows, for workspace ws.
func (r reader) exec(ctx context.Context, ws, sql string, args ...any) (pgconn.CommandTag, error) {
	r.counted()
	ctx, err := r.stmtContext(ctx)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	if !r.needsPrelude(ws) {
		if r.tx != nil {
			r.tx.sent = true
		}
		tag, err := r.db.Exec(ctx, sql, args...)
		return tag, r.note(err)
	}
	br, err := r.send(ctx, ws, stmt{sql, args})
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := br.Exec()
	return tag, r.note(errors.Join(err, br.Close()))
}

// batchRows are a query's rows, possibly of a batch's last statement
// (closing them closes the batch, which is when an implicit transaction
// commits), noting an error the database sends with them.
type batchRows struct {
	pgx.Rows
	br       pgx.BatchResults // nil when the query was sent alone
	tx       *txState         // nil outside a transaction
	closed   bool
	closeErr error
}

func (b *batchRows) Close() {
	if b.closed {
		return
	}
	b.closed = true
	b.Rows.Close()
	if b.br != nil {
		b.closeErr = b.br.Close()
	}
	reader{tx: b.tx}.note(b.Err())
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
