package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tixallo/tixallo/internal/store/migrate"
)

// Migrate applies pending migrations as the URL's role (the owner), each in
// its own transaction holding an advisory lock, so several instances
// starting at once apply each migration once. It refuses a database whose
// applied migration differs from the embedded file (migrate.ChecksumError). Then it makes sure the
// application role exists, can be switched to, and may use what the
// migrations created.
func (s *Store) Migrate(ctx context.Context) error {
	c, err := s.ownerConn(ctx)
	if err != nil {
		return err
	}
	defer c.Close(context.WithoutCancel(ctx))
	if _, err := migrate.Run(ctx, pgxDB{c}, Migrations()); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	if err := setUpAppRole(ctx, c, s.appRole); err != nil {
		return fmt.Errorf("postgres: application role %s: %w", s.appRole, err)
	}
	return nil
}

// ownerConn is a connection as the URL's own role, outside the pool.
func (s *Store) ownerConn(ctx context.Context) (*pgx.Conn, error) {
	c, err := pgx.Connect(ctx, s.url)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	return c, nil
}

// pgxDB adapts a connection to migrate.DB. The lock is an advisory
// transaction lock keyed by the schema, so two migrators of one schema
// queue while different schemas (the tests' databases) do not.
type pgxDB struct{ c *pgx.Conn }

// migrationLock takes the advisory lock that every migrator of the
// current schema takes, until the end of the transaction.
const migrationLock = `SELECT pg_advisory_xact_lock(hashtextextended('tixallo migrate ' || current_schema(), 0))`

func (d pgxDB) LockedTx(ctx context.Context, fn func(tx migrate.Tx) error) error {
	return pgx.BeginFunc(ctx, d.c, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, migrationLock); err != nil {
			return fmt.Errorf("migration lock: %w", err)
		}
		return fn(pgxTx{tx})
	})
}

type pgxTx struct{ tx pgx.Tx }

// Exec runs a statement; without arguments pgx uses the simple protocol,
// which runs a whole migration file of many statements.
func (t pgxTx) Exec(ctx context.Context, query string, args ...any) error {
	_, err := t.tx.Exec(ctx, query, args...)
	return err
}

func (t pgxTx) Query(ctx context.Context, query string, args []any, row func(scan func(dest ...any) error) error) error {
	rows, err := t.tx.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	return migrate.EachRow(rows, row)
}

// Columns sends the query by the simple protocol: pgx would otherwise cache
// its prepared statement, whose result type the ALTER TABLE that follows
// changes ("cached plan must not change result type" on its next use).
func (t pgxTx) Columns(ctx context.Context, query string) ([]string, error) {
	rows, err := t.tx.Query(ctx, query, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, f := range rows.FieldDescriptions() {
		names = append(names, f.Name)
	}
	rows.Close()
	return names, rows.Err()
}

// setUpAppRole creates the application role if it is missing (NOLOGIN: it
// is only ever switched to), makes the owner a member that may SET ROLE to
// it, refuses a role that would bypass the policies, and grants it the use
// of this schema's tables, sequences and functions. Roles belong to the
// whole cluster, so processes setting up several databases at once may race
// to create the same role; a lost race is retried.
func setUpAppRole(ctx context.Context, c *pgx.Conn, role string) error {
	var err error
	for range 5 {
		if err = ensureRole(ctx, c, role); err == nil || !raceOnRoles(err) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		return err
	}
	id := pgx.Identifier{role}.Sanitize()
	return pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
		// Concurrent GRANTs on one object fail ("tuple concurrently
		// updated"): queue behind the other migrators of this schema.
		if _, err := tx.Exec(ctx, migrationLock); err != nil {
			return fmt.Errorf("migration lock: %w", err)
		}
		var schema string
		if err := tx.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
			return err
		}
		sc := pgx.Identifier{schema}.Sanitize()
		for _, q := range []string{
			`GRANT USAGE ON SCHEMA ` + sc + ` TO ` + id,
			`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ` + sc + ` TO ` + id,
			`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ` + sc + ` TO ` + id,
			`GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA ` + sc + ` TO ` + id,
		} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		return nil
	})
}

func ensureRole(ctx context.Context, c *pgx.Conn, role string) error {
	id := pgx.Identifier{role}.Sanitize()
	var exists, bypass bool
	err := c.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1),
			COALESCE((SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = $1), false)`,
		role).Scan(&exists, &bypass)
	if err != nil {
		return err
	}
	if bypass {
		return errors.New("the role is a superuser or has BYPASSRLS, so row-level security would not apply to it")
	}
	if !exists {
		if _, err := c.Exec(ctx, `CREATE ROLE `+id+` NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT`); err != nil {
			return fmt.Errorf("create role (the URL's role needs CREATEROLE, or create it beforehand): %w", err)
		}
	}
	// Membership alone is not enough since PostgreSQL 16 (a role's creator
	// is a member WITH SET FALSE), so try the switch itself.
	canSet := pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `SET LOCAL ROLE `+id)
		return err
	}) == nil
	if !canSet {
		if _, err := c.Exec(ctx, `GRANT `+id+` TO CURRENT_USER`); err != nil {
			return fmt.Errorf("grant it to the owner: %w", err)
		}
	}
	return nil
}

// raceOnRoles reports an error of two sessions changing the cluster's roles
// at once.
func raceOnRoles(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	switch pgErr.Code {
	case "42710", codeUniqueViolation, "XX000": // duplicate_object; "tuple concurrently updated"
		return true
	}
	return false
}
