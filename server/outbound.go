package server

import (
	"context"
	"fmt"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
)

// OutboundRequest is a request the server sends to the client, as outbound middleware sees it: one
// server-to-client JSON-RPC request of a legacy session (elicitation/create, sampling/createMessage,
// roots/list), asked by Ask, Elicit, Sample or Roots from a handler, a legacy task or OnRootsChanged.
// The questions of a 2026-07-28 input_required result are not requests on the wire and do not pass here.
type OutboundRequest struct {
	// Method is the JSON-RPC method, e.g. "elicitation/create".
	Method string
	// Params are the encoded params, without the _meta members SetMeta adds. Read-only, and only until
	// the next OutboundInvoker returns.
	Params jsontext.Value
	// Request is the request whose handler asks (its ID, SessionID, ProtocolVersion, …), nil when there
	// is none. Read-only.
	Request *Request
	// ID is the JSON-RPC id the request was sent with, set when the next OutboundInvoker returns if the
	// transport reports it (the stream transports, Streamable HTTP and HTTP+SSE do).
	ID jsonrpc.ID

	meta []outboundMeta
	peer peerOf // what the request goes on
}

type outboundMeta struct {
	key   string
	value jsontext.Value
}

// OutboundInvoker sends one server-to-client request and returns the client's raw result, or its error
// (a *jsonrpc.Error for the client's JSON-RPC error).
type OutboundInvoker func(ctx context.Context, req *OutboundRequest) (jsontext.Value, error)

// OutboundMiddleware wraps the sending of every server-to-client request (Options.OutboundMiddleware):
// tracing, logging, metrics. ctx is the asking handler's.
type OutboundMiddleware func(next OutboundInvoker) OutboundInvoker

// SetMeta adds the member key with the JSON value to the request's params._meta (for example
// "traceparent"), replacing one an earlier SetMeta added; call it before the next OutboundInvoker. The
// keys the server writes itself — progressToken and the io.modelcontextprotocol/ ones — and values that
// are not valid JSON are refused.
func (r *OutboundRequest) SetMeta(key string, value jsontext.Value) error {
	if key == "" || key == mcp.MetaProgressToken || strings.HasPrefix(key, "io.modelcontextprotocol/") {
		return fmt.Errorf("server: _meta key %q is written by the server", key)
	}
	if !value.IsValid() {
		return fmt.Errorf("server: _meta %q: the value is not valid JSON", key)
	}
	for i := range r.meta {
		if r.meta[i].key == key {
			r.meta[i].value = value
			return nil
		}
	}
	r.meta = append(r.meta, outboundMeta{key, value})
	return nil
}

// idCaller is a peer that reports the id it gave a server-to-client request (the stream connections'
// peer, and those of Streamable HTTP and HTTP+SSE).
type idCaller interface {
	CallID(ctx context.Context, method string, params jsontext.Value) (jsonrpc.ID, jsontext.Value, error)
}

// chainOutbound builds the invoker of Options.OutboundMiddleware (nil without any: askPeer then calls
// the peer directly and allocates nothing more).
func (s *Server) chainOutbound() {
	if len(s.opts.OutboundMiddleware) == 0 {
		return
	}
	h := OutboundInvoker(sendOutbound)
	for i := len(s.opts.OutboundMiddleware) - 1; i >= 0; i-- {
		h = s.opts.OutboundMiddleware[i](h)
	}
	s.outbound = h
}

// callPeer sends one server-to-client request on peer, through the outbound middleware when there is any.
func (s *Server) callPeer(ctx context.Context, peer peerOf, method string, params jsontext.Value) (jsontext.Value, error) {
	if s == nil || s.outbound == nil {
		return peer.Call(ctx, method, params)
	}
	return s.outbound(ctx, &OutboundRequest{Method: method, Params: params, Request: RequestFrom(ctx), peer: peer})
}

// sendOutbound is the innermost OutboundInvoker: it adds the middleware's _meta members and sends.
func sendOutbound(ctx context.Context, req *OutboundRequest) (jsontext.Value, error) {
	peer := req.peer
	params := req.Params
	if len(req.meta) > 0 {
		var err error
		if params, err = withMetaMembers(params, req.meta); err != nil {
			return nil, fmt.Errorf("mcp: %s: %w", req.Method, err)
		}
	}
	if ic, ok := peer.(idCaller); ok {
		id, res, err := ic.CallID(ctx, req.Method, params)
		req.ID = id
		return res, err
	}
	return peer.Call(ctx, req.Method, params)
}

// withMetaMembers returns params (a JSON object, or empty for none) with members added to its _meta
// (replacing members of the same keys).
func withMetaMembers(params jsontext.Value, members []outboundMeta) (jsontext.Value, error) {
	obj := map[string]jsontext.Value{}
	if len(params) > 0 {
		if err := json.Unmarshal(params, &obj); err != nil {
			return nil, fmt.Errorf("params are not an object: %w", err)
		}
		if obj == nil {
			obj = map[string]jsontext.Value{}
		}
	}
	meta := map[string]jsontext.Value{}
	if m, ok := obj["_meta"]; ok && m.Kind() != 'n' {
		if err := json.Unmarshal(m, &meta); err != nil {
			return nil, fmt.Errorf("params._meta is not an object: %w", err)
		}
	}
	for _, m := range members {
		meta[m.key] = m.value
	}
	raw, err := json.Marshal(meta, json.Deterministic(true))
	if err != nil {
		return nil, err
	}
	obj["_meta"] = raw
	return json.Marshal(obj, json.Deterministic(true))
}
