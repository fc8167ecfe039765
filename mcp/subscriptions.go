package mcp

import (
	"slices"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Subscriptions (subscriptions/listen, 2026-07-28) replace resources/subscribe and the HTTP GET stream: the
// client opens one long-lived request naming the notifications it wants, the server acknowledges with
// notifications/subscriptions/acknowledged, tags every notification of the stream with
// io.modelcontextprotocol/subscriptionId, and ends the stream with a SubscriptionsListenResult.

// SubscriptionFilter names the notifications a client opts in to. Every kind is opt-in.
type SubscriptionFilter struct {
	// ToolsListChanged asks for notifications/tools/list_changed.
	ToolsListChanged bool `json:"toolsListChanged,omitzero"`
	// PromptsListChanged asks for notifications/prompts/list_changed.
	PromptsListChanged bool `json:"promptsListChanged,omitzero"`
	// ResourcesListChanged asks for notifications/resources/list_changed.
	ResourcesListChanged bool `json:"resourcesListChanged,omitzero"`
	// ResourceSubscriptions asks for notifications/resources/updated about these URIs.
	ResourceSubscriptions []string `json:"resourceSubscriptions,omitzero"`
	// TaskIDs asks for notifications/tasks about these tasks (tasks extension, 2026-07-28).
	TaskIDs []string `json:"taskIds,omitzero"`
}

// SubscriptionsListenParams are the params of subscriptions/listen.
type SubscriptionsListenParams struct {
	// Meta is the request's _meta (required).
	Meta *RequestMeta `json:"_meta,omitzero"`
	// Notifications are the notifications the client wants on this stream.
	Notifications SubscriptionFilter `json:"notifications"`
}

// SubscriptionsListenResult ends a subscriptions/listen stream gracefully. Its _meta must carry
// SubscriptionID (ResultMeta.SubscriptionID); it has no other members.
type SubscriptionsListenResult struct {
	ResultFields `json:",embed"`
}

// SubscriptionsAcknowledgedParams are the params of notifications/subscriptions/acknowledged.
type SubscriptionsAcknowledgedParams struct {
	// Meta is the notification's _meta; it carries SubscriptionID.
	Meta *NotificationMeta `json:"_meta,omitzero"`
	// Notifications are the requested notifications the server agreed to send.
	Notifications SubscriptionFilter `json:"notifications"`
}

// ListChangedParams are the params of the list_changed notifications (tools, prompts, resources).
type ListChangedParams = NotificationParams

// Wants reports whether the filter asks for a change notification (method and its params).
func (f *SubscriptionFilter) Wants(method string, params jsontext.Value) bool {
	switch method {
	case MethodNotificationToolsListChanged:
		return f.ToolsListChanged
	case MethodNotificationPromptsListChanged:
		return f.PromptsListChanged
	case MethodNotificationResourcesListChanged:
		return f.ResourcesListChanged
	case MethodNotificationResourceUpdated:
		var u ResourceUpdatedParams
		if json.Unmarshal(params, &u) != nil {
			return false
		}
		return slices.Contains(f.ResourceSubscriptions, u.URI)
	case MethodNotificationTasks:
		if len(f.TaskIDs) == 0 {
			return false
		}
		var t struct {
			TaskID string `json:"taskId"`
		}
		if json.Unmarshal(params, &t) != nil {
			return false
		}
		return slices.Contains(f.TaskIDs, t.TaskID)
	}
	return false
}

// WithSubscriptionID returns notification params with _meta["io.modelcontextprotocol/subscriptionId"] set to
// id (the raw JSON of the subscriptions/listen request's id), keeping every other member.
func WithSubscriptionID(params jsontext.Value, id jsontext.Value) jsontext.Value {
	obj := map[string]jsontext.Value{}
	if len(params) > 0 {
		_ = json.Unmarshal(params, &obj)
	}
	meta := map[string]jsontext.Value{}
	if raw, ok := obj["_meta"]; ok {
		_ = json.Unmarshal(raw, &meta)
	}
	meta[MetaSubscriptionID] = id
	mb, _ := json.Marshal(meta, json.Deterministic(true))
	obj["_meta"] = mb
	out, _ := json.Marshal(obj, json.Deterministic(true))
	return out
}

// SubscriptionsAcknowledged returns the params of notifications/subscriptions/acknowledged for the
// subscription id (raw JSON) and the filter the server agreed to.
func SubscriptionsAcknowledged(id jsontext.Value, f SubscriptionFilter) jsontext.Value {
	out, _ := json.Marshal(map[string]any{
		"_meta":         map[string]jsontext.Value{MetaSubscriptionID: id},
		"notifications": f,
	}, json.Deterministic(true))
	return out
}
