// Package gateway serves several upstream MCP servers behind one server.Server: their tools, prompts,
// resources and templates under namespaced names (tools and prompts NAME<sep>entry, URIs and templates
// NAME+scheme:…), calls, reads, completions and subscriptions routed to the owner, and their questions
// (elicitation, sampling, roots) passed to the downstream client, in both protocol eras on both sides.
//
// Each upstream is one proxy.Proxy in shared-server mode (proxy.Options.Shared) kept connected by a
// goroutine of its own: an upstream that cannot connect, or whose connection is lost (its stream ends, a
// ping fails), has its entries removed (the server sends list_changed) while the others keep working, and
// is reconnected with capped exponential backoff and jitter; its entries then come back. Apply replaces
// the set of upstreams without a restart, touching only what changed.
//
// The package does not read config files, listen on ports or parse flags: `mcpkit gateway`
// (cmd/mcpkit/gateway.go) does, and builds each Upstream's Dial from a host config entry. What works in
// which era, and the naming decisions, are in docs/GATEWAY.md.
package gateway
