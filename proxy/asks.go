package proxy

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
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
// came as a legacy server-to-client request is answered upstream with a JSON-RPC error (ask).
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
// retry calls the upstream again, where the same question now finds its answer. The question is relayed
// as it came (see ask); only the URL mode's elicitationId changes with the era: 2026-07-28 has none (the
// round's requestState ties the answer), and a 2025-11-25 client needs one, which the proxy then gives.
func (p *Proxy) elicit(ctx context.Context, params *mcp.ElicitParams) (*mcp.ElicitResult, error) {
	if params == nil {
		params = &mcp.ElicitParams{}
	}
	var res mcp.ElicitResult
	err := p.ask(ctx, mcp.MethodElicitationCreate, func(d *server.Request) server.Input {
		q := params
		if q.Mode == mcp.ElicitModeURL {
			switch {
			case d.Era == mcp.EraModern && q.ElicitationID != "":
				c := *q
				c.ElicitationID = ""
				q = &c
			case d.Era != mcp.EraModern && q.ElicitationID == "":
				c := *q
				c.ElicitationID = "mcpkit-proxy-" + rand.Text()
				q = &c
			}
		}
		return server.ElicitationInput("", q)
	}, &res)
	if err != nil {
		return nil, err
	}
	return &res, nil
}

// sample passes the upstream's sampling/createMessage to the downstream client, as it came (see ask):
// server.Sample's guards (at least one message, maxTokens > 0) are for handler authors, and whether a
// request without them is answerable is the downstream client's call, as it would be without the proxy.
func (p *Proxy) sample(ctx context.Context, params *mcp.CreateMessageParams) (*mcp.CreateMessageResult, error) {
	if params == nil {
		params = &mcp.CreateMessageParams{}
	}
	var res mcp.CreateMessageResult
	err := p.ask(ctx, mcp.MethodSamplingCreateMessage, func(*server.Request) server.Input {
		return server.SamplingInput("", params)
	}, &res)
	if err != nil {
		return nil, err
	}
	return &res, nil
}

// roots passes the upstream's roots/list to the downstream client. One the downstream client cannot be
// asked is answered by the proxy instead, with the roots the downstream client last announced
// (rootsChanged, SetRoots) when it did:
//   - with no downstream request in flight (a legacy server asking after initialized or after
//     roots/list_changed): those roots, else a JSON-RPC error (the proxy does not know the host's roots);
//   - put to a request whose client did not declare the roots capability: those roots, else an empty
//     list. The host exposes no roots; the proxy declared the capability upstream (it relays roots), so
//     "method not found", the 2025-11-25 answer of a client without roots, would contradict it, and the
//     request in flight must not fail for a question it did not ask (see ask).
func (p *Proxy) roots(ctx context.Context) ([]mcp.Root, error) {
	var res mcp.ListRootsResult
	err := p.ask(ctx, mcp.MethodRootsList, func(*server.Request) server.Input { return server.RootsInput("") }, &res)
	if errors.Is(err, errNoDownstream) || errors.Is(err, errCannotAnswer) {
		p.mu.Lock()
		last := slices.Clone(p.lastRoots)
		p.mu.Unlock()
		switch {
		case last != nil:
			return last, nil
		case errors.Is(err, errCannotAnswer):
			return []mcp.Root{}, nil
		}
	}
	if err != nil {
		return nil, err
	}
	return res.Roots, nil
}

// errCannotAnswer marks an upstream question that came outside any call and was not put to the
// downstream request in flight because its client did not declare the capability the question needs (the
// error wraps the *server.MissingCapabilityError too).
var errCannotAnswer = errors.New("proxy: the downstream request in flight cannot be asked")

// refusal is the JSON-RPC error (-32603) an upstream question gets when the proxy does not put it to the
// downstream client; cause says why (errNoDownstream, errAmbiguous, errCannotAnswer).
type refusal struct {
	rpc   *jsonrpc.Error
	cause error
}

func refuse(cause error) *refusal {
	return &refusal{rpc: &jsonrpc.Error{Code: mcp.CodeInternalError, Message: cause.Error()}, cause: cause}
}

func (e *refusal) Error() string { return e.rpc.Message }

func (e *refusal) Unwrap() []error { return []error{e.rpc, e.cause} }

// ask puts one upstream question (method, with the Input input builds for the downstream request it goes
// to) to the downstream client as it came, and decodes the answer into out. The params are the
// upstream's, not rebuilt through server.Sample or ElicitWith: the downstream client judges them.
//
// A question asked in the call (a 2026-07-28 upstream's input_required round, answered inside the
// forwarded request) belongs to that call: its errors stay the server package's, so a downstream client
// without the capability fails the call as it would fail the upstream's (-32021 at 2026-07-28, a tool
// error in a legacy session). A question that came outside it (a legacy upstream's server-to-client
// request, which names no call) is only assumed to belong to the call in flight: server-everything, for
// one, asks for roots on its own 350 ms after initialized. When that call's client did not declare the
// capability, the question is not put to it (at 2026-07-28 asking would fail the whole downstream
// request with -32021): it fails alone, toward the upstream (errCannotAnswer wrapping the
// MissingCapabilityError, answered as a JSON-RPC error), and the call goes on.
func (p *Proxy) ask(ctx context.Context, method string, input func(*server.Request) server.Input, out any) error {
	d, inCall, err := p.downstream(ctx)
	if err != nil {
		return refuse(err)
	}
	r := server.RequestFrom(d)
	if r == nil {
		return refuse(errNoDownstream)
	}
	in := input(r)
	if !inCall {
		if missing := missingCapability(r, in); missing != nil {
			return refuse(fmt.Errorf("%w: %w", errCannotAnswer, missing))
		}
	}
	raw, err := server.Ask(d, in)
	if err == nil {
		if err = json.Unmarshal(raw[0], out); err != nil {
			err = fmt.Errorf("proxy: decoding the downstream client's %s result: %w", method, err)
		}
	}
	if inCall {
		return err
	}
	return upstreamError(err)
}

// missingCapability says which capability r's client lacks for in, as server.Ask would find (without
// recording the failure on the request, as Ask does at 2026-07-28), or nil.
func missingCapability(r *server.Request, in server.Input) *server.MissingCapabilityError {
	caps := r.ClientCapabilities
	switch in.Method {
	case mcp.MethodElicitationCreate:
		if ep, _ := in.Params.(*mcp.ElicitParams); ep != nil && ep.Mode == mcp.ElicitModeURL {
			if !caps.SupportsElicitation(mcp.ElicitModeURL) {
				return &server.MissingCapabilityError{Capability: "elicitation.url"}
			}
		} else if !caps.SupportsElicitation(mcp.ElicitModeForm) {
			return &server.MissingCapabilityError{Capability: "elicitation"}
		}
	case mcp.MethodSamplingCreateMessage:
		if !caps.SupportsSampling() {
			return &server.MissingCapabilityError{Capability: "sampling"}
		}
		if sp, _ := in.Params.(*mcp.CreateMessageParams); sp != nil && (len(sp.Tools) > 0 || sp.ToolChoice != nil) && !caps.SupportsSamplingTools() {
			return &server.MissingCapabilityError{Capability: "sampling.tools"}
		}
	case mcp.MethodRootsList:
		if !caps.SupportsRoots() {
			return &server.MissingCapabilityError{Capability: "roots"}
		}
	}
	return nil
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
