package mcp

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
