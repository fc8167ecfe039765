package gateway

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/proxy"
	"github.com/mcpkit/mcpkit/server"
)

// route is the gateway server's middleware: it sends the methods that carry no registered entry to the
// owner of the name or URI they carry. Tools, prompts, resources and templates are ordinary entries on
// the server, each bound to its upstream's proxy, so tools/call, prompts/get and resources/read need no
// routing here. ping is answered by the gateway itself (upstream health is in Status). logging/setLevel is
// answered by the gateway's server alone: each upstream session is shared by every downstream client, so
// it is asked for every level (debug) once, at connection, and the server filters what it relays by each
// downstream session's or request's own level; passing one client's level up would silence the others.
// Skills methods are answered by the gateway's server (which serves skills only when its owner added some)
// and otherwise refused with noSkills's explanation.
func (g *Gateway) route(next server.Handler) server.Handler {
	return func(ctx context.Context, r *server.Request) (jsontext.Value, error) {
		switch r.Method {
		case mcp.MethodCompletionComplete:
			return g.complete(ctx, r)
		case mcp.MethodResourcesSubscribe, mcp.MethodResourcesUnsubscribe:
			var params struct {
				URI string `json:"uri"`
			}
			if err := json.Unmarshal(r.Params, &params); err != nil || params.URI == "" {
				return next(ctx, r) // the server answers the malformed request
			}
			// A legacy session holds a subscription once however often it subscribes, and can end only its
			// own: the server keeps one set per session, and the gateway counts holders per URI. A stream
			// connection's session has no id: each of its subscribes counts as a holder.
			holder := ""
			if r.SessionID != "" {
				holder = "session\x00" + r.SessionID + "\x00" + params.URI
			}
			if r.Method == mcp.MethodResourcesUnsubscribe {
				g.unsubscribe(ctx, params.URI, holder)
				return next(ctx, r)
			}
			if err := g.subscribe(ctx, params.URI, holder); err != nil {
				return nil, err
			}
			res, err := next(ctx, r)
			if err != nil {
				g.unsubscribe(ctx, params.URI, holder)
			}
			return res, err
		case mcp.MethodSubscriptionsListen:
			var params struct {
				Notifications mcp.SubscriptionFilter `json:"notifications"`
			}
			if err := json.Unmarshal(r.Params, &params); err != nil {
				return next(ctx, r)
			}
			var subscribed []string
			defer func() {
				for _, uri := range subscribed {
					g.unsubscribe(ctx, uri, "")
				}
			}()
			for _, uri := range params.Notifications.ResourceSubscriptions {
				if err := g.subscribe(ctx, uri, ""); err != nil {
					return nil, err
				}
				subscribed = append(subscribed, uri)
			}
			return next(ctx, r)
		case mcp.MethodSkillsList, mcp.MethodSkillsGet, mcp.MethodResourcesDirectoryRead:
			res, err := next(ctx, r)
			if jsonrpc.ErrorCode(err) == mcp.CodeMethodNotFound {
				return nil, noSkills(r.Method)
			}
			return res, err
		}
		return next(ctx, r)
	}
}

// noSkills is the error of a skills method (skills/list, skills/get, resources/directory/read) on a gateway
// whose own server serves no skills: the upstreams' skills (the io.modelcontextprotocol/skills extension)
// are not forwarded, since their skill:// URIs are not namespaced and several upstreams' would collide
// (docs/GATEWAY.md). Each upstream's SKILL.md files are still ordinary resources, under NAME+skill://….
func noSkills(method string) error {
	return &jsonrpc.Error{Code: mcp.CodeMethodNotFound, Message: fmt.Sprintf(
		"method not found: %s: the gateway does not forward its upstreams' skills (io.modelcontextprotocol/skills); "+
			"a skill's SKILL.md is listed and read as a resource NAME+skill://…, its other files only on the upstream itself", method)}
}

// complete routes completion/complete by its reference: a prompt by its NAME<sep> prefix, a resource
// template by its NAME+ scheme prefix; the reference goes upstream in the upstream's names.
func (g *Gateway) complete(ctx context.Context, r *server.Request) (jsontext.Value, error) {
	var params mcp.CompleteParams
	if err := json.Unmarshal(r.Params, &params); err != nil {
		return nil, &jsonrpc.Error{Code: mcp.CodeInvalidParams, Message: fmt.Sprintf("completion/complete params: %v", err)}
	}
	var u *upstream
	switch params.Ref.Type {
	case mcp.RefTypePrompt:
		var name string
		u, name = g.nameOwner(params.Ref.Name)
		params.Ref.Name = name
	case mcp.RefTypeResource:
		u = g.uriLookup(uriOwner(params.Ref.URI))
		if u != nil {
			params.Ref.URI = u.ns.upstreamURI(params.Ref.URI)
		}
	default:
		return nil, &jsonrpc.Error{Code: mcp.CodeInvalidParams, Message: fmt.Sprintf("completion/complete: ref.type must be %q or %q, got %q", mcp.RefTypePrompt, mcp.RefTypeResource, params.Ref.Type)}
	}
	if u == nil {
		return nil, &jsonrpc.Error{Code: mcp.CodeInvalidParams, Message: fmt.Sprintf("completion/complete: no upstream of the gateway owns the reference %q", params.Ref.Name+params.Ref.URI)}
	}
	p, err := u.proxy()
	if err != nil {
		return nil, &jsonrpc.Error{Code: mcp.CodeInternalError, Message: err.Error()}
	}
	return p.Complete(ctx, r, &params)
}

