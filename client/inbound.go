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
	switch m.Method {
	case mcp.MethodPing:
		return jsontext.Value(`{}`), nil
	case mcp.MethodElicitationCreate, mcp.MethodSamplingCreateMessage, mcp.MethodRootsList:
		return h.s.answer(ctx, m.Method, m.Params)
	}
	return nil, &jsonrpc.Error{Code: mcp.CodeMethodNotFound, Message: "method not found: " + m.Method}
}

func (h *inbound) HandleNotification(ctx context.Context, m *jsonrpc.Message) {
	o := &h.s.opts
	switch m.Method {
	case mcp.MethodNotificationMessage:
		if o.OnLog != nil {
			var p mcp.LoggingMessageParams
			if h.decode(m, &p) {
				o.OnLog(ctx, &p)
			}
		}
	case mcp.MethodNotificationProgress:
		var p mcp.ProgressParams
		if !h.decode(m, &p) {
			return
		}
		if fn, ok := h.s.progress.Load(tokenKey(p.ProgressToken)); ok {
			fn.(func(*mcp.ProgressParams))(&p)
		} else if o.OnProgress != nil {
			o.OnProgress(ctx, &p)
		}
	case mcp.MethodNotificationSubscriptionsAcknowledged:
		var p mcp.SubscriptionsAcknowledgedParams
		if h.decode(m, &p) {
			h.s.acknowledged(p.Notifications)
		}
	case mcp.MethodNotificationToolsListChanged:
		call(ctx, o.OnToolsChanged)
	case mcp.MethodNotificationResourcesListChanged:
		call(ctx, o.OnResourcesChanged)
	case mcp.MethodNotificationPromptsListChanged:
		call(ctx, o.OnPromptsChanged)
	case mcp.MethodNotificationResourceUpdated:
		if o.OnResourceUpdated != nil {
			var p mcp.ResourceUpdatedParams
			if h.decode(m, &p) {
				o.OnResourceUpdated(ctx, p.URI)
			}
		}
	}
}

func call(ctx context.Context, fn func(context.Context)) {
	if fn != nil {
		fn(ctx)
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
