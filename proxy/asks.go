package proxy

import (
	"context"
	"errors"
	"log/slog"
	"slices"

	"github.com/go-json-experiment/json"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

// errNoDownstream answers an upstream question that arrives while no downstream request is being forwarded.
var errNoDownstream = errors.New("proxy: no downstream request in flight to put the question to")

// errAmbiguous answers an upstream question that arrives while requests of possibly different clients are
// in flight: it could be put to the wrong one (Options.OneClient).
var errAmbiguous = errors.New("proxy: several downstream requests are in flight and the upstream did not say which one asks; not guessing")

// downstream returns the context of the downstream request an upstream question or log belongs to: ctx
// itself when the upstream session delivered it in the call (a 2026-07-28 upstream's input_required round
// is answered inside the call), else the newest request in flight.
//
// inCall says which: a question asked in the call fails the call, so its error stays what the server
// package returned (a tool handler turns it into a tool error, as a direct handler would); a question that
// came as a legacy server-to-client request is answered upstream with upstreamError's JSON-RPC error.
func (p *Proxy) downstream(ctx context.Context) (d context.Context, inCall bool, err error) {
	if server.RequestFrom(ctx) != nil {
		return ctx, true, nil
	}
	d, n := p.inflight.pick(p.oneClient)
	switch {
	case d != nil:
		return d, false, nil
	case n > 1:
		return nil, false, errAmbiguous
	}
	return nil, false, errNoDownstream
}

// elicit passes the upstream's elicitation/create to the downstream client. At 2026-07-28 downstream the
// first run returns server.ErrInputRequired: the downstream request is answered input_required, and its
// retry calls the upstream again, where the same question now finds its answer.
func (p *Proxy) elicit(ctx context.Context, params *mcp.ElicitParams) (*mcp.ElicitResult, error) {
	d, inCall, err := p.downstream(ctx)
	if err != nil {
		return nil, upstreamError(err)
	}
	res, err := server.ElicitWith(d, params)
	if inCall {
		return res, err
	}
	return res, upstreamError(err)
}

// sample passes the upstream's sampling/createMessage to the downstream client.
func (p *Proxy) sample(ctx context.Context, params *mcp.CreateMessageParams) (*mcp.CreateMessageResult, error) {
	d, inCall, err := p.downstream(ctx)
	if err != nil {
		return nil, upstreamError(err)
	}
	res, err := server.Sample(d, params)
	if inCall {
		return res, err
	}
	return res, upstreamError(err)
}

// roots passes the upstream's roots/list to the downstream client. One that comes with no downstream
// request in flight (a legacy server asking after roots/list_changed) is answered with the roots the
// downstream client last announced (rootsChanged), when it did.
func (p *Proxy) roots(ctx context.Context) ([]mcp.Root, error) {
	d, inCall, err := p.downstream(ctx)
	if errors.Is(err, errNoDownstream) {
		p.mu.Lock()
		last := slices.Clone(p.lastRoots)
		p.mu.Unlock()
		if last != nil {
			return last, nil
		}
	}
	if err != nil {
		return nil, upstreamError(err)
	}
	roots, err := server.Roots(d)
	if inCall {
		return roots, err
	}
	return roots, upstreamError(err)
}

// rootsChanged is the proxy's server's OnRootsChanged: a legacy downstream client said its roots changed.
// The proxy asks it for them (ctx is the session's), keeps them, and tells a legacy upstream
// (notifications/roots/list_changed, sent by client.Session.SetRoots; the upstream's roots/list is still
// answered by roots above). A 2026-07-28 upstream asks per request: nothing to tell.
func (p *Proxy) rootsChanged(ctx context.Context, _ string) {
	roots, err := server.Roots(ctx)
	if err != nil {
		p.log.Debug("proxy: reading the downstream client's new roots failed", "err", err)
		return
	}
	if err := p.SetRoots(ctx, roots); err != nil && !errors.Is(err, ErrNotAttached) {
		p.log.Debug("proxy: telling the upstream its roots changed failed", "err", err)
	}
}

// upstreamError is the JSON-RPC error the upstream gets for a question the downstream did not answer:
// the downstream client's own error as it sent it; for a 2026-07-28 downstream, a note that the answer
// comes with the retry (the upstream call is then replayed, docs/BRIDGE.md); otherwise the reason.
func upstreamError(err error) error {
	if err == nil {
		return nil
	}
	var ce *server.ClientError
	if errors.As(err, &ce) {
		return &jsonrpc.Error{Code: ce.Code, Message: ce.Message, Data: ce.Data}
	}
	if errors.Is(err, server.ErrInputRequired) {
		return &jsonrpc.Error{Code: mcp.CodeInternalError, Message: "proxy: the downstream client answers in an input_required round; the call will be sent again with the answer"}
	}
	return &jsonrpc.Error{Code: mcp.CodeInternalError, Message: err.Error()}
}

// relayLog passes an upstream log message to the downstream request in flight (chosen as for questions;
// dropped when none, or when the choice is ambiguous), filtered by the level the
// downstream client asked for. The data is carried as the record's message (a string), as its message
// and attributes (an object, whose "message" member is the record's message) or as text (any other JSON
// value); the logger becomes the proxy's name (server.Log names it). With no request in flight it is dropped: the server
// sends log messages on a request's stream.
func (p *Proxy) relayLog(ctx context.Context, m *mcp.LoggingMessageParams) {
	d, _, err := p.downstream(ctx)
	if err != nil {
		return
	}
	log := server.Log(d)
	level := slogLevel(m.Level)
	var s string
	if json.Unmarshal(m.Data, &s) == nil {
		log.Log(d, level, s)
		return
	}
	var obj map[string]any
	if json.Unmarshal(m.Data, &obj) == nil {
		msg, _ := obj["message"].(string)
		var attrs []any
		for k, v := range obj {
			if k != "message" {
				attrs = append(attrs, slog.Any(k, v))
			}
		}
		log.Log(d, level, msg, attrs...)
		return
	}
	log.Log(d, level, string(m.Data))
}

// slogLevel maps an MCP log level to the slog level server.Log maps back.
func slogLevel(l mcp.LoggingLevel) slog.Level {
	switch l {
	case mcp.LevelDebug:
		return slog.LevelDebug
	case mcp.LevelInfo:
		return slog.LevelInfo
	case mcp.LevelNotice:
		return server.LevelNotice
	case mcp.LevelWarning:
		return slog.LevelWarn
	case mcp.LevelError:
		return slog.LevelError
	case mcp.LevelCritical:
		return server.LevelCritical
	case mcp.LevelAlert:
		return server.LevelAlert
	case mcp.LevelEmergency:
		return server.LevelEmergency
	}
	return slog.LevelInfo
}
