package server

import "github.com/mcpkit/mcpkit/transport"

// Observe adds observers: middleware that sees every request the server answers, including those refused
// before any middleware of Use runs — an unknown method, a request without the 2026-07-28 _meta on a
// connection that was never initialized, an unsupported protocol version. Metrics and tracing use it
// (packages metrics and its kin); rate limits and authorization belong in Use.
//
// When an observer is called, only Method, ID and Params of the Request are set, and Transport answers;
// once next returns, Era, ProtocolVersion, SessionID, ClientInfo and ClientCapabilities are set as far as
// the request got (Era is mcp.EraUnknown when it was refused before an era was chosen), and ToolError
// tells an isError tools/call result. next's error is what the client is answered: a *jsonrpc.Error, or
// any other error, which the transports answer as -32603. An observer must not change the Request, must
// return what next returned, and must be safe for concurrent use. RequestFrom(ctx) is nil in an observer.
//
// Observers nest like Use: of mw the first runs first, and later calls run before earlier ones. Requests a
// transport makes on its own account (transport.Internal) are not observed. Without observers a request
// costs one atomic load more; Observe is safe while serving, like Use.
func (s *Server) Observe(mw ...Middleware) {
	s.useMu.Lock()
	defer s.useMu.Unlock()
	var h Handler = s.admit
	if cur := s.observer.Load(); cur != nil {
		h = *cur
	}
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	s.observer.Store(&h)
}

// Transport names the transport the request arrived on, as its transport says (transport.Named):
// "streamable" (Streamable HTTP, both eras), "sse" (HTTP+SSE), "stdio", "memory", "stream" (Serve on a
// stream that does not say), or "" when the transport does not say.
func (r *Request) Transport() string {
	if n, ok := r.out.(transport.Named); ok {
		return n.TransportName()
	}
	return ""
}

// ToolError reports whether the request is a tools/call whose result is an isError result (a tool's
// failure the model sees, not a protocol error). It is known once the handler returned: for observers
// and middleware, after next.
func (r *Request) ToolError() bool { return r.iaBox.toolErr }

// Stats are the server's own counts, read when metrics are collected.
type Stats struct {
	// Sessions is the number of open legacy sessions (stream connections and HTTP sessions held by this
	// process), initialized or not; StreamConns is how many of them are stream connections (Serve,
	// ServeStdio).
	Sessions, StreamConns int
	// Overloaded counts the requests stream connections refused at once with -32000 because
	// Options.MaxInFlight + MaxQueued requests were already in (since the server started).
	Overloaded int64
}

// Stats returns the server's counts now.
func (s *Server) Stats() Stats {
	st := Stats{Overloaded: s.overloaded.Load()}
	set := &s.sessions
	set.mu.Lock()
	st.Sessions = len(set.m)
	for ss := range set.m {
		if ss.id == "" {
			st.StreamConns++
		}
	}
	set.mu.Unlock()
	return st
}
