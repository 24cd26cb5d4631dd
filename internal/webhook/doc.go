// Package webhook delivers a workspace's events to the endpoints its admins
// configured: the Standard Webhooks signature, the retry schedule, and the
// dispatcher that reads the event outbox, fans events out to subscribed
// endpoints and makes every attempt through the egress guard.
package webhook
