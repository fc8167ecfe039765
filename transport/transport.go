package transport

import (
	"context"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/store"
)

// Peer reaches the other side of a connection: notifications, and requests whose result comes back.
type Peer interface {
	Notify(ctx context.Context, method string, params any) error
	Call(ctx context.Context, method string, params any) (jsontext.Value, error)
}

// Session is the server side of one client connection or session, as a transport drives it.
type Session interface {
	// ID is the session's id ("" for a stream connection, which needs none).
	ID() string
	// HandleRequest serves one request. related carries the request's own notifications (progress, logs)
	// and, in the legacy era, server-to-client requests.
	HandleRequest(ctx context.Context, m *jsonrpc.Message, related Peer) (jsontext.Value, error)
	// HandleNotification serves one notification.
	HandleNotification(ctx context.Context, m *jsonrpc.Message)
	// Close ends the session.
	Close()
	// Snapshot returns the session's state for a store.SessionStore, so another node can carry it on.
	Snapshot() (*store.SessionState, error)
}

// Server is an MCP server as transports see it; *server.Server implements it.
type Server interface {
	// NewSession opens a session whose unsolicited messages (list_changed, resources/updated) go to out.
	NewSession(id string, out Peer) Session
	// RestoreSession rebuilds a session from stored state (a session another node, or an earlier process,
	// opened).
	RestoreSession(st *store.SessionState, out Peer) (Session, error)
	// Stateless returns the entry point for requests outside any session: 2026-07-28 requests (and ping).
	// It never opens a session: initialize sent there is refused.
	Stateless() Session
	// Changes delivers registry changes (list_changed, resources/updated) for modern-era listeners, as
	// notification method and params. It returns a function that stops the delivery.
	Changes(fn func(method string, params jsontext.Value)) (stop func())
}

// StreamCloser is implemented by a Peer whose stream the server may close before the request ends, for
// the client to resume it later (Streamable HTTP's SSE polling, legacy sessions).
type StreamCloser interface {
	// CloseStream ends the current HTTP response of the request, asking the client to reconnect after
	// retryMs (≤ 0 keeps the transport's hint). The request goes on; its later messages wait in the event
	// log. It reports false when the stream cannot be resumed.
	CloseStream(retryMs int) bool
}

// Reloader is implemented by a Session that can take a newer stored state in place, when another node
// changed the session (logging/setLevel, resources/subscribe): its streams and running requests go on.
type Reloader interface {
	// Reload replaces the session's state with st.
	Reload(st *store.SessionState) error
}

// Authorizer is implemented by a Session (and the Stateless entry point) that can tell, before serving a
// request, that its caller lacks a scope the request needs. The HTTP transports ask it before they answer
// a request, so that the refusal is an HTTP 403 with the step-up challenge rather than a JSON-RPC error on
// a stream already answered 200 or 202. The error is an *auth.InsufficientScopeError, nil when allowed.
type Authorizer interface {
	Authorize(ctx context.Context, m *jsonrpc.Message) error
}
