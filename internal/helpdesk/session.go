package helpdesk

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Session timeouts (docs/app.md explains the choice). Agents work a shift
// with the app open: the idle timeout outlasts a lunch break, the absolute
// one a working day, so an agent logs in once a day and a laptop left
// logged in overnight is logged out by morning.
const (
	SessionIdleTimeout     = 2 * time.Hour
	SessionAbsoluteTimeout = 12 * time.Hour
	// sessionTouchEvery bounds the writes that keep a session alive: at most
	// one a minute per session, not one per page view. The idle timeout is
	// therefore exact to within this much.
	sessionTouchEvery = time.Minute
	// maxTokenLen refuses absurd cookie values before hashing them.
	maxTokenLen = 128
)

// ErrNotLoggedIn is what session checks return for a missing, unknown,
// expired or orphaned session.
var ErrNotLoggedIn = &Error{Code: EUnauthorized, Message: "Please log in"}

// Auth is who a logged-in request comes from: the session, its user, the
// user's membership of the session's workspace, and that workspace.
type Auth struct {
	Session   Session
	User      User
	Member    Member
	Workspace Workspace
}

// Actor returns the audit actor for this user at ip.
func (a *Auth) Actor(ip string) Actor {
	return Actor{UserID: a.User.ID, Name: a.User.Name, IP: ip}
}

// startSession stores a new session of userID in workspaceID and returns its
// token. The caller has checked the membership.
func (s *Service) startSession(ctx context.Context, tx Tx, userID, workspaceID string) (string, error) {
	token, hash, err := s.NewToken()
	if err != nil {
		return "", err
	}
	now := s.Now()
	sess := &Session{
		TokenHash: hash, UserID: userID, WorkspaceID: workspaceID,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(SessionAbsoluteTimeout),
	}
	if err := tx.CreateSession(ctx, sess); err != nil {
		return "", fmt.Errorf("create session: %w", err)
	}
	// Sweeping here keeps the table small without a background job: every
	// log-in removes the sessions whose absolute timeout has passed.
	if err := tx.DeleteExpiredSessions(ctx, now); err != nil {
		return "", fmt.Errorf("delete expired sessions: %w", err)
	}
	return token, nil
}

// SessionAuth resolves a session token to who is logged in. It refuses
// sessions past their idle or absolute timeout (and deletes them), and
// sessions whose user is no longer a member of the session's workspace: the
// membership is checked on every request, so a removal or a role change takes
// effect on the very next page.
func (s *Service) SessionAuth(ctx context.Context, token string) (*Auth, error) {
	if token == "" || len(token) > maxTokenLen {
		return nil, ErrNotLoggedIn
	}
	hash := TokenHash(token)
	sess, err := s.store.Session(ctx, hash)
	if errors.Is(err, ErrNotFound) {
		return nil, ErrNotLoggedIn
	} else if err != nil {
		return nil, fmt.Errorf("read session: %w", err)
	}
	now := s.Now()
	if !now.Before(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) >= SessionIdleTimeout {
		return nil, s.dropSession(ctx, hash)
	}
	m, err := s.store.Member(ctx, sess.WorkspaceID, sess.UserID)
	if errors.Is(err, ErrNotFound) {
		return nil, s.dropSession(ctx, hash)
	} else if err != nil {
		return nil, fmt.Errorf("read membership: %w", err)
	}
	u, err := s.store.User(ctx, sess.UserID)
	if err != nil {
		return nil, fmt.Errorf("read session user: %w", err)
	}
	w, err := s.store.Workspace(ctx, sess.WorkspaceID)
	if err != nil {
		return nil, fmt.Errorf("read session workspace: %w", err)
	}
	if now.Sub(sess.LastSeenAt) >= sessionTouchEvery {
		if err := s.store.InTx(ctx, func(tx Tx) error { return tx.TouchSession(ctx, hash, now) }); err != nil {
			return nil, fmt.Errorf("touch session: %w", err)
		}
		sess.LastSeenAt = now
	}
	return &Auth{Session: *sess, User: *u, Member: *m, Workspace: *w}, nil
}

// dropSession deletes a session that can no longer be used and answers
// ErrNotLoggedIn.
func (s *Service) dropSession(ctx context.Context, hash []byte) error {
	if err := s.store.InTx(ctx, func(tx Tx) error { return tx.DeleteSession(ctx, hash) }); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return ErrNotLoggedIn
}

// LogOut ends the session with this token. Ending an unknown session is not
// an error: the browser is logged out either way.
func (s *Service) LogOut(ctx context.Context, token string) error {
	if token == "" || len(token) > maxTokenLen {
		return nil
	}
	return s.store.InTx(ctx, func(tx Tx) error { return tx.DeleteSession(ctx, TokenHash(token)) })
}

// SwitchWorkspace moves a session to another workspace of its user. The
// session gets a new token (a change of privilege gets a new session id) and
// keeps its absolute expiry, so switching cannot extend a session.
func (s *Service) SwitchWorkspace(ctx context.Context, token, workspaceID string) (string, error) {
	if token == "" || len(token) > maxTokenLen {
		return "", ErrNotLoggedIn
	}
	return write(ctx, s, func(tx Tx) (string, error) {
		old, err := tx.Session(ctx, TokenHash(token))
		if errors.Is(err, ErrNotFound) {
			return "", ErrNotLoggedIn
		} else if err != nil {
			return "", fmt.Errorf("read session: %w", err)
		}
		if _, err := tx.Member(ctx, workspaceID, old.UserID); err != nil {
			return "", err // not a member: the workspace does not exist for this user
		}
		newToken, hash, err := s.NewToken()
		if err != nil {
			return "", err
		}
		sess := &Session{
			TokenHash: hash, UserID: old.UserID, WorkspaceID: workspaceID,
			CreatedAt: old.CreatedAt, LastSeenAt: s.Now(), ExpiresAt: old.ExpiresAt,
		}
		if err := tx.CreateSession(ctx, sess); err != nil {
			return "", fmt.Errorf("create session: %w", err)
		}
		if err := tx.DeleteSession(ctx, old.TokenHash); err != nil {
			return "", fmt.Errorf("delete session: %w", err)
		}
		return newToken, nil
	})
}

// Membership is one workspace a user belongs to, for the switcher.
type Membership struct {
	Workspace Workspace
	Role      Role
}

// Memberships lists the workspaces of a user, oldest membership first.
func (s *Service) Memberships(ctx context.Context, userID string) ([]Membership, error) {
	ms, err := s.store.MembershipsOfUser(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("list memberships: %w", err)
	}
	out := make([]Membership, 0, len(ms))
	for _, m := range ms {
		w, err := s.store.Workspace(ctx, m.WorkspaceID)
		if err != nil {
			return nil, fmt.Errorf("membership workspace: %w", err)
		}
		out = append(out, Membership{Workspace: *w, Role: m.Role})
	}
	return out, nil
}
