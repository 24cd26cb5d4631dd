package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

func testAuditEntries(t *testing.T, s helpdesk.Store) {
	ctx := t.Context()
	w := seed(t, s, "alpha") // an entry by the owner at at(13)

	cli := helpdesk.AuditEntry{ID: newID(), WorkspaceID: w.WS.ID, Action: helpdesk.AuditMemberInvited,
		ActorID: helpdesk.ActorCLI, ActorName: "CLI", Target: "new@alpha.example", Detail: "owner", CreatedAt: at(20)}
	api := helpdesk.AuditEntry{ID: newID(), WorkspaceID: w.WS.ID, Action: helpdesk.AuditKeyReuse,
		ActorID: "api:" + w.Key.KeyID, ActorName: "API key tix_" + w.Key.KeyID + "…", Target: w.Key.KeyID,
		Detail: "revoked", IP: "2001:db8::1", CreatedAt: at(30)}
	inTx(t, s, func(tx helpdesk.Tx) error {
		if err := tx.CreateAuditEntry(ctx, &cli); err != nil {
			return err
		}
		return tx.CreateAuditEntry(ctx, &api)
	})

	before := func(tm time.Time) helpdesk.AuditCursor { return helpdesk.AuditCursor{CreatedAt: tm} }
	list, err := s.AuditEntries(ctx, w.WS.ID, before(at(1000)), 0)
	noErr(t, err)
	equal(t, "AuditEntries (newest first, actor names)", list, []helpdesk.AuditEntry{api, cli, w.Audit})
	list, err = s.AuditEntries(ctx, w.WS.ID, before(at(30)), 10)
	noErr(t, err)
	equal(t, "AuditEntries before a time (exclusive)", list, []helpdesk.AuditEntry{cli, w.Audit})
	list, err = s.AuditEntries(ctx, w.WS.ID, before(at(1000)), 1)
	noErr(t, err)
	equal(t, "AuditEntries with a limit", list, []helpdesk.AuditEntry{api})

	// Entries of one microsecond are paged through one by one by their
	// cursors, none skipped and none repeated.
	var same []helpdesk.AuditEntry
	for range 5 {
		same = append(same, helpdesk.AuditEntry{ID: newID(), WorkspaceID: w.WS.ID, Action: helpdesk.AuditMemberInvited,
			ActorID: helpdesk.ActorCLI, ActorName: "CLI", Target: "tie@alpha.example", CreatedAt: at(40)})
	}
	inTx(t, s, func(tx helpdesk.Tx) error {
		for i := range same {
			if err := tx.CreateAuditEntry(ctx, &same[i]); err != nil {
				return err
			}
		}
		return nil
	})
	var paged []helpdesk.AuditEntry
	for c := before(at(1000)); ; {
		page, err := s.AuditEntries(ctx, w.WS.ID, c, 2)
		noErr(t, err)
		if len(page) == 0 {
			break
		}
		paged = append(paged, page...)
		c = page[len(page)-1].Cursor()
	}
	if len(paged) != len(same)+3 {
		t.Fatalf("paging by (created_at, id): %d entries, want %d", len(paged), len(same)+3)
	}
	for i := 1; i < len(paged); i++ {
		a, b := paged[i-1], paged[i]
		if a.CreatedAt.Before(b.CreatedAt) || (a.CreatedAt.Equal(b.CreatedAt) && a.ID <= b.ID) {
			t.Fatalf("paging by (created_at, id): entry %d (%v %s) before entry %d (%v %s)", i-1, a.CreatedAt, a.ID, i, b.CreatedAt, b.ID)
		}
	}

	err = s.InTx(ctx, func(tx helpdesk.Tx) error { return tx.CreateAuditEntry(ctx, &cli) })
	wantConflict(t, "duplicate audit entry id", err)
}

func testEvents(t *testing.T, s helpdesk.Store) {
	ctx := t.Context()
	a := seed(t, s, "alpha")
	b := seed(t, s, "beta")

	// Interleave two workspaces' events; each workspace's feed is in order.
	var mine []helpdesk.Event
	var last int64
	inTx(t, s, func(tx helpdesk.Tx) error {
		for i := range 10 {
			ws := a.WS.ID
			if i%2 == 1 {
				ws = b.WS.ID
			}
			e := helpdesk.Event{ID: newID(), WorkspaceID: ws, Type: helpdesk.EventTicketUpdated,
				Payload: json.RawMessage(`{"n":` + string(rune('0'+i)) + `, "spaces" : true}`), CreatedAt: at(100 + i)}
			if err := tx.CreateEvent(ctx, &e); err != nil {
				return err
			}
			if e.Seq <= last {
				t.Errorf("event %d has seq %d after %d", i, e.Seq, last)
			}
			last = e.Seq
			if ws == a.WS.ID {
				mine = append(mine, e)
			}
		}
		return nil
	})
	want := append([]helpdesk.Event{a.Event}, mine...)

	all, err := s.Events(ctx, a.WS.ID, 0, 0)
	noErr(t, err)
	equal(t, "Events (payload bytes kept exactly)", all, want)

	var paged []helpdesk.Event
	for after := int64(0); ; {
		page, err := s.Events(ctx, a.WS.ID, after, 2)
		noErr(t, err)
		if len(page) == 0 {
			break
		}
		paged = append(paged, page...)
		after = page[len(page)-1].Seq
	}
	equal(t, "Events paged by afterSeq", paged, want)

	dup := a.Event
	err = s.InTx(ctx, func(tx helpdesk.Tx) error { return tx.CreateEvent(ctx, &dup) })
	wantConflict(t, "duplicate event id", err)
}

