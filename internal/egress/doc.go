// Package egress is the outbound HTTP client for webhook deliveries: the one
// place where Tixallo connects to a URL that a workspace admin typed in.
//
// A webhook URL is an invitation to server-side request forgery. Left alone,
// an admin could point an endpoint at the cloud metadata service
// (169.254.169.254), at a database on localhost, or at anything else on the
// server's private network, and read the answers in the delivery log. The
// package refuses such destinations in two places, for two reasons:
//
//   - CheckURL runs when an endpoint is saved. It is there for the admin, who
//     deserves a clear form error instead of a delivery that silently fails.
//     It cannot be the security boundary: a name that resolves to a public
//     address today may resolve to 127.0.0.1 tomorrow (DNS rebinding).
//
//   - NewClient's dialer is the boundary. It resolves the host itself, refuses
//     the name if any of its addresses is not public, and then checks again,
//     in net.Dialer.ControlContext, the exact IP and port the socket is about
//     to connect to. The check runs before connect(2), so a refused
//     destination never sees a packet. The client follows no redirects,
//     because a public URL answering "302 Location: http://127.0.0.1/" is the
//     oldest way round a save-time check.
//
// Allowed is the address rule both places share: a blocklist over IPv4 and an
// allowlist (global unicast 2000::/3, minus the special ranges inside it) over
// IPv6, with embedded IPv4 (mapped, NAT64, 6to4) judged by the IPv4 rule.
//
// Options.AllowPrivate (the --webhook-allow-private flag) lifts the address
// and port rules and allows plain http, for self-hosted intranets and tests.
// Every refusal wraps ErrBlocked.
package egress
