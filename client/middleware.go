package client

import (
	"context"
	"fmt"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
)

// Request is an outbound request as client middleware sees it: one JSON-RPC request on the wire (each
// round of a 2026-07-28 input_required exchange and each task poll is one).
type Request struct {
	// Method is the JSON-RPC method, e.g. "tools/call".
	Method string
	// Params are the encoded params without the _meta the session adds. Read-only, and only until the
	// next Invoker returns.
	Params jsontext.Value
	// Era and ProtocolVersion are the session's (during the first server/discover probe, the version
	// probed).
	Era             mcp.Era
	ProtocolVersion string
	// ID is the JSON-RPC id the request was sent with, set when the next Invoker returns.
	ID jsonrpc.ID

	token   string // progress token, "" for none
	tasks   bool   // declare the tasks extension (2026-07-28)
	meta    []metaMember
	metaBuf [3]metaMember // meta's first members (traceparent, tracestate, baggage) need no allocation
}

type metaMember struct {
	key   string
	value jsontext.Value
}

// Invoker sends one request and returns its raw result, or its error (a *jsonrpc.Error for the server's
// JSON-RPC error).
type Invoker func(ctx context.Context, req *Request) (jsontext.Value, error)

// Middleware wraps the sending of every request of a session (Options.Middleware): tracing, logging,
// metrics. It sees every method, the session's own (server/discover, initialize) included.
type Middleware func(next Invoker) Invoker

// SetMeta adds the member key with the JSON value to the request's params._meta (for example
// "traceparent"), replacing one an earlier SetMeta added; call it before the next Invoker. The keys the
// session writes itself — progressToken and the io.modelcontextprotocol/ ones — and values that are not
// valid JSON are refused.
func (r *Request) SetMeta(key string, value jsontext.Value) error {
	if key == "" || key == mcp.MetaProgressToken || strings.HasPrefix(key, "io.modelcontextprotocol/") {
		return fmt.Errorf("client: _meta key %q is written by the session", key)
	}
	if !value.IsValid() {
		return fmt.Errorf("client: _meta %q: the value is not valid JSON", key)
	}
	for i := range r.meta {
		if r.meta[i].key == key {
			r.meta[i].value = value
			return nil
		}
	}
	r.meta = append(r.meta, metaMember{key, value})
	return nil
}

// chainMiddleware builds the invoker of Options.Middleware around send (nil without middleware: the
// session then sends directly and allocates no Request).
func (s *Session) chainMiddleware() {
	if len(s.opts.Middleware) == 0 {
		return
	}
	h := Invoker(s.send)
	for i := len(s.opts.Middleware) - 1; i >= 0; i-- {
		h = s.opts.Middleware[i](h)
	}
	s.invoke = h
}

// roundTrip sends one request whose params are encoded without _meta, through the middleware when there
// is any.
func (s *Session) roundTrip(ctx context.Context, method string, params []byte, token string, tasks bool) (jsontext.Value, error) {
	if s.invoke == nil {
		_, res, err := s.sendBody(ctx, method, params, token, tasks, nil)
		return res, err
	}
	req := &Request{Method: method, Params: params, Era: s.era, ProtocolVersion: s.version, token: token, tasks: tasks}
	req.meta = req.metaBuf[:0]
	return s.invoke(ctx, req)
}

// send is the innermost Invoker.
func (s *Session) send(ctx context.Context, req *Request) (jsontext.Value, error) {
	id, res, err := s.sendBody(ctx, req.Method, req.Params, req.token, req.tasks, req.meta)
	req.ID = id
	return res, err
}
