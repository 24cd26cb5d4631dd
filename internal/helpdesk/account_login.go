package helpdesk

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// ErrBadCredentials is the one answer to a failed log-in, whatever failed:
// unknown email, account without a password, or wrong password.
var ErrBadCredentials = &Error{Code: EUnauthorized, Message: "Invalid email or password"}

// ErrNoWorkspace answers a correct log-in of a user who belongs to no
// workspace any more (every membership was removed).
var ErrNoWorkspace = &Error{Code: EForbidden, Message: "This account is not a member of any workspace. Ask a workspace owner for a new invite link."}

// maxPasswordInput bounds what log-in hashes: longer input cannot be a
// password we accepted, but it is still hashed (as a prefix) so it takes as
// long as any other failure.
const maxPasswordInput = 4 * MaxPasswordLength

// LoggedIn is a started session.
type LoggedIn struct {
	Token       string
	User        User
	WorkspaceID string
}

// LogIn checks an email and password and starts a session in the user's
// preferred workspace (when the user belongs to it) or else in their oldest
// membership. Throttling is the caller's job and must come first: this
// method always spends one argon2id hash.
//
// A failure on an existing account is written to the audit log of every
// workspace the account belongs to, so each team's admins see attempts on
// their members; a failure for an unknown email is written nowhere.
func (s *Service) LogIn(ctx context.Context, email, password, ip, preferWorkspace string) (*LoggedIn, error) {
	u, newHash, err := s.checkCredentials(ctx, email, password, ip)
	if err != nil {
		return nil, err
	}
	ms, err := s.store.MembershipsOfUser(ctx, u.ID)
	if err != nil {
		return nil, fmt.Errorf("list memberships: %w", err)
	}
	if len(ms) == 0 {
		return nil, ErrNoWorkspace
	}
	ws := ms[0].WorkspaceID
	if i := slices.IndexFunc(ms, func(m Member) bool { return m.WorkspaceID == preferWorkspace }); i >= 0 {
		ws = ms[i].WorkspaceID
	}
	return write(ctx, s, func(tx Tx) (*LoggedIn, error) {
		if err := s.storeRehash(ctx, tx, u, newHash); err != nil {
			return nil, err
		}
		token, err := s.startSession(ctx, tx, u.ID, ws)
		if err != nil {
			return nil, err
		}
		by := Actor{UserID: u.ID, Name: u.Name, IP: ip}
		if err := s.audit(ctx, tx, ws, by, AuditLoginSucceeded, u.Email, ""); err != nil {
			return nil, err
		}
		return &LoggedIn{Token: token, User: *u, WorkspaceID: ws}, nil
	})
}

// checkCredentials returns the user whose email and password these are, and
// a fresh hash to store when the stored one uses outdated parameters. It
// spends one argon2id hash whatever the outcome.
func (s *Service) checkCredentials(ctx context.Context, email, password, ip string) (*User, string, error) {
	if len(password) > maxPasswordInput {
		password = password[:maxPasswordInput]
	}
	u, err := s.store.UserByEmail(ctx, NormalizeEmail(email))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, "", fmt.Errorf("find user: %w", err)
	}
	if err != nil || u.PasswordHash == "" {
		burnPassword(ctx, password)
		return nil, "", ErrBadCredentials
	}
	ok, rehash, err := verifyPassword(ctx, u.PasswordHash, password)
	if err != nil && ctx.Err() != nil {
		return nil, "", ctx.Err()
	}
	if err != nil {
		// A stored hash we cannot read is a data problem, not the user's.
		s.log.ErrorContext(ctx, "unreadable password hash", "user_id", u.ID, "err", err)
		return nil, "", ErrBadCredentials
	}
	if !ok {
		if err := s.auditLoginFailure(ctx, u, ip); err != nil {
			return nil, "", err
		}
		return nil, "", ErrBadCredentials
	}
	var newHash string
	if rehash {
		if newHash, err = s.hashPassword(ctx, password); err != nil {
			return nil, "", err
		}
	}
	return u, newHash, nil
}

// auditLoginFailure records a wrong password for an existing account in each
// of its workspaces.
func (s *Service) auditLoginFailure(ctx context.Context, u *User, ip string) error {
	ms, err := s.store.MembershipsOfUser(ctx, u.ID)
	if err != nil {
		return fmt.Errorf("list memberships: %w", err)
	}
	if len(ms) == 0 {
		return nil
	}
	_, err = write(ctx, s, func(tx Tx) (struct{}, error) {
		by := Actor{UserID: u.ID, Name: u.Name, IP: ip}
		for _, m := range ms {
			if err := s.audit(ctx, tx, m.WorkspaceID, by, AuditLoginFailed, u.Email, "wrong password"); err != nil {
				return struct{}{}, err
			}
		}
		return struct{}{}, nil
	})
	return err
}

// storeRehash writes a re-computed password hash, if there is one.
func (s *Service) storeRehash(ctx context.Context, tx Tx, u *User, newHash string) error {
	if newHash == "" {
		return nil
	}
	u.PasswordHash = newHash
	u.UpdatedAt = s.Now()
	if err := tx.UpdateUser(ctx, u); err != nil {
		return fmt.Errorf("rehash password: %w", err)
	}
	return nil
}
