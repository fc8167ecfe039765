// Package metrics exports an MCP server's metrics to Prometheus: requests by method, era, transport and
// outcome, their latency, requests in flight, live sessions, open streams, requests refused by the
// transports' limits, store operations and their errors, authentication refusals and rate-limit refusals
// (docs/OPERATIONS.md lists every series and its labels).
//
// It is the only mcpkit package that imports the Prometheus client: the server, client, transports,
// stores and auth package know nothing of it (a test checks their dependency graph). They offer cheap
// hooks instead, which cost nothing while unused: server.Server.Observe and server.Request.Transport, the
// transports' Stats, auth.MiddlewareOptions.OnRefuse and server.HTTPOptions.WrapEndpoint.
//
//	m := metrics.New(nil)
//	m.Instrument(srv)                      // requests, latency, in flight, stream-connection sessions
//	opts.WrapEndpoint = m.WrapHTTP                 // open SSE streams
//	opts.Handlers = m.Transports           // sessions and refusals of Streamable HTTP and HTTP+SSE
//	opts.Routes = map[string]http.Handler{"/metrics": m.Handler()}
//	opts.Streamable.Sessions = m.SessionStore("redis", st.Sessions) // store operations and errors
package metrics
