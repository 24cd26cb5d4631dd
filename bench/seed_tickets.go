package main

import (
	"context"
	"encoding/json"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// tickets writes the big workspace's tickets oldest first, spread evenly over
// the history, with a realistic mix of statuses, priorities, sources,
// assignees, conversations and a few merges.
func (s *seeder) tickets(ctx context.Context) error {
	span := time.Duration(s.opts.HistoryDays) * 24 * time.Hour
	step := span / time.Duration(max(1, s.opts.Tickets))
	start := s.now.Add(-span)
	var recent []string // recent tickets, candidates to merge into
	for lo := 0; lo < s.opts.Tickets; lo += s.opts.Batch {
		hi := min(s.opts.Tickets, lo+s.opts.Batch)
		err := s.store.InTx(ctx, func(tx helpdesk.Tx) error {
			for i := lo; i < hi; i++ {
				created := start.Add(time.Duration(i) * step)
				c := s.customerRows[s.rng.IntN(len(s.customerRows))]
				var assignee *string
				if len(s.fx.AgentIDs) > 0 && s.rng.IntN(10) < 6 {
					assignee = &s.fx.AgentIDs[s.rng.IntN(len(s.fx.AgentIDs))]
				}
				var merged *string
				if len(recent) > 0 && s.rng.IntN(200) == 0 { // 0.5 % merged into an earlier ticket
					merged = &recent[s.rng.IntN(len(recent))]
				}
				t, err := s.ticket(ctx, tx, s.fx.WorkspaceID, s.fx.InboxID, c, assignee, created, merged)
				if err != nil {
					return err
				}
				if merged == nil {
					s.fx.TicketIDs = append(s.fx.TicketIDs, t.ID)
					if len(recent) < 64 {
						recent = append(recent, t.ID)
					} else {
						recent[s.rng.IntN(len(recent))] = t.ID
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// ticket writes one ticket the way Service.CreateTicket does (next number,
// ticket, ticket.created event), then its conversation and its later status.
func (s *seeder) ticket(ctx context.Context, tx helpdesk.Tx, workspaceID, inboxID string, c *helpdesk.Customer, assignee *string, created time.Time, mergedInto *string) (*helpdesk.Ticket, error) {
	n, err := tx.NextTicketNumber(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	t := &helpdesk.Ticket{
		ID: s.id(created), WorkspaceID: workspaceID, Number: n,
		Subject:     s.subject(),
		Description: s.paragraphs(1+s.rng.IntN(2), 30, 120),
		Status:      helpdesk.StatusNew, Priority: weighted(s.rng, priorities), Source: weighted(s.rng, sources),
		InboxID: inboxID, CustomerID: c.ID, AssigneeID: assignee,
		CreatedAt: created, UpdatedAt: created,
	}
	if err := tx.CreateTicket(ctx, t); err != nil {
		return nil, err
	}
	if err := s.ticketEvent(ctx, tx, helpdesk.EventTicketCreated, t, c.Email, created); err != nil {
		return nil, err
	}
	s.fx.Counts.Tickets++
	updated := created
	for m := range s.rng.IntN(s.opts.MessagesPerTicket + 1) {
		at := created.Add(time.Duration(m+1) * time.Duration(1+s.rng.IntN(180)) * time.Minute)
		if at.After(s.now) {
			at = s.now
		}
		msg := &helpdesk.Message{
			ID: s.id(at), WorkspaceID: workspaceID, TicketID: t.ID, Body: s.paragraphs(1+s.rng.IntN(2), 20, 120),
			Source: t.Source, CreatedAt: at,
		}
		if m%2 == 0 {
			msg.AuthorType, msg.AuthorName = helpdesk.AuthorAgent, "Support"
		} else {
			msg.AuthorType, msg.AuthorName = helpdesk.AuthorCustomer, c.Email
			if c.Name != nil {
				msg.AuthorName = *c.Name
			}
		}
		if err := tx.CreateMessage(ctx, msg); err != nil {
			return nil, err
		}
		if err := s.messageEvent(ctx, tx, t, msg); err != nil {
			return nil, err
		}
		s.fx.Counts.Messages++
		updated = at
	}
	status := weighted(s.rng, statuses)
	if mergedInto != nil {
		status = helpdesk.StatusClosed
	}
	if status != t.Status || updated != created || mergedInto != nil {
		t.Status, t.UpdatedAt, t.MergedIntoID = status, updated, mergedInto
		if err := tx.UpdateTicket(ctx, t); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// Events carry the payload shape of SPEC §4, so the outbox is the size it
// would be in production.
func (s *seeder) ticketEvent(ctx context.Context, tx helpdesk.Tx, typ string, t *helpdesk.Ticket, email string, at time.Time) error {
	return s.event(ctx, tx, t.WorkspaceID, typ, at, map[string]any{
		"ticket_id": t.ID, "ticket_number": t.Number, "subject": t.Subject, "status": t.Status,
		"priority": t.Priority, "source": t.Source, "inbox_id": t.InboxID, "assignee_id": t.AssigneeID,
		"customer_id": t.CustomerID, "customer_email": email,
	})
}

func (s *seeder) messageEvent(ctx context.Context, tx helpdesk.Tx, t *helpdesk.Ticket, m *helpdesk.Message) error {
	return s.event(ctx, tx, t.WorkspaceID, helpdesk.EventTicketMessageCreated, m.CreatedAt, map[string]any{
		"ticket_id": t.ID, "ticket_number": t.Number, "message_id": m.ID,
		"author_type": m.AuthorType, "author_name": m.AuthorName, "body": m.Body,
	})
}

func (s *seeder) customerEvent(ctx context.Context, tx helpdesk.Tx, c *helpdesk.Customer) error {
	return s.event(ctx, tx, c.WorkspaceID, helpdesk.EventCustomerCreated, c.CreatedAt, map[string]any{
		"customer_id": c.ID, "email": c.Email, "name": c.Name,
	})
}

// eventRetention is how long the product keeps events (SPEC §3.6); older
// ones would have been pruned, so the seed does not write them.
const eventRetention = 30 * 24 * time.Hour

func (s *seeder) event(ctx context.Context, tx helpdesk.Tx, workspaceID, typ string, at time.Time, fields map[string]any) error {
	if at.Before(s.now.Add(-eventRetention)) {
		return nil
	}
	id := s.id(at)
	fields["event_type"], fields["event_id"], fields["created_at"], fields["workspace_id"] = typ, id, helpdesk.FormatTime(at), workspaceID
	payload, err := json.Marshal(fields)
	if err != nil {
		return err
	}
	ev := &helpdesk.Event{ID: id, WorkspaceID: workspaceID, Type: typ, Payload: payload, CreatedAt: at}
	if err := tx.CreateEvent(ctx, ev); err != nil {
		return err
	}
	// A live server fanned these out to webhooks long ago. Left pending, the
	// dispatcher would spend the first seconds of the run on them, and the
	// planner statistics taken when the seeding store closes would describe
	// an outbox of 17,000 waiting events instead of an almost empty one.
	if err := tx.MarkEventsFannedOut(ctx, []int64{ev.Seq}); err != nil {
		return err
	}
	s.fx.Counts.Events++
	return nil
}
