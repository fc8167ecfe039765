package proxy

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

// callTool returns the handler of an upstream tool: the call is forwarded with its arguments.
func (p *Proxy) callTool(name string) server.ToolHandler {
	head, _ := json.Marshal(struct {
		Name string `json:"name"`
	}{name})
	head = head[:len(head)-1] // {"name":"…"
	return func(ctx context.Context, args jsontext.Value) (*mcp.CallToolResult, error) {
		raw, err := p.forwardRaw(ctx, mcp.MethodToolsCall, toolParams(head, args))
		if needsTasks(err) {
			// A 2026-07-28 upstream lists no taskSupport: a tool it runs only as a task says so here.
			return p.callTaskTool(name)(ctx, args)
		}
		if err != nil {
			return nil, err
		}
		var res mcp.CallToolResult
		if err := decodeToolResult(raw, &res); err != nil {
			return nil, err
		}
		p.contentURIs(res.Content)
		return &res, nil
	}
}

// toolParams are tools/call's params: head ({"name":"…", without its closing brace) and the arguments,
// which arrive as the downstream request carried them (valid JSON: the server decoded that request).
func toolParams(head []byte, args jsontext.Value) jsontext.Value {
	b := make([]byte, 0, len(head)+len(args)+len(`,"arguments":}`))
	b = append(b, head...)
	if len(args) > 0 {
		b = append(append(b, `,"arguments":`...), args...)
	}
	return append(b, '}')
}

// readResource returns the handler of an upstream resource or template: the read is forwarded for the URI
// asked.
func (p *Proxy) readResource() server.ResourceHandler {
	return func(ctx context.Context, req server.ResourceRequest) ([]mcp.ResourceContents, error) {
		var res mcp.ReadResourceResult
		if err := p.forward(ctx, mcp.MethodResourcesRead, struct {
			URI string `json:"uri"`
		}{p.names.upstreamURI(req.URI)}, &res); err != nil {
			return nil, err
		}
		if p.names.URI != nil {
			for i := range res.Contents {
				if d := p.names.uri(res.Contents[i].URI); d != "" {
					res.Contents[i].URI = d
				}
			}
		}
		return res.Contents, nil
	}
}

// getPrompt returns the handler of an upstream prompt.
func (p *Proxy) getPrompt(name string) func(ctx context.Context, args map[string]string) (*mcp.GetPromptResult, error) {
	return func(ctx context.Context, args map[string]string) (*mcp.GetPromptResult, error) {
		var res mcp.GetPromptResult
		if err := p.forward(ctx, mcp.MethodPromptsGet, struct {
			Name      string            `json:"name"`
			Arguments map[string]string `json:"arguments,omitzero"`
		}{name, args}, &res); err != nil {
			return nil, err
		}
		ownFields(&res.ResultFields)
		for i := range res.Messages {
			p.contentURI(&res.Messages[i].Content)
		}
		return &res, nil
	}
}

// contentURIs renames, with Options.Names, the URIs content blocks carry — a resource_link's and an
// embedded resource's — so that a client can read them through the proxy's server as it lists them (a
// gateway's NAME+scheme: URIs). Blocks share nothing with the caller's: a block is changed in place. A
// URI the names cannot map (no scheme) is left as the upstream sent it.
func (p *Proxy) contentURIs(blocks []mcp.Content) {
	for i := range blocks {
		p.contentURI(&blocks[i])
	}
}

// contentURI is contentURIs for one block.
func (p *Proxy) contentURI(b *mcp.Content) {
	if p.names.URI == nil {
		return
	}
	if b.URI != "" {
		if d := p.names.uri(b.URI); d != "" {
			b.URI = d
		}
	}
	if b.Resource != nil && b.Resource.URI != "" {
		if d := p.names.uri(b.Resource.URI); d != "" {
			b.Resource.URI = d
		}
	}
}

// forward sends one request upstream on behalf of the downstream request in ctx and decodes its result
// into out. The downstream request's _meta goes along (its extension keys and trace context), progress is
// asked for when the downstream asked and relayed to it, and the upstream call ends when ctx does (the
// client sends notifications/cancelled). While it runs, the downstream request is the one the upstream's
// questions and logs go to (inflight.go).
func (p *Proxy) forward(ctx context.Context, method string, params, out any) error {
	raw, err := p.forwardRaw(ctx, method, params)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("proxy: upstream %s result: %w", method, err)
	}
	return nil
}

// forwardRaw is forward returning the undecoded result. Its error has the URLs' credentials masked
// (RedactURLs): the upstream transport's own failures name the upstream's URL.
func (p *Proxy) forwardRaw(ctx context.Context, method string, params any) (jsontext.Value, error) {
	up, err := p.upstream()
	if err != nil {
		return nil, err
	}
	body, err := withMeta(server.RequestFrom(ctx), params)
	if err != nil {
		return nil, err
	}
	ctx = p.relayProgress(ctx)
	done := p.inflight.add(ctx)
	defer done()
	if p.timeout <= 0 {
		res, err := up.Call(ctx, method, body)
		return res, redactError(p.lostError(ctx, err))
	}
	cctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	res, err := up.Call(cctx, method, body)
	if err != nil && ctx.Err() == nil && errors.Is(cctx.Err(), context.DeadlineExceeded) {
		return nil, p.timeoutError(method)
	}
	return res, redactError(p.lostError(ctx, err))
}

