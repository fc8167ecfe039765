package server

import (
	"context"
	"errors"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/auth"
	"github.com/mcpkit/mcpkit/mcp"
)

// listenBuffer bounds the change notifications waiting for a slow subscriptions/listen client; past it
// they are dropped (and logged): the client re-lists when it sees the next one.
const listenBuffer = 64

// listen serves subscriptions/listen (2026-07-28) on stream transports (stdio, in-memory): acknowledge
// once changes are being collected, then forward the ones the filter asks for, tagged with the request's
// id, until the client cancels (notifications/cancelled) or the connection ends. The HTTP transport serves
// listen itself (one SSE stream per subscription) and never passes it here.
func (s *Server) listen(ctx context.Context, r *Request) (jsontext.Value, error) {
	var p mcp.SubscriptionsListenParams
	if err := decodeParams(r.Params, &p); err != nil {
		return nil, err
	}
	if len(p.Notifications.TaskIDs) > 0 && !clientTakesTasks(r.ClientCapabilities) {
		return nil, errTasksExtensionRequired("asking for task notifications")
	}
	for _, uri := range p.Notifications.ResourceSubscriptions {
		if e := s.allowed(ctx, scopeResource, s.resourceScopeName(uri)); e != nil {
			return nil, scopeError(e.(*auth.InsufficientScopeError))
		}
	}
	ids, err := s.visibleTaskIDs(ctx, r, p.Notifications.TaskIDs)
	if err != nil {
		return nil, err
	}
	p.Notifications.TaskIDs = ids
	if r.out == nil {
		return nil, errors.New("mcp: subscriptions/listen needs a stream to send notifications on")
	}
	id := jsontext.Value(r.ID.Raw())
	type change struct {
		method string
		params jsontext.Value
	}
	events := make(chan change, listenBuffer)
	stop := s.Changes(func(method string, params jsontext.Value) {
		if !p.Notifications.Wants(method, params) {
			return
		}
		select {
		case events <- change{method, params}:
		default:
			s.log.Warn("mcp: a subscriptions/listen client is too slow; dropping a notification", "method", method)
		}
	})
	defer stop()
	if err := r.out.Notify(ctx, mcp.MethodNotificationSubscriptionsAcknowledged, mcp.SubscriptionsAcknowledged(id, p.Notifications)); err != nil {
		return nil, err
	}
	for {
		select {
		case c := <-events:
			if err := r.out.Notify(ctx, c.method, mcp.WithSubscriptionID(c.params, id)); err != nil {
				return nil, err
			}
		case <-ctx.Done():
			// Cancelled by the client (it expects no answer) or the connection is closing.
			return nil, ctx.Err()
		}
	}
}
