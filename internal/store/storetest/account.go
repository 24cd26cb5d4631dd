package storetest

import (
	"testing"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

func testWorkspaces(t *testing.T, s helpdesk.Store) {
	ctx := t.Context()
	w := seed(t, s, "alpha")

	got, err := s.Workspace(ctx, w.WS.ID)
	noErr(t, err)
	equal(t, "Workspace", got, &w.WS)
	got, err = s.WorkspaceBySlug(ctx, "alpha")
	noErr(t, err)
	equal(t, "WorkspaceBySlug", got, &w.WS)

	_, err = s.Workspace(ctx, unknownID())
	wantNotFound(t, "Workspace(unknown)", err)
	_, err = s.WorkspaceBySlug(ctx, "nope")
	wantNotFound(t, "WorkspaceBySlug(unknown)", err)

	err = s.InTx(ctx, func(tx helpdesk.Tx) error {
		return tx.CreateWorkspace(ctx, &helpdesk.Workspace{ID: newID(), Name: "Again", Slug: "alpha", CreatedAt: at(1)})
	})
	wantConflict(t, "duplicate slug", err)
	err = s.InTx(ctx, func(tx helpdesk.Tx) error {
		return tx.CreateWorkspace(ctx, &helpdesk.Workspace{ID: w.WS.ID, Name: "Again", Slug: "other", CreatedAt: at(1)})
	})
	wantConflict(t, "duplicate workspace id", err)

	// A time in another zone is stored as its instant and read back in UTC.
	zoned := helpdesk.Workspace{ID: newID(), Name: "Zoned", Slug: "zoned",
		CreatedAt: at(0).In(time.FixedZone("UTC+5:30", 5*3600+1800))}
	inTx(t, s, func(tx helpdesk.Tx) error { return tx.CreateWorkspace(ctx, &zoned) })
	got, err = s.Workspace(ctx, zoned.ID)
	noErr(t, err)
	if got.CreatedAt.Location() != time.UTC || !got.CreatedAt.Equal(at(0)) {
		t.Errorf("zoned CreatedAt = %v, want %v in UTC", got.CreatedAt, at(0))
	}
}

func testUsers(t *testing.T, s helpdesk.Store) {
	ctx := t.Context()
	w := seed(t, s, "alpha")

	got, err := s.User(ctx, w.Owner.ID)
	noErr(t, err)
	equal(t, "User", got, &w.Owner)
	got, err = s.UserByEmail(ctx, w.Agent.Email)
	noErr(t, err)
	equal(t, "UserByEmail", got, &w.Agent)
	if got.PasswordHash != "" {
		t.Errorf("a user without a password has PasswordHash %q", got.PasswordHash)
	}

	_, err = s.User(ctx, unknownID())
	wantNotFound(t, "User(unknown)", err)
	_, err = s.UserByEmail(ctx, "nobody@alpha.example")
	wantNotFound(t, "UserByEmail(unknown)", err)

	err = s.InTx(ctx, func(tx helpdesk.Tx) error {
		return tx.CreateUser(ctx, &helpdesk.User{ID: newID(), Email: w.Owner.Email, Name: "Twin", CreatedAt: at(1), UpdatedAt: at(1)})
	})
	wantConflict(t, "duplicate user email", err)

	updated := w.Agent
	updated.Name, updated.Email, updated.PasswordHash, updated.UpdatedAt = "Renamed", "renamed@alpha.example", "$argon2id$new", at(100)
	inTx(t, s, func(tx helpdesk.Tx) error { return tx.UpdateUser(ctx, &updated) })
	got, err = s.User(ctx, w.Agent.ID)
	noErr(t, err)
	equal(t, "updated user", got, &updated)

	err = s.InTx(ctx, func(tx helpdesk.Tx) error {
		u := updated
		u.Email = w.Owner.Email
		return tx.UpdateUser(ctx, &u)
	})
	wantConflict(t, "UpdateUser to a taken email", err)
	err = s.InTx(ctx, func(tx helpdesk.Tx) error {
		return tx.UpdateUser(ctx, &helpdesk.User{ID: unknownID(), Email: "x@alpha.example", UpdatedAt: at(1)})
	})
	wantNotFound(t, "UpdateUser(unknown)", err)
}

func testMembers(t *testing.T, s helpdesk.Store) {
	ctx := t.Context()
	// A user whose id sorts first but who joins last: lists follow joining.
	late := helpdesk.User{ID: newID(), Email: "late@alpha.example", Name: "Late", CreatedAt: at(0), UpdatedAt: at(0)}
	a := seed(t, s, "alpha")
	b := seed(t, s, "beta")

	owner := helpdesk.Member{WorkspaceID: a.WS.ID, UserID: a.Owner.ID, Role: helpdesk.RoleOwner,
		Email: a.Owner.Email, Name: a.Owner.Name, CreatedAt: at(1)}
	agent := helpdesk.Member{WorkspaceID: a.WS.ID, UserID: a.Agent.ID, Role: helpdesk.RoleAgent,
		Email: a.Agent.Email, Name: a.Agent.Name, CreatedAt: at(2)}

	lateMember := helpdesk.Member{WorkspaceID: a.WS.ID, UserID: late.ID, Role: helpdesk.RoleAdmin,
		Email: late.Email, Name: late.Name, CreatedAt: at(60)}
	inTx(t, s, func(tx helpdesk.Tx) error {
		if err := tx.CreateUser(ctx, &late); err != nil {
			return err
		}
		return tx.CreateMember(ctx, &lateMember)
	})

	got, err := s.Member(ctx, a.WS.ID, a.Owner.ID)
	noErr(t, err)
	equal(t, "Member", got, &owner)
	members, err := s.Members(ctx, a.WS.ID)
	noErr(t, err)
	equal(t, "Members (in joining order)", members, []helpdesk.Member{owner, agent, lateMember})

	// alpha's owner also joins beta, later: memberships list oldest first.
	inTx(t, s, func(tx helpdesk.Tx) error {
		return tx.CreateMember(ctx, &helpdesk.Member{WorkspaceID: b.WS.ID, UserID: a.Owner.ID, Role: helpdesk.RoleAdmin, CreatedAt: at(50)})
	})
	mine, err := s.MembershipsOfUser(ctx, a.Owner.ID)
	noErr(t, err)
	equal(t, "MembershipsOfUser", mine, []helpdesk.Member{owner, {WorkspaceID: b.WS.ID, UserID: a.Owner.ID,
		Role: helpdesk.RoleAdmin, Email: a.Owner.Email, Name: a.Owner.Name, CreatedAt: at(50)}})
	none, err := s.MembershipsOfUser(ctx, unknownID())
	noErr(t, err)
	equal(t, "MembershipsOfUser(unknown)", len(none), 0)

	err = s.InTx(ctx, func(tx helpdesk.Tx) error {
		return tx.CreateMember(ctx, &helpdesk.Member{WorkspaceID: a.WS.ID, UserID: a.Agent.ID, Role: helpdesk.RoleAdmin, CreatedAt: at(3)})
	})
	wantConflict(t, "duplicate membership", err)

	n, err := s.CountOwners(ctx, a.WS.ID)
	noErr(t, err)
	equal(t, "CountOwners", n, 1)
	inTx(t, s, func(tx helpdesk.Tx) error { return tx.UpdateMemberRole(ctx, a.WS.ID, a.Agent.ID, helpdesk.RoleOwner) })
	n, err = s.CountOwners(ctx, a.WS.ID)
	noErr(t, err)
	equal(t, "CountOwners after promotion", n, 2)
	got, err = s.Member(ctx, a.WS.ID, a.Agent.ID)
	noErr(t, err)
	equal(t, "promoted role", got.Role, helpdesk.RoleOwner)

	inTx(t, s, func(tx helpdesk.Tx) error { return tx.DeleteMember(ctx, a.WS.ID, a.Agent.ID) })
	_, err = s.Member(ctx, a.WS.ID, a.Agent.ID)
	wantNotFound(t, "deleted member", err)

	_, err = s.Member(ctx, a.WS.ID, unknownID())
	wantNotFound(t, "Member(unknown)", err)
	err = s.InTx(ctx, func(tx helpdesk.Tx) error { return tx.UpdateMemberRole(ctx, a.WS.ID, unknownID(), helpdesk.RoleAdmin) })
	wantNotFound(t, "UpdateMemberRole(unknown)", err)
	err = s.InTx(ctx, func(tx helpdesk.Tx) error { return tx.DeleteMember(ctx, a.WS.ID, a.Agent.ID) })
	wantNotFound(t, "DeleteMember(already deleted)", err)
}

func testSessions(t *testing.T, s helpdesk.Store) {
	ctx := t.Context()
	w := seed(t, s, "alpha")

	got, err := s.Session(ctx, w.Session.TokenHash)
	noErr(t, err)
	equal(t, "Session", got, &w.Session)
	_, err = s.Session(ctx, []byte("no such token"))
	wantNotFound(t, "Session(unknown)", err)
	err = s.InTx(ctx, func(tx helpdesk.Tx) error { return tx.CreateSession(ctx, &w.Session) })
	wantConflict(t, "duplicate session token", err)

	inTx(t, s, func(tx helpdesk.Tx) error { return tx.TouchSession(ctx, w.Session.TokenHash, at(500)) })
	got, err = s.Session(ctx, w.Session.TokenHash)
	noErr(t, err)
	equal(t, "LastSeenAt after touch", got.LastSeenAt, at(500))
	err = s.InTx(ctx, func(tx helpdesk.Tx) error { return tx.TouchSession(ctx, []byte("gone"), at(500)) })
	wantNotFound(t, "TouchSession(unknown)", err)

	inTx(t, s, func(tx helpdesk.Tx) error { return tx.DeleteSession(ctx, w.Session.TokenHash) })
	_, err = s.Session(ctx, w.Session.TokenHash)
	wantNotFound(t, "deleted session", err)
	inTx(t, s, func(tx helpdesk.Tx) error { return tx.DeleteSession(ctx, w.Session.TokenHash) }) // idempotent

	// Several sessions of one user end together.
	var hashes [][]byte
	inTx(t, s, func(tx helpdesk.Tx) error {
		for i := range 3 {
			h := []byte{'u', byte(i)}
			hashes = append(hashes, h)
			if err := tx.CreateSession(ctx, &helpdesk.Session{TokenHash: h, UserID: w.Agent.ID, WorkspaceID: w.WS.ID,
				CreatedAt: at(0), LastSeenAt: at(0), ExpiresAt: at(1000)}); err != nil {
				return err
			}
		}
		return tx.CreateSession(ctx, &w.Session) // the owner's, which must survive
	})
	inTx(t, s, func(tx helpdesk.Tx) error { return tx.DeleteUserSessions(ctx, w.Agent.ID) })
	for _, h := range hashes {
		_, err := s.Session(ctx, h)
		wantNotFound(t, "session after DeleteUserSessions", err)
	}
	_, err = s.Session(ctx, w.Session.TokenHash)
	noErr(t, err)
}

func testInvites(t *testing.T, s helpdesk.Store) {
	ctx := t.Context()
	w := seed(t, s, "alpha")

	got, err := s.InviteByTokenHash(ctx, w.Invite.TokenHash)
	noErr(t, err)
	equal(t, "InviteByTokenHash", got, &w.Invite)
	_, err = s.InviteByTokenHash(ctx, []byte("nope"))
	wantNotFound(t, "InviteByTokenHash(unknown)", err)

	later := helpdesk.Invite{ID: newID(), WorkspaceID: w.WS.ID, Email: "cli@alpha.example", Role: helpdesk.RoleOwner,
		TokenHash: []byte("later"), InvitedBy: helpdesk.ActorCLI, CreatedAt: at(100), ExpiresAt: at(200)}
	inTx(t, s, func(tx helpdesk.Tx) error { return tx.CreateInvite(ctx, &later) })
	list, err := s.Invites(ctx, w.WS.ID)
	noErr(t, err)
	equal(t, "Invites (newest first)", list, []helpdesk.Invite{later, w.Invite})

	dup := later
	dup.ID = newID()
	err = s.InTx(ctx, func(tx helpdesk.Tx) error { return tx.CreateInvite(ctx, &dup) })
	wantConflict(t, "duplicate invite token", err)

	inTx(t, s, func(tx helpdesk.Tx) error { return tx.AcceptInvite(ctx, w.WS.ID, w.Invite.ID, at(300)) })
	got, err = s.InviteByTokenHash(ctx, w.Invite.TokenHash)
	noErr(t, err)
	if got.AcceptedAt == nil || !got.AcceptedAt.Equal(at(300)) {
		t.Errorf("AcceptedAt = %v, want %v", got.AcceptedAt, at(300))
	}
	err = s.InTx(ctx, func(tx helpdesk.Tx) error { return tx.AcceptInvite(ctx, w.WS.ID, w.Invite.ID, at(301)) })
	wantConflict(t, "accepting an invite twice", err)
	err = s.InTx(ctx, func(tx helpdesk.Tx) error { return tx.AcceptInvite(ctx, w.WS.ID, unknownID(), at(301)) })
	wantNotFound(t, "AcceptInvite(unknown)", err)

	inTx(t, s, func(tx helpdesk.Tx) error { return tx.DeleteInvite(ctx, w.WS.ID, later.ID) })
	_, err = s.InviteByTokenHash(ctx, later.TokenHash)
	wantNotFound(t, "deleted invite", err)
	err = s.InTx(ctx, func(tx helpdesk.Tx) error { return tx.DeleteInvite(ctx, w.WS.ID, later.ID) })
	wantNotFound(t, "DeleteInvite(already deleted)", err)
}
