package helpdesk

import (
	"context"
	"fmt"
	"strings"
)

// Inboxes lists the workspace's inboxes.
func (s *Service) Inboxes(ctx context.Context, workspaceID string) ([]Inbox, error) {
	return s.store.Inboxes(ctx, workspaceID)
}

// Inbox returns one inbox of the workspace.
func (s *Service) Inbox(ctx context.Context, workspaceID, id string) (*Inbox, error) {
	return s.store.Inbox(ctx, workspaceID, id)
}

// CreateInbox adds an inbox (owners and admins). Names are unique within a
// workspace, compared without regard to case, so a filter by inbox is never
// ambiguous.
func (s *Service) CreateInbox(ctx context.Context, workspaceID string, by Actor, name string) (*Inbox, error) {
	errs := FieldErrors{}
	name = text(errs, "name", name, 1, MaxInboxName)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return write(ctx, s, func(tx Tx) (*Inbox, error) {
		if _, err := requireManager(ctx, tx, workspaceID, by); err != nil {
			return nil, err
		}
		if err := inboxNameFree(ctx, tx, workspaceID, "", name); err != nil {
			return nil, err
		}
		in := &Inbox{ID: s.newID(), WorkspaceID: workspaceID, Name: name, CreatedAt: s.Now()}
		if err := tx.CreateInbox(ctx, in); err != nil {
			return nil, fmt.Errorf("create inbox: %w", err)
		}
		return in, nil
	})
}

// RenameInbox renames an inbox (owners and admins).
func (s *Service) RenameInbox(ctx context.Context, workspaceID string, by Actor, id, name string) (*Inbox, error) {
	errs := FieldErrors{}
	name = text(errs, "name", name, 1, MaxInboxName)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return write(ctx, s, func(tx Tx) (*Inbox, error) {
		if _, err := requireManager(ctx, tx, workspaceID, by); err != nil {
			return nil, err
		}
		in, err := tx.Inbox(ctx, workspaceID, id)
		if err != nil {
			return nil, err
		}
		if err := inboxNameFree(ctx, tx, workspaceID, id, name); err != nil {
			return nil, err
		}
		if err := tx.RenameInbox(ctx, workspaceID, id, name); err != nil {
			return nil, fmt.Errorf("rename inbox: %w", err)
		}
		in.Name = name
		return in, nil
	})
}

// SetDefaultInbox makes an inbox the one API tickets land in (owners and
// admins).
func (s *Service) SetDefaultInbox(ctx context.Context, workspaceID string, by Actor, id string) (*Inbox, error) {
	return write(ctx, s, func(tx Tx) (*Inbox, error) {
		if _, err := requireManager(ctx, tx, workspaceID, by); err != nil {
			return nil, err
		}
		in, err := tx.Inbox(ctx, workspaceID, id)
		if err != nil {
			return nil, err
		}
		if in.IsDefault {
			return in, nil
		}
		if err := tx.SetDefaultInbox(ctx, workspaceID, id); err != nil {
			return nil, fmt.Errorf("set default inbox: %w", err)
		}
		in.IsDefault = true
		return in, nil
	})
}

func inboxNameFree(ctx context.Context, tx Tx, workspaceID, exceptID, name string) error {
	all, err := tx.Inboxes(ctx, workspaceID)
	if err != nil {
		return fmt.Errorf("list inboxes: %w", err)
	}
	for _, in := range all {
		if in.ID != exceptID && strings.EqualFold(in.Name, name) {
			errs := FieldErrors{}
			errs.Add("name", "An inbox with this name already exists")
			return errs.Err()
		}
	}
	return nil
}
