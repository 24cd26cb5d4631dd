package helpdesk

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// AuditWorkspaceCreated records a sign-up: the workspace and its owner.
const AuditWorkspaceCreated = "workspace.created"

// NewAccount is the sign-up form.
type NewAccount struct {
	Name          string
	Email         string
	Password      string
	WorkspaceName string
}

// SignUp creates a user, a workspace the user owns, and its default inbox,
// and starts a session there, all in one transaction.
//
// An email that already has an account is refused with a field message that
// says so: a sign-up form cannot hide which emails exist without an email
// round trip, which Tixallo does not require. The app throttles sign-ups per
// client address, which bounds that enumeration.
func (s *Service) SignUp(ctx context.Context, in NewAccount, ip string) (*LoggedIn, error) {
	errs := FieldErrors{}
	name := text(errs, "name", in.Name, 1, MaxPersonName)
	addr := email(errs, "email", in.Email)
	wsName := text(errs, "workspace_name", in.WorkspaceName, 1, MaxWorkspaceName)
	local, _, _ := strings.Cut(addr, "@")
	checkPassword(errs, "password", in.Password, addr, local, name, wsName)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	if _, err := s.store.UserByEmail(ctx, addr); err == nil {
		return nil, emailTaken()
	} else if !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("find user: %w", err)
	}
	// Hash outside the transaction: it takes tens of milliseconds and the
	// SQLite writer is shared by everyone.
	hash, err := s.hashPassword(ctx, in.Password)
	if err != nil {
		return nil, err
	}
	return write(ctx, s, func(tx Tx) (*LoggedIn, error) {
		now := s.Now()
		u := &User{ID: s.newID(), Email: addr, Name: name, PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
		if err := tx.CreateUser(ctx, u); errors.Is(err, ErrConflict) {
			return nil, emailTaken() // someone signed up with it a moment ago
		} else if err != nil {
			return nil, fmt.Errorf("create user: %w", err)
		}
		w, err := s.createWorkspace(ctx, tx, NewWorkspace{Name: wsName})
		if err != nil {
			return nil, err
		}
		m := &Member{WorkspaceID: w.ID, UserID: u.ID, Role: RoleOwner, Email: u.Email, Name: u.Name, CreatedAt: now}
		if err := tx.CreateMember(ctx, m); err != nil {
			return nil, fmt.Errorf("create owner: %w", err)
		}
		by := Actor{UserID: u.ID, Name: u.Name, IP: ip}
		if err := s.audit(ctx, tx, w.ID, by, AuditWorkspaceCreated, w.ID, w.Name); err != nil {
			return nil, err
		}
		token, err := s.startSession(ctx, tx, u.ID, w.ID)
		if err != nil {
			return nil, err
		}
		return &LoggedIn{Token: token, User: *u, WorkspaceID: w.ID}, nil
	})
}

func emailTaken() error {
	errs := FieldErrors{}
	errs.Add("email", "An account with this email already exists. Log in instead, or ask for an invite to join a workspace.")
	return errs.Err()
}
