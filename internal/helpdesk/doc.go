// Package helpdesk is Tixallo's domain: workspaces and their members, inboxes,
// customers and companies, tickets and their conversations, API keys, audit
// entries, the event outbox that feeds webhooks, and webhook endpoints.
//
// It owns the rules. The public API (internal/api) and the agent app
// (internal/web) both call the same Service, so a ticket created by hand in the
// app and one created with curl go through one validation path and fire the
// same events. Storage sits behind the Store interface, implemented once for
// SQLite and once for PostgreSQL; every method that touches tenant data takes
// the workspace id explicitly, and the conformance suite in
// internal/store/storetest holds both implementations to the same behaviour.
//
// Every change that produces an event writes that event through the same
// transaction as the change itself (the transactional outbox), so an event
// exists if and only if its change committed.
package helpdesk
