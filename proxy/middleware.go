package proxy

import (
	"context"
	"fmt"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

// middleware forwards the methods that have no registered entry on the proxy's server:
// completion/complete is answered by the upstream; resources/subscribe and unsubscribe, logging/setLevel
// and ping are forwarded and then served by the proxy's server too (it holds the downstream subscriptions
// that resources/updated reach, and the downstream session's log level). Every other method passes
// through untouched.
func (p *Proxy) middleware(next server.Handler) server.Handler {
	return func(ctx context.Context, r *server.Request) (jsontext.Value, error) {
		if settings, ok := p.upstreamSkills(); ok { // skills.go
			if skillsMethod(r) {
				return p.forwardSkills(ctx, r)
			}
			if r.Method == mcp.MethodInitialize || r.Method == mcp.MethodDiscover {
				res, err := next(ctx, r)
				if err != nil {
					return nil, err
				}
				return declareSkills(res, settings)
			}
		}
		switch r.Method {
		case mcp.MethodCompletionComplete:
			return p.complete(ctx, r)
		case mcp.MethodResourcesSubscribe, mcp.MethodResourcesUnsubscribe:
			var params struct {
				URI string `json:"uri"`
			}
			if err := json.Unmarshal(r.Params, &params); err != nil || params.URI == "" {
				return next(ctx, r) // the server answers the malformed request
			}
			on := r.Method == mcp.MethodResourcesSubscribe
			if err := p.subscribeUp(ctx, params.URI, on); err != nil {
				return nil, err
			}
			res, err := next(ctx, r)
			if err != nil && on {
				p.unsubscribeUp(ctx, params.URI)
			}
			return res, err
		case mcp.MethodSubscriptionsListen:
			return p.listen(ctx, r, next)
		case mcp.MethodLoggingSetLevel:
			var params struct {
				Level mcp.LoggingLevel `json:"level"`
			}
			if err := json.Unmarshal(r.Params, &params); err != nil || !params.Level.Valid() {
				return next(ctx, r)
			}
			if up, err := p.upstream(); err == nil && up.Era() == mcp.EraLegacy {
				if err := up.SetLevel(ctx, params.Level); err != nil {
					return nil, err
				}
			}
		case mcp.MethodPing:
			up, err := p.upstream()
			if err != nil {
				return nil, err
			}
			if err := up.Ping(ctx); err != nil {
				return nil, err
			}
		}
		return next(ctx, r)
	}
}

// complete decodes and forwards completion/complete (Complete). The proxy registers no completions.
func (p *Proxy) complete(ctx context.Context, r *server.Request) (jsontext.Value, error) {
	var params mcp.CompleteParams
	if err := json.Unmarshal(r.Params, &params); err != nil {
		return nil, &jsonrpc.Error{Code: mcp.CodeInvalidParams, Message: fmt.Sprintf("completion/complete params: %v", err)}
	}
	return p.Complete(ctx, r, &params)
}

// listen serves a 2026-07-28 downstream subscriptions/listen: the resources it names are subscribed
// upstream while it is open.
func (p *Proxy) listen(ctx context.Context, r *server.Request, next server.Handler) (jsontext.Value, error) {
	var params struct {
		Notifications mcp.SubscriptionFilter `json:"notifications"`
	}
	if err := json.Unmarshal(r.Params, &params); err != nil {
		return next(ctx, r) // the server answers the malformed request
	}
	var subscribed []string
	defer func() {
		for _, uri := range subscribed {
			p.unsubscribeUp(ctx, uri)
		}
	}()
	for _, uri := range params.Notifications.ResourceSubscriptions {
		if err := p.subscribeUp(ctx, uri, true); err != nil {
			return nil, err
		}
		subscribed = append(subscribed, uri)
	}
	return next(ctx, r)
}

// subscribeUp subscribes (on) or unsubscribes the upstream to uri for a downstream client: with
// resources/subscribe or unsubscribe on a legacy upstream, in Run's subscriptions/listen on a 2026-07-28
// one.
func (p *Proxy) subscribeUp(ctx context.Context, uri string, on bool) error {
	up, err := p.upstream()
	if err != nil {
		return err
	}
	if up.Era() == mcp.EraModern {
		p.subscribe(uri, on)
		return nil
	}
	method := mcp.MethodResourcesUnsubscribe
	if on {
		method = mcp.MethodResourcesSubscribe
	}
	_, err = p.forwardRaw(ctx, method, struct {
		URI string `json:"uri"`
	}{uri})
	return err
}

// unsubscribeUp ends an upstream subscription when ctx may have ended already (bounded by
// unsubscribeTimeout); a failure is only logged.
func (p *Proxy) unsubscribeUp(ctx context.Context, uri string) {
	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), unsubscribeTimeout)
	defer cancel()
	if err := p.subscribeUp(uctx, uri, false); err != nil {
		p.log.Debug("proxy: unsubscribing upstream failed", "uri", uri, "err", err)
	}
}

// unsubscribeTimeout bounds an unsubscribe sent after the downstream request ended.
const unsubscribeTimeout = 5 * time.Second
