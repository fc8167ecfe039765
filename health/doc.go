// Package health serves the probes orchestrators ask: liveness (/healthz: 200 while the process serves
// HTTP) and readiness (/readyz: 200 while the stores answer and the node is not draining, 503 otherwise),
// as one http.Handler each. mcpkit serve mounts both beside /mcp; a library user mounts them with
// server.HTTPOptions.Routes (outside authentication: probes carry no token).
package health
