package mcp

// Request methods of every revision. The comment of each says who sends it and in which revisions it exists.
const (
	// MethodInitialize opens a legacy session (client → server; 2025-11-25 and earlier).
	MethodInitialize = "initialize"
	// MethodPing checks that the peer is alive (either direction; 2025-11-25 and earlier).
	MethodPing = "ping"
	// MethodDiscover asks a server for its versions, capabilities and identity (client → server; 2026-07-28).
	MethodDiscover = "server/discover"

	// MethodToolsList lists tools (client → server; all revisions).
	MethodToolsList = "tools/list"
	// MethodToolsCall calls a tool (client → server; all revisions).
	MethodToolsCall = "tools/call"

	// MethodResourcesList lists resources (client → server; all revisions).
	MethodResourcesList = "resources/list"
	// MethodResourcesTemplatesList lists resource templates (client → server; all revisions).
	MethodResourcesTemplatesList = "resources/templates/list"
	// MethodResourcesRead reads a resource (client → server; all revisions).
	MethodResourcesRead = "resources/read"
	// MethodResourcesSubscribe subscribes to a resource's updates (client → server; 2025-11-25 and earlier;
	// replaced by subscriptions/listen).
	MethodResourcesSubscribe = "resources/subscribe"
	// MethodResourcesUnsubscribe ends a resources/subscribe (client → server; 2025-11-25 and earlier).
	MethodResourcesUnsubscribe = "resources/unsubscribe"

	// MethodPromptsList lists prompts (client → server; all revisions).
	MethodPromptsList = "prompts/list"
	// MethodPromptsGet renders a prompt (client → server; all revisions).
	MethodPromptsGet = "prompts/get"

	// MethodCompletionComplete asks for argument completions (client → server; all revisions).
	MethodCompletionComplete = "completion/complete"

	// MethodLoggingSetLevel sets the session's log level (client → server; 2025-11-25 and earlier; replaced
	// by the io.modelcontextprotocol/logLevel _meta key).
	MethodLoggingSetLevel = "logging/setLevel"

	// MethodSubscriptionsListen opens a stream of change notifications (client → server; 2026-07-28).
	MethodSubscriptionsListen = "subscriptions/listen"

	// MethodSamplingCreateMessage asks the client to sample an LLM (server → client in 2025-11-25 and
	// earlier; an input request of a multi round-trip request in 2026-07-28).
	MethodSamplingCreateMessage = "sampling/createMessage"
	// MethodElicitationCreate asks the client to elicit input from the user (server → client in 2025-06-18
	// and 2025-11-25; an input request in 2026-07-28).
	MethodElicitationCreate = "elicitation/create"
	// MethodRootsList asks the client for its roots (server → client in 2025-11-25 and earlier; an input
	// request in 2026-07-28).
	MethodRootsList = "roots/list"

	// MethodTasksGet polls a task (2025-11-25 core; an extension in 2026-07-28).
	MethodTasksGet = "tasks/get"
	// MethodTasksResult waits for a task's result (2025-11-25).
	MethodTasksResult = "tasks/result"
	// MethodTasksList lists tasks (2025-11-25).
	MethodTasksList = "tasks/list"
	// MethodTasksCancel cancels a task (2025-11-25 core; an extension in 2026-07-28).
	MethodTasksCancel = "tasks/cancel"
)

// Notification methods of every revision.
const (
	// MethodNotificationInitialized ends the legacy handshake (client → server; 2025-11-25 and earlier).
	MethodNotificationInitialized = "notifications/initialized"
	// MethodNotificationCancelled cancels a request (either direction in legacy revisions; in 2026-07-28
	// client → server, and server → client on stdio only to end a subscriptions/listen stream).
	MethodNotificationCancelled = "notifications/cancelled"
	// MethodNotificationProgress reports progress on a request (all revisions).
	MethodNotificationProgress = "notifications/progress"
	// MethodNotificationMessage carries a log message (server → client; all revisions).
	MethodNotificationMessage = "notifications/message"
	// MethodNotificationResourceUpdated says a subscribed resource changed (server → client; all revisions).
	MethodNotificationResourceUpdated = "notifications/resources/updated"
	// MethodNotificationResourcesListChanged says the resource list changed (server → client).
	MethodNotificationResourcesListChanged = "notifications/resources/list_changed"
	// MethodNotificationToolsListChanged says the tool list changed (server → client).
	MethodNotificationToolsListChanged = "notifications/tools/list_changed"
	// MethodNotificationPromptsListChanged says the prompt list changed (server → client).
	MethodNotificationPromptsListChanged = "notifications/prompts/list_changed"
	// MethodNotificationRootsListChanged says the client's roots changed (client → server; 2025-11-25 and
	// earlier).
	MethodNotificationRootsListChanged = "notifications/roots/list_changed"
	// MethodNotificationElicitationComplete says a URL-mode elicitation finished (server → client;
	// 2025-11-25 only).
	MethodNotificationElicitationComplete = "notifications/elicitation/complete"
	// MethodNotificationSubscriptionsAcknowledged acknowledges a subscriptions/listen request (server →
	// client; 2026-07-28).
	MethodNotificationSubscriptionsAcknowledged = "notifications/subscriptions/acknowledged"
	// MethodNotificationTasksStatus reports a task's status (2025-11-25).
	MethodNotificationTasksStatus = "notifications/tasks/status"
)
