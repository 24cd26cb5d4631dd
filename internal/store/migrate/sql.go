package migrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// SQL adapts a database/sql handle to DB. begin must return a transaction
// that already holds the migration lock: on SQLite a connection whose DSN
// makes BEGIN mean BEGIN IMMEDIATE; on PostgreSQL a BeginTx followed by
// SELECT pg_advisory_xact_lock(…).
func SQL(begin func(ctx context.Context) (*sql.Tx, error)) DB { return sqlDB(begin) }

type sqlDB func(ctx context.Context) (*sql.Tx, error)

func (begin sqlDB) LockedTx(ctx context.Context, fn func(tx Tx) error) error {
	tx, err := begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(sqlTx{tx}); err != nil {
		return errors.Join(err, ignoreDone(tx.Rollback()))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// ignoreDone drops the error of rolling back a transaction that a cancelled
// context already ended.
func ignoreDone(err error) error {
	if errors.Is(err, sql.ErrTxDone) {
		return nil
	}
	return err
}

type sqlTx struct{ tx *sql.Tx }

func (t sqlTx) Exec(ctx context.Context, query string, args ...any) error {
	_, err := t.tx.ExecContext(ctx, query, args...)
	return err
}

func (t sqlTx) Query(ctx context.Context, query string, args []any, row func(scan func(dest ...any) error) error) error {
	rows, err := t.tx.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	return EachRow(rows, row)
}

// Columns prepares nothing that outlives the call: database/sql closes the
// statement of a Query on a transaction when its rows close.
func (t sqlTx) Columns(ctx context.Context, query string) ([]string, error) {
	rows, err := t.tx.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return rows.Columns()
}
