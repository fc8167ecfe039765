package mcp

import "github.com/go-json-experiment/json/jsontext"

// Reserved _meta keys.
const (
	// MetaProgressToken asks for progress notifications on a request (request _meta; all revisions).
	MetaProgressToken = "progressToken"
	// MetaProtocolVersion is a modern request's protocol version (request _meta; required in 2026-07-28).
	MetaProtocolVersion = "io.modelcontextprotocol/protocolVersion"
	// MetaClientCapabilities is a modern request's client capabilities (request _meta; required in
	// 2026-07-28).
	MetaClientCapabilities = "io.modelcontextprotocol/clientCapabilities"
	// MetaClientInfo identifies the client software (request _meta; 2026-07-28).
	MetaClientInfo = "io.modelcontextprotocol/clientInfo"
	// MetaLogLevel opts a modern request in to log notifications at this level and above (request _meta;
	// 2026-07-28).
	MetaLogLevel = "io.modelcontextprotocol/logLevel"
	// MetaServerInfo identifies the server software (result _meta; 2026-07-28).
	MetaServerInfo = "io.modelcontextprotocol/serverInfo"
	// MetaSubscriptionID names the subscriptions/listen stream a notification belongs to, and the stream a
	// SubscriptionsListenResult closes (2026-07-28).
	MetaSubscriptionID = "io.modelcontextprotocol/subscriptionId"
	// MetaRelatedTask associates a message with a task (2025-11-25).
	MetaRelatedTask = "io.modelcontextprotocol/related-task"
	// MetaTraceParent, MetaTraceState and MetaBaggage carry OpenTelemetry trace context (2026-07-28).
	MetaTraceParent = "traceparent"
	// MetaTraceState: see MetaTraceParent.
	MetaTraceState = "tracestate"
	// MetaBaggage: see MetaTraceParent.
	MetaBaggage = "baggage"
)

// Meta is a free-form _meta object, as found on tools, resources, prompts, content and roots. Values stay raw
// JSON.
type Meta map[string]jsontext.Value

// JSONObject is a free-form JSON object whose presence matters more than its members, such as the
// capability flags `"tools": {}` inside sampling. A nil JSONObject is absent; JSONObject{} encodes as {}.
type JSONObject map[string]jsontext.Value

// RequestMeta is the _meta of a request's params. The keys MCP reserves are typed; any other key is kept in
// Extra.
type RequestMeta struct {
	// ProgressToken (a JSON string or number) asks for notifications/progress about this request.
	ProgressToken jsontext.Value `json:"progressToken,omitzero"`
	// ProtocolVersion is the request's protocol version (required in 2026-07-28).
	ProtocolVersion string `json:"io.modelcontextprotocol/protocolVersion,omitzero"`
	// ClientCapabilities are the capabilities the client declares for this request (required in 2026-07-28;
	// an empty object means none).
	ClientCapabilities *ClientCapabilities `json:"io.modelcontextprotocol/clientCapabilities,omitzero"`
	// ClientInfo identifies the client software (2026-07-28).
	ClientInfo *Implementation `json:"io.modelcontextprotocol/clientInfo,omitzero"`
	// LogLevel opts the request in to notifications/message at this level and above (2026-07-28; absent
	// means no log messages).
	LogLevel LoggingLevel `json:"io.modelcontextprotocol/logLevel,omitzero"`
	// TraceParent, TraceState and Baggage carry W3C trace context and baggage (OpenTelemetry), as the
	// 2026-07-28 revision reserves them in any era's _meta: JSON strings in W3C format, kept here as sent.
	TraceParent jsontext.Value `json:"traceparent,omitzero"`
	TraceState  jsontext.Value `json:"tracestate,omitzero"`
	Baggage     jsontext.Value `json:"baggage,omitzero"`
	// Extra holds every other key (extension keys, …).
	Extra map[string]jsontext.Value `json:",embed"`
}

// NotificationMeta is the _meta of a notification's params.
type NotificationMeta struct {
	// SubscriptionID (a JSON string or number) is the id of the subscriptions/listen request whose stream
	// delivered the notification (2026-07-28).
	SubscriptionID jsontext.Value `json:"io.modelcontextprotocol/subscriptionId,omitzero"`
	// Extra holds every other key.
	Extra map[string]jsontext.Value `json:",embed"`
}

// ResultMeta is the _meta of a result.
type ResultMeta struct {
	// ServerInfo identifies the server software (2026-07-28).
	ServerInfo *Implementation `json:"io.modelcontextprotocol/serverInfo,omitzero"`
	// SubscriptionID (a JSON string or number) is set on a SubscriptionsListenResult: the id of the
	// subscriptions/listen request whose stream the result closes.
	SubscriptionID jsontext.Value `json:"io.modelcontextprotocol/subscriptionId,omitzero"`
	// Extra holds every other key.
	Extra map[string]jsontext.Value `json:",embed"`
}
