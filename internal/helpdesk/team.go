package helpdesk

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// AuditInviteRevoked records an invite link withdrawn before it was used.
const AuditInviteRevoked = "member.invite_revoked"

// Team rules: owners and admins manage the team; only an owner may make
// someone an owner, change an owner's role or remove an owner; and a
// workspace always keeps at least one owner. Each rule is checked inside the
// transaction that makes the change, so two admins acting at once cannot
// together remove the last owner.

// Members lists the workspace's members, as the store orders them.
func (s *Service) Members(ctx context.Context, workspaceID string) ([]Member, error) {
	return s.store.Members(ctx, workspaceID)
}

// Member returns one member of the workspace.
func (s *Service) Member(ctx context.Context, workspaceID, userID string) (*Member, error) {
	return s.store.Member(ctx, workspaceID, userID)
}

// PendingInvites lists the workspace's invites that have not been accepted,
// newest first; expired ones are included so the team can see and withdraw
// them.
func (s *Service) PendingInvites(ctx context.Context, workspaceID string) ([]Invite, error) {
	all, err := s.store.Invites(ctx, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("list invites: %w", err)
	}
	out := make([]Invite, 0, len(all))
	for _, inv := range all {
		if inv.AcceptedAt == nil {
			out = append(out, inv)
		}
	}
	slices.SortStableFunc(out, func(a, b Invite) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return out, nil
}

// CreatedInvite is a new invite and its one-time token, which exists only in
// this value: the store keeps its hash.
type CreatedInvite struct {
	Email string
	Role  Role
	Token string
}

// InviteMember makes a one-time link for email to join the workspace with
// role. A pending invite for the same email is replaced, so there is one
// live link per person.
func (s *Service) InviteMember(ctx context.Context, workspaceID string, by Actor, emailAddr string, role Role) (*CreatedInvite, error) {
	errs := FieldErrors{}
	addr := email(errs, "email", emailAddr)
	if !role.Valid() {
		errs.Add("role", "Choose owner, admin or agent")
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return write(ctx, s, func(tx Tx) (*CreatedInvite, error) {
		actor, err := requireManager(ctx, tx, workspaceID, by)
		if err != nil {
			return nil, err
		}
		if role == RoleOwner && actor.Role != RoleOwner {
			return nil, Errorf(EForbidden, "Only an owner can invite another owner")
		}
		members, err := tx.Members(ctx, workspaceID)
		if err != nil {
			return nil, fmt.Errorf("list members: %w", err)
		}
		if slices.ContainsFunc(members, func(m Member) bool { return NormalizeEmail(m.Email) == addr }) {
			errs.Add("email", "This person is already a member of the workspace")
			return nil, errs.Err()
		}
		invites, err := tx.Invites(ctx, workspaceID)
		if err != nil {
			return nil, fmt.Errorf("list invites: %w", err)
		}
		for _, inv := range invites {
			if inv.AcceptedAt == nil && inv.Email == addr {
				if err := tx.DeleteInvite(ctx, workspaceID, inv.ID); err != nil {
					return nil, fmt.Errorf("replace invite: %w", err)
				}
			}
		}
		token, err := s.createInvite(ctx, tx, workspaceID, addr, role, by)
		if err != nil {
			return nil, err
		}
		return &CreatedInvite{Email: addr, Role: role, Token: token}, nil
	})
}

// RevokeInvite withdraws a pending invite; its link stops working at once.
func (s *Service) RevokeInvite(ctx context.Context, workspaceID string, by Actor, inviteID string) error {
	_, err := write(ctx, s, func(tx Tx) (struct{}, error) {
		if _, err := requireManager(ctx, tx, workspaceID, by); err != nil {
			return struct{}{}, err
		}
		invites, err := tx.Invites(ctx, workspaceID)
		if err != nil {
			return struct{}{}, fmt.Errorf("list invites: %w", err)
		}
		i := slices.IndexFunc(invites, func(inv Invite) bool { return inv.ID == inviteID && inv.AcceptedAt == nil })
		if i < 0 {
			return struct{}{}, ErrNotFound
		}
		if err := tx.DeleteInvite(ctx, workspaceID, inviteID); err != nil {
			return struct{}{}, fmt.Errorf("delete invite: %w", err)
		}
		return struct{}{}, s.audit(ctx, tx, workspaceID, by, AuditInviteRevoked, invites[i].Email, string(invites[i].Role))
	})
	return err
}

// ChangeRole gives a member another role.
func (s *Service) ChangeRole(ctx context.Context, workspaceID string, by Actor, userID string, role Role) (*Member, error) {
	if !role.Valid() {
		errs := FieldErrors{}
		errs.Add("role", "Choose owner, admin or agent")
		return nil, errs.Err()
	}
	return write(ctx, s, func(tx Tx) (*Member, error) {
		actor, err := requireManager(ctx, tx, workspaceID, by)
		if err != nil {
			return nil, err
		}
		target, err := tx.Member(ctx, workspaceID, userID)
		if err != nil {
			return nil, err
		}
		if target.Role == role {
			return target, nil
		}
		if (target.Role == RoleOwner || role == RoleOwner) && actor.Role != RoleOwner {
			return nil, Errorf(EForbidden, "Only an owner can make someone an owner or change an owner's role")
		}
		if target.Role == RoleOwner {
			if err := keepAnOwner(ctx, tx, workspaceID, "demote"); err != nil {
				return nil, err
			}
		}
		if err := tx.UpdateMemberRole(ctx, workspaceID, userID, role); err != nil {
			return nil, fmt.Errorf("change role: %w", err)
		}
		if err := s.audit(ctx, tx, workspaceID, by, AuditRoleChanged, userID,
			fmt.Sprintf("%s: %s → %s", target.Email, target.Role, role)); err != nil {
			return nil, err
		}
		target.Role = role
		return target, nil
	})
}

// RemoveMember takes a member out of the workspace and ends all of the
// user's sessions (the store can only end them all; the user logs in again
// to reach their other workspaces). Tickets assigned to them keep the
// assignment, shown under the former member's name, until someone reassigns.
func (s *Service) RemoveMember(ctx context.Context, workspaceID string, by Actor, userID string) error {
	_, err := write(ctx, s, func(tx Tx) (struct{}, error) {
		actor, err := requireManager(ctx, tx, workspaceID, by)
		if err != nil {
			return struct{}{}, err
		}
		target, err := tx.Member(ctx, workspaceID, userID)
		if err != nil {
			return struct{}{}, err
		}
		if target.Role == RoleOwner {
			if actor.Role != RoleOwner {
				return struct{}{}, Errorf(EForbidden, "Only an owner can remove an owner")
			}
			if err := keepAnOwner(ctx, tx, workspaceID, "remove"); err != nil {
				return struct{}{}, err
			}
		}
		if err := tx.DeleteMember(ctx, workspaceID, userID); err != nil {
			return struct{}{}, fmt.Errorf("remove member: %w", err)
		}
		if err := tx.DeleteUserSessions(ctx, userID); err != nil {
			return struct{}{}, fmt.Errorf("end sessions: %w", err)
		}
		return struct{}{}, s.audit(ctx, tx, workspaceID, by, AuditMemberRemoved, userID, fmt.Sprintf("%s (%s)", target.Email, target.Role))
	})
	return err
}

// keepAnOwner refuses a change that would leave the workspace without an
// owner: it runs when an owner is about to stop being one.
func keepAnOwner(ctx context.Context, tx Tx, workspaceID, verb string) error {
	n, err := tx.CountOwners(ctx, workspaceID)
	if err != nil {
		return fmt.Errorf("count owners: %w", err)
	}
	if n <= 1 {
		return Errorf(EConflict, "You cannot %s the last owner: make someone else an owner first", verb)
	}
	return nil
}

// requireManager returns the acting member when they are an owner or admin
// of the workspace, and EForbidden otherwise.
func requireManager(ctx context.Context, tx Reader, workspaceID string, by Actor) (*Member, error) {
	if by.UserID == "" {
		return nil, Errorf(EForbidden, "Only owners and admins can do this")
	}
	m, err := tx.Member(ctx, workspaceID, by.UserID)
	if errors.Is(err, ErrNotFound) || (err == nil && !m.Role.CanManage()) {
		return nil, Errorf(EForbidden, "Only owners and admins can do this")
	} else if err != nil {
		return nil, fmt.Errorf("read acting member: %w", err)
	}
	return m, nil
}
