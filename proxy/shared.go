package proxy

import (
	"context"
	"fmt"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

// Names maps the upstream's names to the downstream server's, for several upstreams behind one server
// (Options.Shared). A nil func keeps the name as the upstream gives it. A func returning "" hides the
// entry: it is neither registered nor reachable.
type Names struct {
	// Tool and Prompt map a tool's or prompt's name.
	Tool, Prompt func(upstream string) string
	// URI maps a resource URI or a resource template (the same rule for both, so that a URI a template
	// matches upstream is matched by the mapped template downstream).
	URI func(upstream string) string
	// UpstreamURI maps a downstream URI back (the inverse of URI): resources/read of a mapped template
	// arrives with a downstream URI. It must be set when URI is.
	UpstreamURI func(downstream string) string
}

func (n Names) tool(s string) string {
	if n.Tool == nil {
		return s
	}
	return n.Tool(s)
}

func (n Names) prompt(s string) string {
	if n.Prompt == nil {
		return s
	}
	return n.Prompt(s)
}

func (n Names) uri(s string) string {
	if n.URI == nil {
		return s
	}
	return n.URI(s)
}

func (n Names) upstreamURI(s string) string {
	if n.UpstreamURI == nil {
		return s
	}
	return n.UpstreamURI(s)
}

// Detach removes every entry the proxy registered from its server (which tells the downstream clients,
// list_changed) and ends the proxy's use of the upstream session: its later notifications change
// nothing, and forwarded methods fail with ErrNotAttached. The session itself is the caller's to close.
// It is how a gateway isolates an upstream that went away (Options.Shared).
func (p *Proxy) Detach() {
	p.mu.Lock()
	p.up = nil
	p.detached = true
	p.mu.Unlock()
	p.syncMu.Lock()
	defer p.syncMu.Unlock()
	if p.srv == nil {
		return
	}
	if names := sortedKeys(p.reg.tools); len(names) > 0 {
		p.srv.RemoveTools(names...)
	}
	if names := sortedKeys(p.reg.prompts); len(names) > 0 {
		p.srv.RemovePrompts(names...)
	}
	if keys := sortedKeys(p.reg.resources); len(keys) > 0 {
		p.srv.RemoveResources(untemplateKeys(keys)...)
	}
	p.reg = registered{}
}

// sortedKeys returns the keys of m, sorted.
func sortedKeys(m map[string]string) []string {
	return goneKeys(m, nil)
}

// untemplateKeys turns registered.resources keys back into URIs and templates.
func untemplateKeys(keys []string) []string {
	for i, g := range keys {
		if len(g) > len(templateKeyPrefix) && g[:len(templateKeyPrefix)] == templateKeyPrefix {
			keys[i] = g[len(templateKeyPrefix):]
		}
	}
	return keys
}

// Complete forwards completion/complete for the downstream request r, whose params are given with the
// reference already in the upstream's names, and encodes the result for r's era.
func (p *Proxy) Complete(ctx context.Context, r *server.Request, params *mcp.CompleteParams) (jsontext.Value, error) {
	params.Meta = nil // forwardRaw sends the forwarded members
	var res mcp.CompleteResult
	if err := p.forward(ctx, mcp.MethodCompletionComplete, params, &res); err != nil {
		return nil, err
	}
	out := mcp.CompleteResult{Completion: res.Completion}
	if r.Era == mcp.EraModern {
		info := p.srv.Info()
		out.ResultType = mcp.ResultComplete
		out.Meta = &mcp.ResultMeta{ServerInfo: &info}
	}
	return json.Marshal(&out)
}

// Subscribe subscribes (on) or unsubscribes the upstream to the resource uri (the upstream's URI) for a
// downstream client: resources/subscribe or unsubscribe on a legacy upstream, Run's subscriptions/listen
// on a 2026-07-28 one. Subscriptions are counted per URI by the caller for a legacy upstream (each call
// is sent) and by the proxy for a 2026-07-28 one.
func (p *Proxy) Subscribe(ctx context.Context, uri string, on bool) error {
	return p.subscribeUp(ctx, uri, on)
}

// SetRoots tells the proxy the downstream client's roots changed to roots (with Options.Shared, where the
// server's roots hook is its owner's): kept as the answer to an upstream roots/list that comes with no
// downstream request in flight, and announced to a legacy upstream.
func (p *Proxy) SetRoots(ctx context.Context, roots []mcp.Root) error {
	if roots == nil {
		roots = []mcp.Root{}
	}
	p.mu.Lock()
	p.lastRoots = roots
	p.mu.Unlock()
	up, err := p.upstream()
	if err != nil {
		return err
	}
	return up.SetRoots(ctx, roots)
}

// Ping pings the upstream.
func (p *Proxy) Ping(ctx context.Context) error {
	up, err := p.upstream()
	if err != nil {
		return err
	}
	return up.Ping(ctx)
}

// checkEntry says whether register, run on a scratch server, registers cleanly: on a shared server an
// entry the server refuses (a schema that does not compile, a malformed template) would leave a sticky
// error that stops the whole server from serving, so it is skipped instead.
func checkEntry(register func(*server.Server)) error {
	s := server.New("check", "0", nil)
	register(s)
	return s.Err()
}

// timeoutError is the error of a forwarded request that exceeded Options.CallTimeout: a JSON-RPC
// internal error (a tool handler returning it makes tools/call fail with it, not a tool result) naming the
// upstream and the bound, its data {"upstream": Label, "timeoutMs": n}.
func (p *Proxy) timeoutError(method string) error {
	who := "the upstream"
	if p.label != "" {
		who = fmt.Sprintf("upstream %q", p.label)
	}
	data, _ := json.Marshal(struct {
		Upstream  string `json:"upstream,omitzero"`
		TimeoutMs int64  `json:"timeoutMs"`
	}{p.label, p.timeout.Milliseconds()})
	return &jsonrpc.Error{
		Code:    mcp.CodeInternalError,
		Message: fmt.Sprintf("%s did not answer %s within %s; the request was cancelled upstream", who, method, p.timeout),
		Data:    data,
	}
}