func testIdempotencyRecords(t *testing.T, s helpdesk.Store) {
	ctx := t.Context()
	a := seed(t, s, "alpha")
	b := seed(t, s, "beta") // holds the same key "order-42": keys are per workspace

	got, err := s.IdempotencyRecord(ctx, a.WS.ID, a.Idem.Key)
	noErr(t, err)
	if got.Status != 0 || len(got.Body) != 0 || got.Location != "" {
		t.Errorf("a claimed record has a response: %s", show(got))
	}
	got.Body = a.Idem.Body // nil or empty: both mean "no response yet"
	equal(t, "IdempotencyRecord", got, &a.Idem)
	_, err = s.IdempotencyRecord(ctx, a.WS.ID, "other-key")
	wantNotFound(t, "IdempotencyRecord(unknown)", err)

	err = s.InTx(ctx, func(tx helpdesk.Tx) error {
		dup := a.Idem
		dup.Fingerprint = []byte("another request")
		return tx.CreateIdempotencyRecord(ctx, &dup)
	})
	wantConflict(t, "claiming a held key", err)

	done := a.Idem
	done.Status, done.Body, done.Location = 201, []byte(`{"data":{}}`), "/api/v1/tickets/x"
	inTx(t, s, func(tx helpdesk.Tx) error { return tx.CompleteIdempotencyRecord(ctx, &done) })
	got, err = s.IdempotencyRecord(ctx, a.WS.ID, a.Idem.Key)
	noErr(t, err)
	equal(t, "completed record", got, &done)
	got, err = s.IdempotencyRecord(ctx, b.WS.ID, b.Idem.Key)
	noErr(t, err)
	equal(t, "the other workspace's record of the same key", got.Status, 0)

	inTx(t, s, func(tx helpdesk.Tx) error { return tx.DeleteIdempotencyRecord(ctx, a.WS.ID, a.Idem.Key) })
	_, err = s.IdempotencyRecord(ctx, a.WS.ID, a.Idem.Key)
	wantNotFound(t, "released key", err)
	inTx(t, s, func(tx helpdesk.Tx) error { return tx.DeleteIdempotencyRecord(ctx, a.WS.ID, a.Idem.Key) }) // idempotent
	err = s.InTx(ctx, func(tx helpdesk.Tx) error { return tx.CompleteIdempotencyRecord(ctx, &done) })
	wantNotFound(t, "completing a released key", err)
}

// testDeleteBefore prunes events, idempotency records and sessions at an
// exact boundary: rows created before the cut-off go, the rest stay.
func testDeleteBefore(t *testing.T, s helpdesk.Store) {
	ctx := t.Context()
	w := seed(t, s, "alpha")
	cut := at(1000)
	times := []time.Time{cut.Add(-time.Microsecond), cut, cut.Add(time.Microsecond)}

	var events []helpdesk.Event
	inTx(t, s, func(tx helpdesk.Tx) error {
		for i, ts := range times {
			e := helpdesk.Event{ID: newID(), WorkspaceID: w.WS.ID, Type: helpdesk.EventTicketCreated, Payload: []byte(`{}`), CreatedAt: ts}
			r := helpdesk.IdempotencyRecord{WorkspaceID: w.WS.ID, Key: "k" + string(rune('0'+i)), Fingerprint: []byte("f"), CreatedAt: ts, LockedUntil: ts}
			sess := helpdesk.Session{TokenHash: []byte{'s', byte(i)}, UserID: w.Owner.ID, WorkspaceID: w.WS.ID, CreatedAt: at(0), LastSeenAt: at(0), ExpiresAt: ts}
			if err := tx.CreateEvent(ctx, &e); err != nil {
				return err
			}
			events = append(events, e)
			if err := tx.CreateIdempotencyRecord(ctx, &r); err != nil {
				return err
			}
			if err := tx.CreateSession(ctx, &sess); err != nil {
				return err
			}
		}
		return nil
	})
	inTx(t, s, func(tx helpdesk.Tx) error {
		if err := tx.DeleteEventsBefore(ctx, cut); err != nil {
			return err
		}
		if err := tx.DeleteIdempotencyRecordsBefore(ctx, cut); err != nil {
			return err
		}
		return tx.DeleteExpiredSessions(ctx, cut)
	})

	left, err := s.Events(ctx, w.WS.ID, 0, 0)
	noErr(t, err)
	equal(t, "events left", left, events[1:]) // the seeded event (at(14)) went too
	for i, want := range []bool{false, true, true} {
		_, err := s.IdempotencyRecord(ctx, w.WS.ID, "k"+string(rune('0'+i)))
		if kept := err == nil; kept != want {
			t.Errorf("idempotency record created %v before the cut: kept = %v (err %v)", cut.Sub(times[i]), kept, err)
		}
	}
	_, err = s.IdempotencyRecord(ctx, w.WS.ID, w.Idem.Key)
	wantNotFound(t, "seeded idempotency record (old)", err)
	for i, want := range []bool{false, false, true} { // expired means ExpiresAt <= now
		_, err := s.Session(ctx, []byte{'s', byte(i)})
		if kept := err == nil; kept != want {
			t.Errorf("session expiring %v after the cut: kept = %v (err %v)", times[i].Sub(cut), kept, err)
		}
	}
	_, err = s.Session(ctx, w.Session.TokenHash)
	noErr(t, err) // expires long after the cut
}
