// Package storetest is the conformance suite of helpdesk.Store. Every store
// (SQLite today, PostgreSQL later) runs it from its own tests, so the two
// behave the same wherever the domain can tell: round trips to the
// microsecond, ErrNotFound and ErrConflict, tenancy isolation, transactions,
// gapless ticket numbers and keyset paging.
//
// Behaviour the helpdesk.Store interface leaves open and this suite fixes:
//   - lists are never nil and a limit of 0 means no limit;
//   - a write that names one row (update, revoke, accept, rename, delete of a
//     member or an invite) returns ErrNotFound when the row does not exist in
//     the workspace; deleting a session or an idempotency key that is gone is
//     not an error;
//   - accepting an invite twice is ErrConflict;
//   - revoking a key twice keeps the first revocation;
//   - TouchAPIKeys takes record ids (APIKey.ID) and never moves last_used_at
//     backwards;
//   - Messages of an unknown ticket is an empty list;
//   - a session whose ExpiresAt is at or before now is expired; events and
//     idempotency records are pruned when created strictly before the cut-off.
package storetest

import (
	"testing"

	"github.com/tixallo/tixallo/internal/helpdesk"
)

// Run runs the suite. open must return a new, empty, migrated store on each
// call and close it when its test ends; every subtest opens its own and runs
// in parallel with the others.
func Run(t *testing.T, open func(t *testing.T) helpdesk.Store) {
	tests := []struct {
		name string
		run  func(t *testing.T, s helpdesk.Store)
	}{
		{"Workspaces", testWorkspaces},
		{"Users", testUsers},
		{"Members", testMembers},
		{"Sessions", testSessions},
		{"Invites", testInvites},
		{"Inboxes", testInboxes},
		{"DefaultInboxSwitch", testDefaultInboxSwitch},
		{"Companies", testCompanies},
		{"Customers", testCustomers},
		{"CustomerList", testCustomerList},
		{"Tickets", testTickets},
		{"TicketNumberRollback", testTicketNumberRollback},
		{"TicketNumbersGapless", testTicketNumbersGapless},
		{"TicketPaging", testTicketPaging},
		{"TicketCreateReads", testTicketCreateReads},
		{"TicketsVersion", testTicketsVersion},
		{"CountTickets", testCountTickets},
		{"Messages", testMessages},
		{"APIKeys", testAPIKeys},
		{"TouchAPIKeys", testTouchAPIKeys},
		{"AuditEntries", testAuditEntries},
		{"Events", testEvents},
		{"IdempotencyRecords", testIdempotencyRecords},
		{"WebhookEndpoints", testWebhookEndpoints},
		{"WebhookFanOut", testWebhookFanOut},
		{"WebhookClaims", testWebhookClaims},
		{"WebhookClaimCaps", testWebhookClaimCaps},
		{"WebhookAttempts", testWebhookAttempts},
		{"WebhookLostLease", testWebhookLostLease},
		{"WebhookFinishBatch", testWebhookFinishBatch},
		{"DeleteBefore", testDeleteBefore},
		{"TxRollback", testTxRollback},
		{"TxVisibility", testTxVisibility},
		{"TxPanic", testTxPanic},
		{"TenancyReads", testTenancyReads},
		{"TenancyLists", testTenancyLists},
		{"TenancyWrites", testTenancyWrites},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, open(t))
		})
	}
}
