package helpdesk

import (
	"context"
	"fmt"
	"strings"
)

// ChangePassword sets a new password for the user of auth after checking the
// current one, ends every session of the user (on every device and in every
// workspace) and starts a new one for the browser that asked, whose token it
// returns. The change is recorded in each of the user's workspaces.
func (s *Service) ChangePassword(ctx context.Context, auth *Auth, current, next, ip string) (string, error) {
	u, err := s.store.User(ctx, auth.User.ID)
	if err != nil {
		return "", fmt.Errorf("read user: %w", err)
	}
	errs := FieldErrors{}
	if current == "" {
		errs.Add("current_password", "Required")
	} else {
		if len(current) > maxPasswordInput {
			current = current[:maxPasswordInput]
		}
		ok, _, err := verifyPassword(ctx, u.PasswordHash, current)
		if err != nil && ctx.Err() != nil {
			return "", ctx.Err()
		}
		if !ok {
			errs.Add("current_password", "That is not your current password")
		}
	}
	local, _, _ := strings.Cut(u.Email, "@")
	checkPassword(errs, "new_password", next, u.Email, local, u.Name)
	if current != "" && next == current {
		errs.Add("new_password", "Choose a password different from the current one")
	}
	if err := errs.Err(); err != nil {
		return "", err
	}
	hash, err := s.hashPassword(ctx, next)
	if err != nil {
		return "", err
	}
	ms, err := s.store.MembershipsOfUser(ctx, u.ID)
	if err != nil {
		return "", fmt.Errorf("list memberships: %w", err)
	}
	return write(ctx, s, func(tx Tx) (string, error) {
		u.PasswordHash = hash
		u.UpdatedAt = s.Now()
		if err := tx.UpdateUser(ctx, u); err != nil {
			return "", fmt.Errorf("update password: %w", err)
		}
		if err := tx.DeleteUserSessions(ctx, u.ID); err != nil {
			return "", fmt.Errorf("end sessions: %w", err)
		}
		by := Actor{UserID: u.ID, Name: u.Name, IP: ip}
		for _, m := range ms {
			if err := s.audit(ctx, tx, m.WorkspaceID, by, AuditPasswordChanged, u.Email, "other sessions ended"); err != nil {
				return "", err
			}
		}
		return s.startSession(ctx, tx, u.ID, auth.Workspace.ID)
	})
}

// RenameUser changes the display name of the user of auth, which later
// replies are signed with.
func (s *Service) RenameUser(ctx context.Context, auth *Auth, name string) (*User, error) {
	errs := FieldErrors{}
	name = text(errs, "name", name, 1, MaxPersonName)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return write(ctx, s, func(tx Tx) (*User, error) {
		u, err := tx.User(ctx, auth.User.ID)
		if err != nil {
			return nil, fmt.Errorf("read user: %w", err)
		}
		u.Name = name
		u.UpdatedAt = s.Now()
		if err := tx.UpdateUser(ctx, u); err != nil {
			return nil, fmt.Errorf("rename user: %w", err)
		}
		return u, nil
	})
}
