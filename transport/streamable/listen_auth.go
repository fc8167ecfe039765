package streamable

import (
	"net/http"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/internal/httpx"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport"
)

// forbidListen applies the caller's authorization to a subscriptions/listen filter before the stream
// opens: a resource subscription the principal lacks the scopes to read is answered 403 with the step-up
// challenge (as resources/read would be), and the task ids the caller cannot see (another principal's
// tasks: tasks/get answers them not found) are left out of the filter and of its acknowledgement. It
// reports whether it answered.
func (h *Handler) forbidListen(w http.ResponseWriter, r *http.Request, m *jsonrpc.Message, p *mcp.SubscriptionsListenParams) bool {
	sess := h.srv.Stateless()
	if az, ok := sess.(transport.Authorizer); ok {
		for _, uri := range p.Notifications.ResourceSubscriptions {
			params, _ := json.Marshal(struct {
				URI string `json:"uri"`
			}{uri})
			probe := &jsonrpc.Message{ID: m.ID, Method: mcp.MethodResourcesRead, Params: params}
			if err := az.Authorize(r.Context(), probe); err != nil && httpx.Forbid(w, r, m.ID, err, h.opts.ResourceMetadataURL) {
				return true
			}
		}
	}
	if len(p.Notifications.TaskIDs) == 0 {
		return false
	}
	var raw struct {
		Meta jsontext.Value `json:"_meta"`
	}
	_ = json.Unmarshal(m.Params, &raw)
	kept := p.Notifications.TaskIDs[:0:0]
	for _, id := range p.Notifications.TaskIDs {
		params, err := json.Marshal(struct {
			TaskID string         `json:"taskId"`
			Meta   jsontext.Value `json:"_meta,omitzero"`
		}{id, raw.Meta})
		if err != nil {
			continue
		}
		probe := &jsonrpc.Message{ID: m.ID, Method: mcp.MethodTasksGet, Params: params}
		if _, err := sess.HandleRequest(r.Context(), probe, nopPeer{}); err == nil {
			kept = append(kept, id)
		}
	}
	p.Notifications.TaskIDs = kept
	return false
}
