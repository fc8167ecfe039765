package streamable

import (
	"net/http"

	"github.com/go-json-experiment/json"

	"github.com/mcpkit/mcpkit/internal/httpx"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport"
)

// forbidListen applies the caller's authorization to a subscriptions/listen filter before the stream
// opens: a resource subscription the principal lacks the scopes to read is answered 403 with the step-up
// challenge (as resources/read would be). It reports whether it answered. (The task ids the caller cannot
// see are left out by visibleTaskIDs.)
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
	return false
}
