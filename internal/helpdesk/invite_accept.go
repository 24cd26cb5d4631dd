package helpdesk

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// ErrInviteInvalid answers an invite link that is unknown, used, withdrawn
// or expired: the page says the same for each.
var ErrInviteInvalid = &Error{Code: ENotFound, Message: "This invite link is not valid any more. Invite links work once and expire after 7 days; ask a workspace owner or admin for a new one."}

// InviteInfo is what the accept page shows about an invite.
type InviteInfo struct {
	Invite    Invite
	Workspace Workspace
	// HasAccount says the invited email already has a user with a password,
	// who joins by logging in; otherwise the page asks for a name and a new
	// password.
	HasAccount bool
}

// InviteByToken returns a pending, unexpired invite by its link token.
func (s *Service) InviteByToken(ctx context.Context, token string) (*InviteInfo, error) {
	inv, err := s.pendingInvite(ctx, s.store, token)
	if err != nil {
		return nil, err
	}
	w, err := s.store.Workspace(ctx, inv.WorkspaceID)
	if err != nil {
		return nil, fmt.Errorf("invite workspace: %w", err)
	}
	info := &InviteInfo{Invite: *inv, Workspace: *w}
	u, err := s.store.UserByEmail(ctx, inv.Email)
	if err == nil {
		info.HasAccount = u.PasswordHash != ""
	} else if !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("find invited user: %w", err)
	}
	return info, nil
}

func (s *Service) pendingInvite(ctx context.Context, r Reader, token string) (*Invite, error) {
	if token == "" || len(token) > maxTokenLen {
		return nil, ErrInviteInvalid
	}
	inv, err := r.InviteByTokenHash(ctx, TokenHash(token))
	if errors.Is(err, ErrNotFound) {
		return nil, ErrInviteInvalid
	} else if err != nil {
		return nil, fmt.Errorf("read invite: %w", err)
	}
	if inv.AcceptedAt != nil || !s.Now().Before(inv.ExpiresAt) {
		return nil, ErrInviteInvalid
	}
	return inv, nil
}

// AcceptInvite is the accept form.
type AcceptInvite struct {
	// SessionUserID is set when a logged-in user whose email is the
	// invite's accepts it: no password is asked for.
	SessionUserID string
	Name          string // a new account's name
	Password      string // a new account's password, or an existing one's
}

// AcceptInvite makes the invited person a member and starts a session in the
// invite's workspace. The invite is bound to its email: a new account gets
// that email, an existing account proves itself with its password (or its
// session). The link then stops working.
func (s *Service) AcceptInvite(ctx context.Context, token string, in AcceptInvite, ip string) (*LoggedIn, error) {
	inv, err := s.pendingInvite(ctx, s.store, token)
	if err != nil {
		return nil, err
	}
	u, err := s.store.UserByEmail(ctx, inv.Email)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("find invited user: %w", err)
	}
	var newUser *User
	var newHash string
	switch {
	case in.SessionUserID != "":
		if u == nil || in.SessionUserID != u.ID {
			return nil, Errorf(EForbidden, "This invite is for %s. Log out and open the link again to accept it.", inv.Email)
		}
	case u != nil && u.PasswordHash != "":
		if in.Password == "" {
			errs := FieldErrors{}
			errs.Add("password", "Required")
			return nil, errs.Err()
		}
		if u, newHash, err = s.checkCredentials(ctx, inv.Email, in.Password, ip); err != nil {
			return nil, err
		}
	default:
		// A new account, or one that never set a password.
		errs := FieldErrors{}
		name := text(errs, "name", in.Name, 1, MaxPersonName)
		local, _, _ := strings.Cut(inv.Email, "@")
		checkPassword(errs, "password", in.Password, inv.Email, local, name)
		if err := errs.Err(); err != nil {
			return nil, err
		}
		hash, err := s.hashPassword(ctx, in.Password)
		if err != nil {
			return nil, err
		}
		now := s.Now()
		newUser = &User{Email: inv.Email, Name: name, PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
		if u != nil {
			newUser.ID, newUser.CreatedAt = u.ID, u.CreatedAt
		} else {
			newUser.ID = s.newID()
		}
	}

	return write(ctx, s, func(tx Tx) (*LoggedIn, error) {
		// Read the invite again inside the transaction: two tabs may race.
		inv, err := s.pendingInvite(ctx, tx, token)
		if err != nil {
			return nil, err
		}
		switch {
		case newUser != nil && u == nil:
			if err := tx.CreateUser(ctx, newUser); errors.Is(err, ErrConflict) {
				return nil, ErrInviteInvalid
			} else if err != nil {
				return nil, fmt.Errorf("create user: %w", err)
			}
			u = newUser
		case newUser != nil:
			if err := tx.UpdateUser(ctx, newUser); err != nil {
				return nil, fmt.Errorf("set password: %w", err)
			}
			u = newUser
		default:
			if err := s.storeRehash(ctx, tx, u, newHash); err != nil {
				return nil, err
			}
		}
		now := s.Now()
		if _, err := tx.Member(ctx, inv.WorkspaceID, u.ID); errors.Is(err, ErrNotFound) {
			m := &Member{WorkspaceID: inv.WorkspaceID, UserID: u.ID, Role: inv.Role, Email: u.Email, Name: u.Name, CreatedAt: now}
			if err := tx.CreateMember(ctx, m); err != nil {
				return nil, fmt.Errorf("create member: %w", err)
			}
		} else if err != nil {
			return nil, fmt.Errorf("read member: %w", err)
		}
		if err := tx.AcceptInvite(ctx, inv.WorkspaceID, inv.ID, now); err != nil {
			return nil, fmt.Errorf("accept invite: %w", err)
		}
		by := Actor{UserID: u.ID, Name: u.Name, IP: ip}
		if err := s.audit(ctx, tx, inv.WorkspaceID, by, AuditMemberJoined, u.ID, fmt.Sprintf("%s (%s)", u.Email, inv.Role)); err != nil {
			return nil, err
		}
		token, err := s.startSession(ctx, tx, u.ID, inv.WorkspaceID)
		if err != nil {
			return nil, err
		}
		return &LoggedIn{Token: token, User: *u, WorkspaceID: inv.WorkspaceID}, nil
	})
}
