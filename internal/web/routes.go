package web

import "net/http"

// Register mounts every route of the app. The whole surface is here:
// public pages, pages for any member, and pages for owners and admins.
// Every state change is a POST; GETs change nothing.
func (a *App) Register(mux *http.ServeMux) {
	// Assets: content-hashed names, cached for a year.
	mux.Handle("GET /static/{file}", a.headers(http.HandlerFunc(a.serveStatic)))

	// Logged out.
	mux.Handle("GET /{$}", a.public(a.root))
	mux.Handle("GET /signup", a.public(a.signupPage))
	mux.Handle("POST /signup", a.public(a.signup))
	mux.Handle("GET /login", a.public(a.loginPage))
	mux.Handle("POST /login", a.public(a.login))
	mux.Handle("POST /logout", a.public(a.logout))
	mux.Handle("GET /invite/{token}", a.public(a.invitePage))
	mux.Handle("POST /invite/{token}", a.public(a.acceptInvite))

	// Any member.
	mux.Handle("GET /tickets", a.member(a.ticketList))
	mux.Handle("GET /tickets/new", a.member(a.newTicketPage))
	mux.Handle("POST /tickets/new", a.member(a.createTicket))
	mux.Handle("GET /tickets/{number}", a.member(a.ticketPage))
	mux.Handle("POST /tickets/{number}", a.member(a.updateTicket))
	mux.Handle("POST /tickets/{number}/messages", a.member(a.addMessage))
	mux.Handle("POST /tickets/{number}/merge", a.member(a.mergeTicket))
	mux.Handle("GET /customers", a.member(a.customerList))
	mux.Handle("GET /customers/{id}", a.member(a.customerPage))
	mux.Handle("POST /customers/{id}", a.member(a.updateCustomer))
	mux.Handle("GET /companies", a.member(a.companyList))
	mux.Handle("POST /companies", a.member(a.createCompany))
	mux.Handle("GET /companies/{id}", a.member(a.companyPage))
	mux.Handle("GET /inboxes", a.member(a.inboxList))
	mux.Handle("GET /team", a.member(a.teamPage))
	mux.Handle("GET /account", a.member(a.accountPage))
	mux.Handle("POST /account/name", a.member(a.renameAccount))
	mux.Handle("POST /account/password", a.member(a.changePassword))
	mux.Handle("POST /workspace", a.member(a.switchWorkspace))

	// Owners and admins.
	mux.Handle("POST /inboxes", a.manager(a.createInbox))
	mux.Handle("POST /inboxes/{id}/rename", a.manager(a.renameInbox))
	mux.Handle("POST /inboxes/{id}/default", a.manager(a.defaultInbox))
	mux.Handle("POST /team/invites", a.manager(a.invite))
	mux.Handle("POST /team/invites/{id}/revoke", a.manager(a.revokeInvite))
	mux.Handle("POST /team/members/{id}/role", a.manager(a.changeRole))
	mux.Handle("GET /team/members/{id}/remove", a.manager(a.removeMemberPage))
	mux.Handle("POST /team/members/{id}/remove", a.manager(a.removeMember))
	mux.Handle("GET /integrations", a.manager(a.integrations))
	mux.Handle("GET /integrations/keys", a.manager(a.integrations))
	mux.Handle("GET /integrations/keys/new", a.manager(a.newKeyPage))
	mux.Handle("POST /integrations/keys/new", a.manager(a.createKey))
	mux.Handle("GET /integrations/keys/{keyID}/revoke", a.manager(a.revokeKeyPage))
	mux.Handle("POST /integrations/keys/{keyID}/revoke", a.manager(a.revokeKey))
	mux.Handle("GET /integrations/webhooks", a.manager(a.webhooks))
	mux.Handle("GET /integrations/webhooks/new", a.manager(a.newWebhookPage))
	mux.Handle("POST /integrations/webhooks/new", a.manager(a.createWebhook))
	mux.Handle("GET /integrations/webhooks/{id}", a.manager(a.webhookPage))
	mux.Handle("GET /integrations/webhooks/{id}/edit", a.manager(a.editWebhookPage))
	mux.Handle("POST /integrations/webhooks/{id}/edit", a.manager(a.updateWebhook))
	mux.Handle("POST /integrations/webhooks/{id}/disable", a.manager(a.setWebhookActive(false)))
	mux.Handle("POST /integrations/webhooks/{id}/enable", a.manager(a.setWebhookActive(true)))
	mux.Handle("GET /integrations/webhooks/{id}/delete", a.manager(a.deleteWebhookPage))
	mux.Handle("POST /integrations/webhooks/{id}/delete", a.manager(a.deleteWebhook))
	mux.Handle("POST /integrations/webhooks/{id}/secret", a.manager(a.revealWebhookSecret))
	mux.Handle("POST /integrations/webhooks/{id}/rotate", a.manager(a.rotateWebhookSecret))
	mux.Handle("POST /integrations/webhooks/{id}/test", a.manager(a.sendTestWebhook))
	mux.Handle("POST /integrations/webhooks/{id}/resend", a.manager(a.resendWebhookEvent))
	mux.Handle("GET /audit", a.manager(a.auditLog))

	// Anything else is a friendly 404 (the API answers for /api/ itself).
	mux.Handle("/", a.public(a.notFound))
}
