// Package proxy serves, to the clients of a server.Server, what one upstream client.Session offers: the
// forwarding half of `mcpkit bridge`.
//
// The upstream's tools, resources, resource templates and prompts are registered on the proxy's server as
// ordinary entries whose handlers forward to the upstream (sync.go), copied from the upstream's lists and
// refreshed when the upstream sends list_changed. Because they are ordinary entries, the server applies its
// own era rules to the downstream side: a legacy client is answered in its initialized session, a
// 2026-07-28 client request by request, and a question the upstream asks (elicitation, sampling, roots)
// reaches the downstream client, with the upstream's params, the way any handler's question does
// (server.Ask): a server-to-client request in a legacy session, an input_required round at 2026-07-28. A
// legacy upstream's question names no call: it goes to the call in flight only when that call's client
// can answer it (asks.go).
// The methods that carry no entry — completion/complete, resources/subscribe and unsubscribe (and the
// resources a 2026-07-28 subscriptions/listen names), logging/setLevel, ping — are forwarded by a
// middleware installed on the proxy's server only (middleware.go); ordinary servers keep their chain
// unchanged.
//
// A forwarded call keeps its arguments and the downstream request's _meta (extension keys and trace
// context; the era's own keys are the upstream session's), asks the upstream for progress and relays it to
// the downstream request's progress token, and is cancelled upstream when the downstream request is
// (its context ends). Notifications the upstream sends outside a call are relayed: list_changed (by
// re-registering), resources/updated, and log messages (to the downstream request in flight; see
// Options.OneClient).
//
// Use: build a Proxy, pass ClientOptions to client.Connect for the upstream, Attach the session (which
// creates the downstream server, with the upstream's instructions), run Run
// (a 2026-07-28 upstream tells its changes only on a subscriptions/listen, which Run holds), then serve
// Server on any transport. What crosses eras and what does not is in docs/BRIDGE.md.
package proxy