// lostError turns a forwarded request's failure that is not the upstream's answer — the connection
// ended (a stdio child died, a stream closed) — into a JSON-RPC error (-32603) naming the upstream, as an
// HTTP upstream that went away already gives: the entry did not fail, the upstream did not answer. A tool
// handler's plain error would otherwise reach the client as a tool result with isError. The upstream's
// own JSON-RPC errors, the session's other failures (an input round it could not complete) and the
// downstream request's cancellation pass unchanged.
func (p *Proxy) lostError(ctx context.Context, err error) error {
	if err == nil || ctx.Err() != nil || !errors.Is(err, jsonrpc.ErrClosed) {
		return err
	}
	who := "the upstream"
	if p.label != "" {
		who = fmt.Sprintf("upstream %q", p.label)
	}
	return &jsonrpc.Error{Code: mcp.CodeInternalError, Message: fmt.Sprintf("%s did not answer: %v", who, err)}
}

// relayProgress asks for the upstream's progress when the downstream request in ctx has a progress token,
// relaying it to that token.
func (p *Proxy) relayProgress(ctx context.Context) context.Context {
	r := server.RequestFrom(ctx)
	if r == nil || r.Meta == nil || len(r.Meta.ProgressToken) == 0 {
		return ctx
	}
	down := ctx
	return client.WithProgress(ctx, func(pp *mcp.ProgressParams) {
		total := 0.0
		if pp.Total != nil {
			total = *pp.Total
		}
		_ = server.Progress(down, pp.Progress, total, pp.Message)
	})
}

// forwardedMeta are the members of a downstream request's _meta sent upstream: trace context and extension
// keys. The progress token is the upstream session's own (relayed by forwardRaw), and the era's members
// (protocol version, capabilities, client info, log level) are the upstream session's.
type forwardedMeta struct {
	TraceParent jsontext.Value            `json:"traceparent,omitzero"`
	TraceState  jsontext.Value            `json:"tracestate,omitzero"`
	Baggage     jsontext.Value            `json:"baggage,omitzero"`
	Extra       map[string]jsontext.Value `json:",embed"`
}

// withMeta encodes params with the downstream request's forwarded _meta as its first member (which
// client.Session.Call keeps), or without _meta when there is nothing to forward.
func withMeta(r *server.Request, params any) (jsontext.Value, error) {
	var fm forwardedMeta
	if r != nil && r.Meta != nil {
		m := r.Meta
		fm = forwardedMeta{TraceParent: m.TraceParent, TraceState: m.TraceState, Baggage: m.Baggage}
		for k, v := range m.Extra {
			if isEraKey(k) {
				continue
			}
			if fm.Extra == nil {
				fm.Extra = map[string]jsontext.Value{}
			}
			fm.Extra[k] = v
		}
	}
	body, ok := params.(jsontext.Value) // already encoded (toolParams)
	if !ok {
		var err error
		if body, err = json.Marshal(params); err != nil {
			return nil, fmt.Errorf("proxy: encoding params: %w", err)
		}
	}
	if len(fm.TraceParent) == 0 && len(fm.TraceState) == 0 && len(fm.Baggage) == 0 && len(fm.Extra) == 0 {
		return body, nil
	}
	meta, err := json.Marshal(fm)
	if err != nil {
		return nil, fmt.Errorf("proxy: encoding _meta: %w", err)
	}
	out := append([]byte(`{"_meta":`), meta...)
	if rest := body[1:]; len(rest) > 0 && rest[0] != '}' {
		out = append(out, ',')
	}
	return append(out, body[1:]...), nil
}

// isEraKey says whether a _meta key belongs to the protocol's own per-request members, which the upstream
// session sets for itself (and a 2026-07-28 multi round-trip's members, which are per hop).
func isEraKey(k string) bool {
	const reserved = "io.modelcontextprotocol/"
	return len(k) >= len(reserved) && k[:len(reserved)] == reserved
}

// ownFields drops from an upstream result what belongs to the upstream hop: resultType and the protocol's
// _meta keys (serverInfo, …), which the proxy's server sets for its own era. The result's other _meta
// keys and members stay.
func ownFields(f *mcp.ResultFields) {
	f.ResultType = ""
	if f.Meta == nil {
		return
	}
	var extra map[string]jsontext.Value
	for k, v := range f.Meta.Extra {
		if isEraKey(k) {
			continue
		}
		if extra == nil {
			extra = map[string]jsontext.Value{}
		}
		extra[k] = v
	}
	f.Meta = nil
	if extra != nil {
		f.Meta = &mcp.ResultMeta{Extra: extra}
	}
}
