package server

import (
	"context"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport"
)

// Handler serves one MCP request and returns its raw JSON result. Middleware wraps Handlers.
type Handler func(ctx context.Context, req *Request) (jsontext.Value, error)

// Middleware wraps a Handler: logging, metrics, auth checks, rate limits. It sees every method.
type Middleware func(next Handler) Handler

// Request is an inbound MCP request as handlers and middleware see it. Treat it as read-only.
type Request struct {
	// Method is the JSON-RPC method, e.g. "tools/call".
	Method string
	// ID is the JSON-RPC request id.
	ID jsonrpc.ID
	// Params is the raw params object.
	Params jsontext.Value
	// Era is the protocol era the request is served in.
	Era mcp.Era
	// ProtocolVersion is the version in force: the legacy session's negotiated version, or the modern
	// request's declared one.
	ProtocolVersion string
	// Meta is the request's _meta, or nil. Shared: do not modify.
	Meta *mcp.RequestMeta
	// ClientInfo and ClientCapabilities come from initialize (legacy) or the request's _meta (modern).
	ClientInfo         *mcp.Implementation
	ClientCapabilities *mcp.ClientCapabilities
	// SessionID is the legacy session's id ("" for modern requests and stdio).
	SessionID string

	server *Server
	// sess is the legacy session state; nil for modern requests. Until admit it holds the state the
	// transport passed with the request (nil, or a session not yet initialized).
	sess  *session
	out   transport.Peer // the request's own stream: its notifications and server-to-client requests
	ia    *interaction   // multi round-trip state (2026-07-28 tools/call, prompts/get, resources/read): &iaBox
	iaBox interaction
	task  *taskRun       // set while the handler runs as a task
	start *deferredStart // set while a DeferTaskStart tool runs inline and may still become a task
}

type requestKey struct{}

// RequestFrom returns the request a handler is serving, or nil outside a handler.
func RequestFrom(ctx context.Context) *Request {
	r, _ := ctx.Value(requestKey{}).(*Request)
	return r
}

func withRequest(ctx context.Context, r *Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// progressToken returns the request's progress token, or nil.
func (r *Request) progressToken() jsontext.Value {
	if r.Meta == nil {
		return nil
	}
	return r.Meta.ProgressToken
}

// logLevel is the minimum level of notifications/message for this request, and whether any may be sent:
// modern requests get logs only when they ask for a level; legacy sessions get what logging/setLevel set
// (everything until then).
func (r *Request) logLevel() (mcp.LoggingLevel, bool) {
	if r.Era == mcp.EraModern {
		if r.Meta == nil || r.Meta.LogLevel == "" {
			return "", false
		}
		return r.Meta.LogLevel, true
	}
	if r.sess == nil {
		return mcp.LevelDebug, true
	}
	return r.sess.logLevel(), true
}

// finish fills the fields every result carries in the request's era: resultType and serverInfo for modern
// requests, nothing for legacy ones.
func (r *Request) finish(f *mcp.ResultFields) {
	if r.Era != mcp.EraModern {
		return
	}
	f.ResultType = mcp.ResultComplete
	if f.Meta == nil {
		f.Meta = r.server.resultMeta // shared and read-only: results are encoded, never changed, after finish
		return
	}
	f.Meta.ServerInfo = &r.server.impl
}

// cache fills the caching hints of a cacheable result (modern era only).
func (r *Request) cache(h *mcp.CacheHints, ttlMs int64, scope mcp.CacheScope) {
	if r.Era != mcp.EraModern {
		return
	}
	h.TTLMs = &ttlMs
	h.CacheScope = scope
}
