package storecopy

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// continueSequences moves each sequence of a copied table past the highest
// value copied into its column, and past SQLite's AUTOINCREMENT high-water
// mark for a rowid column: an events seq is never handed out twice, even
// one whose event was pruned, so a client's feed cursor never lands before
// a new event. The store's blocks of event seqs (nextval in bulk) start
// after it too.
func continueSequences(ctx context.Context, tx pgx.Tx, s *pgSchema, p tablePlan, highWater map[string]int64) error {
	for _, sq := range p.sequences {
		var top *int64
		q := `SELECT max(` + pgx.Identifier{sq.column}.Sanitize() + `) FROM ` + qualified(s, p.name)
		if err := tx.QueryRow(ctx, q).Scan(&top); err != nil {
			return fmt.Errorf("highest %s.%s: %w", p.name, sq.column, err)
		}
		var last int64
		if top != nil {
			last = *top
		}
		if sq.rowid {
			last = max(last, highWater[p.name])
		}
		if last < 1 {
			continue // nothing was handed out: the sequence starts where it is
		}
		if _, err := tx.Exec(ctx, `SELECT setval($1::regclass, $2, true)`, sq.sequence, last); err != nil {
			return fmt.Errorf("continue sequence %s after %d: %w", sq.sequence, last, err)
		}
	}
	return nil
}

// checkTicketCounters refuses a workspace whose ticket counter (the last
// number handed out, which the next ticket's number follows) lies below one
// of its tickets' numbers: the next create would collide. The counter is a
// column, copied as it is; this is the one counter that is not a sequence.
func checkTicketCounters(ctx context.Context, tx pgx.Tx, s *pgSchema) error {
	var id string
	err := tx.QueryRow(ctx, `SELECT w.id FROM `+qualified(s, "workspaces")+` w
		WHERE w.ticket_seq < (SELECT max(t.number) FROM `+qualified(s, "tickets")+` t WHERE t.workspace_id = w.id)
		LIMIT 1`).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check ticket counters: %w", err)
	}
	return fmt.Errorf("workspace %s: its ticket counter is below its highest ticket number", id)
}
