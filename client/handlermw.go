package client

import (
	"context"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
)

// InboundRequest is a request the server sent to this client, as handler middleware sees it: one
// server-to-client JSON-RPC request of a legacy session (elicitation/create, sampling/createMessage,
// roots/list, ping, or a method the client does not know). The input requests of a 2026-07-28
// input_required result are answered within the call that received them and do not pass here.
type InboundRequest struct {
	// Method is the JSON-RPC method, e.g. "elicitation/create".
	Method string
	// ID is the request's JSON-RPC id.
	ID jsonrpc.ID
	// Params are the raw params as the server sent them, _meta included (where a server puts trace
	// context). Read-only, and only until the next InboundHandler returns.
	Params jsontext.Value
	// Era and ProtocolVersion are the session's.
	Era             mcp.Era
	ProtocolVersion string
}

// InboundHandler answers one request from the server with its raw result, or an error (a *jsonrpc.Error
// is sent as is; any other error is answered with a generic internal error).
type InboundHandler func(ctx context.Context, req *InboundRequest) (jsontext.Value, error)

// HandlerMiddleware wraps the handling of every request the server sends (Options.HandlerMiddleware):
// tracing, logging, metrics. It sees every method, ping and unknown ones included; ctx is the
// connection's for the request.
type HandlerMiddleware func(next InboundHandler) InboundHandler

// chainHandlers builds the handler of Options.HandlerMiddleware around the session's own (nil without
// middleware: requests are then served directly and allocate no InboundRequest).
func (s *Session) chainHandlers() {
	if len(s.opts.HandlerMiddleware) == 0 {
		return
	}
	h := InboundHandler(s.handleInbound)
	for i := len(s.opts.HandlerMiddleware) - 1; i >= 0; i-- {
		h = s.opts.HandlerMiddleware[i](h)
	}
	s.handle = h
}

// handleInbound is the innermost InboundHandler: the session's own answer to a server request.
func (s *Session) handleInbound(ctx context.Context, req *InboundRequest) (jsontext.Value, error) {
	return s.serveRequest(ctx, req.Method, req.Params)
}

// serveRequest answers a server request with the session's handlers.
func (s *Session) serveRequest(ctx context.Context, method string, params jsontext.Value) (jsontext.Value, error) {
	switch method {
	case mcp.MethodPing:
		return jsontext.Value(`{}`), nil
	case mcp.MethodElicitationCreate, mcp.MethodSamplingCreateMessage, mcp.MethodRootsList:
		return s.answer(ctx, method, params)
	}
	return nil, &jsonrpc.Error{Code: mcp.CodeMethodNotFound, Message: "method not found: " + method}
}