// nameOwner returns the upstream whose NAME<sep> begins a tool or prompt name, and the name without it.
// Validate makes the owner unique.
func (g *Gateway) nameOwner(down string) (*upstream, string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for name, u := range g.ups {
		if rest, ok := strings.CutPrefix(down, name+g.sep); ok {
			return u, rest
		}
	}
	return nil, ""
}

// subscribe counts one more holder of a downstream subscription to uri — a legacy session (holder, its
// session and the URI: a second subscribe of the same session counts nothing) or an open
// subscriptions/listen (holder "": each counts) — and subscribes the URI's owner when it is the first. The
// count is kept per downstream URI so that the upstream is unsubscribed only when the last holder goes,
// and a reconnected upstream is subscribed again (resubscribe).
func (g *Gateway) subscribe(ctx context.Context, uri, holder string) error {
	u := g.uriLookup(uriOwner(uri))
	if u == nil {
		return &jsonrpc.Error{Code: mcp.CodeInvalidParams, Message: fmt.Sprintf("no upstream of the gateway owns the resource %q (URIs are NAME+scheme:…)", uri)}
	}
	p, err := u.proxy()
	if err != nil {
		return &jsonrpc.Error{Code: mcp.CodeInternalError, Message: err.Error()}
	}
	g.mu.Lock()
	if holder != "" {
		if _, ok := g.held[holder]; ok {
			g.mu.Unlock()
			return nil
		}
		g.held[holder] = struct{}{}
	}
	g.subs[uri]++
	first := g.subs[uri] == 1
	g.mu.Unlock()
	if !first {
		return nil
	}
	if err := p.Subscribe(ctx, u.ns.upstreamURI(uri), true); err != nil {
		g.mu.Lock()
		if holder != "" {
			delete(g.held, holder)
		}
		if n := g.subs[uri]; n > 1 {
			g.subs[uri] = n - 1
		} else {
			delete(g.subs, uri)
		}
		g.mu.Unlock()
		return err
	}
	return nil
}

// unsubscribe ends one holder's subscription to uri (holder as for subscribe: a session's that holds none
// changes nothing); when it was the last, the owner is unsubscribed (best effort, bounded: ctx may have
// ended) when it is connected.
func (g *Gateway) unsubscribe(ctx context.Context, uri, holder string) {
	g.mu.Lock()
	if holder != "" {
		if _, ok := g.held[holder]; !ok {
			g.mu.Unlock()
			return
		}
		delete(g.held, holder)
	}
	n := g.subs[uri]
	if n > 1 {
		g.subs[uri] = n - 1
	} else {
		delete(g.subs, uri)
	}
	g.mu.Unlock()
	if n != 1 {
		return // others still hold it (or nobody did)
	}
	u := g.uriLookup(uriOwner(uri))
	if u == nil {
		return
	}
	p, err := u.proxy()
	if err != nil {
		return
	}
	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), unsubscribeTimeout)
	defer cancel()
	if err := p.Subscribe(uctx, u.ns.upstreamURI(uri), false); err != nil {
		g.log.Debug("gateway: unsubscribing upstream failed", "upstream", u.cfg.Name, "uri", uri, "err", err)
	}
}

// unsubscribeTimeout bounds an unsubscribe sent after the downstream request ended.
const unsubscribeTimeout = 5 * time.Second

// heldURIs returns the downstream URIs of the upstream called name that downstream clients hold.
func (g *Gateway) heldURIs(name string) []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var uris []string
	for uri, n := range g.subs {
		if n > 0 && strings.EqualFold(uriOwner(uri), name) {
			uris = append(uris, uri)
		}
	}
	return uris
}

// resubscribe subscribes a (re)connected upstream to uris, the URIs downstream clients held before it
// became routable (heldURIs), once each.
func (g *Gateway) resubscribe(ctx context.Context, u *upstream, p *proxy.Proxy, uris []string) {
	for _, uri := range uris {
		sctx, cancel := context.WithTimeout(ctx, unsubscribeTimeout)
		if err := p.Subscribe(sctx, u.ns.upstreamURI(uri), true); err != nil {
			g.log.Warn("gateway: subscribing a reconnected upstream again failed", "upstream", u.cfg.Name, "uri", uri, "err", err)
		}
		cancel()
	}
}
