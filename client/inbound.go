package client

import (
	"context"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
)

// inbound serves what the server sends: notifications, and (legacy era) server-to-client requests.
type inbound struct{ s *Session }

func (h *inbound) HandleRequest(ctx context.Context, m *jsonrpc.Message) (jsontext.Value, error) {
	if h.s.handle == nil {
		return h.s.serveRequest(ctx, m.Method, m.Params) // no InboundRequest to allocate
	}
	req := &InboundRequest{Method: m.Method, ID: m.ID, Params: m.Params}
	if h.s.settled.Load() { // during the handshake (a ping) the era is not known yet
		req.Era, req.ProtocolVersion = h.s.era, h.s.version
	}
	return h.s.handle(ctx, req)
}

// HandleNotification runs on the connection's read loop: it decodes the notification there and hands the
// user's callback to the session's callback queue, so that a callback may use the session.
func (h *inbound) HandleNotification(_ context.Context, m *jsonrpc.Message) {
	o := &h.s.opts
	switch m.Method {
	case mcp.MethodNotificationMessage:
		if o.OnLog != nil {
			var p mcp.LoggingMessageParams
			if h.decode(m, &p) {
				h.s.later(m.Method, func(ctx context.Context) { o.OnLog(ctx, &p) })
			}
		}
	case mcp.MethodNotificationProgress:
		var p mcp.ProgressParams
		if !h.decode(m, &p) {
			return
		}
		if fn, ok := h.s.progress.Load(tokenKey(p.ProgressToken)); ok {
			h.s.later(m.Method, func(context.Context) { fn.(func(*mcp.ProgressParams))(&p) })
		} else if o.OnProgress != nil {
			h.s.later(m.Method, func(ctx context.Context) { o.OnProgress(ctx, &p) })
		}
	case mcp.MethodNotificationSubscriptionsAcknowledged:
		var p mcp.SubscriptionsAcknowledgedParams
		if h.decode(m, &p) {
			h.s.acknowledged(p.Notifications) // the session's own bookkeeping: it never blocks
		}
	case mcp.MethodNotificationToolsListChanged:
		h.s.toolTasks.forget()
		h.s.laterIf(m.Method, o.OnToolsChanged)
	case mcp.MethodNotificationTasksStatus, mcp.MethodNotificationTasks:
		if d, err := h.s.decodeTask(m.Params); err != nil {
			h.s.log.Warn("mcp: malformed notification", "method", m.Method, "err", err)
		} else {
			h.s.taskNews(m.Method, d)
		}
	case mcp.MethodNotificationResourcesListChanged:
		h.s.laterIf(m.Method, o.OnResourcesChanged)
	case mcp.MethodNotificationPromptsListChanged:
		h.s.laterIf(m.Method, o.OnPromptsChanged)
	case mcp.MethodNotificationResourceUpdated:
		if o.OnResourceUpdated != nil {
			var p mcp.ResourceUpdatedParams
			if h.decode(m, &p) {
				h.s.later(m.Method, func(ctx context.Context) { o.OnResourceUpdated(ctx, p.URI) })
			}
		}
	}
}

func (h *inbound) decode(m *jsonrpc.Message, p any) bool {
	if err := json.Unmarshal(m.Params, p); err != nil {
		h.s.log.Warn("mcp: malformed notification", "method", m.Method, "err", err)
		return false
	}
	return true
}

// tokenKey turns a progress token into the key calls registered it under (its JSON text).
func tokenKey(tok jsontext.Value) string { return string(tok) }
