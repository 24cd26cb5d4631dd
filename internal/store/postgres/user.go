package postgres

import (
	"context"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// Users exist across workspaces (one login, many memberships), so their
// table has no workspace_id and no tenant policy; memberships tie them to
// a workspace with a role.

const userColumns = `id, email, name, password_hash, created_at, updated_at`

func scanUser(row scanner) (*helpdesk.User, error) {
	var u helpdesk.User
	if err := row.Scan(&u.ID, &u.Email, &u.Name, &u.PasswordHash, &u.CreatedAt, &u.UpdatedAt); err != nil {
		return nil, err
	}
	return &u, nil
}

func (r reader) User(ctx context.Context, id string) (*helpdesk.User, error) {
	u, err := scanUser(r.queryRow(ctx, "", `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
	if err != nil {
		return nil, wrapErr(err, "user %s", id)
	}
	return u, nil
}

// UserByEmail expects the normalised (trimmed, lower-case) address that the
// domain stores.
func (r reader) UserByEmail(ctx context.Context, email string) (*helpdesk.User, error) {
	u, err := scanUser(r.queryRow(ctx, "", `SELECT `+userColumns+` FROM users WHERE email = $1`, email))
	if err != nil {
		return nil, wrapErr(err, "user with email %q", email)
	}
	return u, nil
}

func (t *txn) CreateUser(ctx context.Context, u *helpdesk.User) error {
	return t.insert(ctx, "", "create user",
		`INSERT INTO users (id, email, name, password_hash, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		u.ID, u.Email, u.Name, u.PasswordHash, u.CreatedAt, u.UpdatedAt)
}

func (t *txn) UpdateUser(ctx context.Context, u *helpdesk.User) error {
	return t.execOne(ctx, "", "update user "+u.ID,
		`UPDATE users SET email = $1, name = $2, password_hash = $3, updated_at = $4 WHERE id = $5`,
		u.Email, u.Name, u.PasswordHash, u.UpdatedAt, u.ID)
}
