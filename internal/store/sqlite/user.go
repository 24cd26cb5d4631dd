package sqlite

import (
	"context"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// Users exist across workspaces; memberships tie them to one with a role.

const userColumns = `id, email, name, password_hash, created_at, updated_at`

func scanUser(row scanner) (*helpdesk.User, error) {
	var u helpdesk.User
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.PasswordHash, timeCol{&u.CreatedAt}, timeCol{&u.UpdatedAt})
	if err != nil {
		return nil, err
	}
	return &u, nil
}

func (r reader) User(ctx context.Context, id string) (*helpdesk.User, error) {
	u, err := scanUser(r.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if err != nil {
		return nil, wrapErr(err, "user %s", id)
	}
	return u, nil
}

// UserByEmail expects the normalised (trimmed, lower-case) address that the
// domain stores.
func (r reader) UserByEmail(ctx context.Context, email string) (*helpdesk.User, error) {
	u, err := scanUser(r.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE email = ?`, email))
	if err != nil {
		return nil, wrapErr(err, "user with email %q", email)
	}
	return u, nil
}

func (t *txn) CreateUser(ctx context.Context, u *helpdesk.User) error {
	_, err := t.exec(ctx, `INSERT INTO users (id, email, name, password_hash, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?)`,
		u.ID, u.Email, u.Name, u.PasswordHash, micros(u.CreatedAt), micros(u.UpdatedAt))
	if err != nil {
		return wrapErr(err, "create user")
	}
	return nil
}

func (t *txn) UpdateUser(ctx context.Context, u *helpdesk.User) error {
	return t.execOne(ctx, "update user "+u.ID,
		`UPDATE users SET email = ?, name = ?, password_hash = ?, updated_at = ? WHERE id = ?`,
		u.Email, u.Name, u.PasswordHash, micros(u.UpdatedAt), u.ID)
}
