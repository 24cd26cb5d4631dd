package postgres

import (
	"context"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// Workspaces are tenant rows too: a workspace's row is visible to
// transactions working for it. Finding one by slug is the only look-up
// that crosses workspaces, and goes through a definer function.

const workspaceColumns = `id, name, slug, created_at`

func scanWorkspace(row scanner) (*helpdesk.Workspace, error) {
	var w helpdesk.Workspace
	if err := row.Scan(&w.ID, &w.Name, &w.Slug, &w.CreatedAt); err != nil {
		return nil, err
	}
	return &w, nil
}

func (r reader) Workspace(ctx context.Context, id string) (*helpdesk.Workspace, error) {
	w, err := scanWorkspace(r.queryRow(ctx, id, `SELECT `+workspaceColumns+` FROM workspaces WHERE id = $1`, id))
	if err != nil {
		return nil, wrapErr(err, "workspace %s", id)
	}
	return w, nil
}

func (r reader) WorkspaceBySlug(ctx context.Context, slug string) (*helpdesk.Workspace, error) {
	w, err := scanWorkspace(r.queryRow(ctx, "",
		`SELECT `+workspaceColumns+` FROM tixallo_workspace_by_slug($1)`, slug))
	if err != nil {
		return nil, wrapErr(err, "workspace %q", slug)
	}
	return w, nil
}

func (t *txn) CreateWorkspace(ctx context.Context, w *helpdesk.Workspace) error {
	return t.insert(ctx, w.ID, "create workspace "+w.Slug,
		`INSERT INTO workspaces (id, name, slug, created_at) VALUES ($1, $2, $3, $4)`,
		w.ID, w.Name, w.Slug, w.CreatedAt)
}

// NextTicketNumber increments the workspace's counter. The UPDATE holds the
// row's lock until the transaction ends, so a concurrent creator in any
// process waits for this one to commit (and then reads its number) or roll
// back (and then reuses it): numbers are gapless and never handed out twice.
// FOR NO KEY UPDATE strength, which an UPDATE of a non-key column takes,
// does not block the foreign-key checks of inserts into the workspace.
//
// Within a group-commit batch the lock is taken by the first member that
// needs it and held until the batch commits, and from then on nobody else
// can move the counter: the members after it count on from the value it
// read, without a statement, and the committer writes the batch's last
// number with its COMMIT (committer.commit). Updating the row once per
// ticket would leave a version of it per ticket for every foreign-key check
// of the batch to step over.
func (t *txn) NextTicketNumber(ctx context.Context, workspaceID string) (int64, error) {
	if n, ok := t.tx.seq[workspaceID]; ok {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		t.tx.seq[workspaceID] = n + 1
		return n + 1, nil
	}
	// The ticket's event will want seqs, which must be taken under this
	// lock: take them in the same round trip.
	reserve := len(t.tx.seqs) == 0 || !t.tx.seqsCover[workspaceID]
	stmts := []stmt{{`UPDATE workspaces SET ticket_seq = ticket_seq + 1 WHERE id = $1 RETURNING ticket_seq`,
		[]any{workspaceID}}}
	if reserve {
		stmts = append(stmts, reserveSeqsStmt)
	}
	br, err := t.pipeline(ctx, workspaceID, stmts...)
	if err != nil {
		return 0, wrapErr(err, "next ticket number of workspace %s", workspaceID)
	}
	defer br.Close()
	var n int64
	if err := t.note(br.QueryRow().Scan(&n)); err != nil {
		return 0, wrapErr(err, "next ticket number of workspace %s", workspaceID)
	}
	var seqs []int64
	if reserve {
		if err := t.note(br.QueryRow().Scan(&seqs)); err != nil {
			return 0, wrapErr(err, "event seqs of workspace %s", workspaceID)
		}
	}
	if err := t.note(br.Close()); err != nil {
		return 0, wrapErr(err, "next ticket number of workspace %s", workspaceID)
	}
	t.tx.lock(workspaceID) // CreateEvent need not lock it again
	if t.tx.seq == nil {
		t.tx.seq = map[string]int64{}
	}
	if t.tx.stored == nil {
		t.tx.stored = map[string]int64{}
	}
	t.tx.seq[workspaceID], t.tx.stored[workspaceID] = n, n
	if reserve {
		t.tx.useSeqs(seqs)
	}
	return n, nil
}
