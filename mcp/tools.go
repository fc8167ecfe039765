package mcp

import (
	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Tool is a tool the client can call, as listed by tools/list.
type Tool struct {
	// Name is the programmatic name.
	Name string `json:"name"`
	// Title is a display name (2025-06-18 and later).
	Title string `json:"title,omitzero"`
	// Description says what the tool does; a hint to the model.
	Description string `json:"description,omitzero"`
	// InputSchema is the JSON Schema of the arguments: an object schema. When empty it is written as
	// {"type":"object"}, so a Tool is valid on the wire even before a schema is attached.
	InputSchema jsontext.Value `json:"inputSchema"`
	// OutputSchema is the JSON Schema of CallToolResult.structuredContent (2025-06-18 and later; an object
	// schema before 2026-07-28, any schema since).
	OutputSchema jsontext.Value `json:"outputSchema,omitzero"`
	// Annotations are hints about the tool's behaviour (2025-03-26 and later).
	Annotations *ToolAnnotations `json:"annotations,omitzero"`
	// Icons are icons a user interface may show (2025-11-25 and later).
	Icons []Icon `json:"icons,omitzero"`
	// Execution holds execution-related properties such as task support (2025-11-25).
	Execution *ToolExecution `json:"execution,omitzero"`
	// Meta is the tool's _meta (2025-06-18 and later).
	Meta Meta `json:"_meta,omitzero"`
}

// toolNoMethods has Tool's fields without its methods.
type toolNoMethods Tool

var emptyObjectSchema = jsontext.Value(`{"type":"object"}`)

// MarshalJSONTo writes the tool, with {"type":"object"} for an empty InputSchema.
func (t Tool) MarshalJSONTo(enc *jsontext.Encoder) error {
	if len(t.InputSchema) == 0 {
		t.InputSchema = emptyObjectSchema
	}
	return json.MarshalEncode(enc, (*toolNoMethods)(&t))
}

// ToolAnnotations are hints about a tool's behaviour (2025-03-26 and later). They are hints only; never trust
// them from an untrusted server. The hints are pointers because absent and false differ: destructiveHint and
// openWorldHint default to true. Go 1.26 spells a literal as new(true).
type ToolAnnotations struct {
	// Title is a display name.
	Title string `json:"title,omitzero"`
	// ReadOnlyHint: the tool does not modify its environment (default false).
	ReadOnlyHint *bool `json:"readOnlyHint,omitzero"`
	// DestructiveHint: the tool may destroy data rather than only add (default true; meaningful when not
	// read-only).
	DestructiveHint *bool `json:"destructiveHint,omitzero"`
	// IdempotentHint: repeating a call with the same arguments has no further effect (default false).
	IdempotentHint *bool `json:"idempotentHint,omitzero"`
	// OpenWorldHint: the tool interacts with an open world of external entities (default true).
	OpenWorldHint *bool `json:"openWorldHint,omitzero"`
}

// ListToolsParams are the params of tools/list.
type ListToolsParams = PaginatedParams

// ListToolsResult is the result of tools/list. It is cacheable.
type ListToolsResult struct {
	ResultFields `json:",embed"`
	CacheHints   `json:",embed"`
	// Tools is the page of tools.
	Tools []Tool `json:"tools"`
	// NextCursor, when set, fetches the next page.
	NextCursor string `json:"nextCursor,omitzero"`
}

// CallToolParams are the params of tools/call.
type CallToolParams struct {
	// Meta is the request's _meta (required in 2026-07-28).
	Meta *RequestMeta `json:"_meta,omitzero"`
	// Name is the tool to call.
	Name string `json:"name"`
	// Arguments is the JSON object of arguments, kept raw for the tool to decode.
	Arguments jsontext.Value `json:"arguments,omitzero"`
	// InputResponses answer the inputRequests of a previous InputRequiredResult (2026-07-28).
	InputResponses InputResponses `json:"inputResponses,omitzero"`
	// RequestState echoes the requestState of a previous InputRequiredResult (2026-07-28).
	RequestState string `json:"requestState,omitzero"`
	// Task asks for task-augmented execution (2025-11-25).
	Task *TaskMetadata `json:"task,omitzero"`
}

// CallToolResult is the result of tools/call.
type CallToolResult struct {
	ResultFields `json:",embed"`
	// Content is the unstructured result.
	Content []Content `json:"content"`
	// StructuredContent is the structured result, matching the tool's output schema (2025-06-18 and later;
	// a JSON object before 2026-07-28, any JSON value since).
	StructuredContent jsontext.Value `json:"structuredContent,omitzero"`
	// IsError marks a failure the model should see (as opposed to a protocol error). Absent means false; an
	// explicit false read from the wire is remembered so that it is written back.
	IsError bool `json:"isError,omitzero"`

	explicitFalse bool // isError:false was present
}

// TextResult returns a successful result with one text block.
func TextResult(text string) *CallToolResult {
	return &CallToolResult{Content: []Content{TextContent(text)}}
}

// ErrorResult returns a failed result (isError: true) with one text block describing the failure.
func ErrorResult(text string) *CallToolResult {
	return &CallToolResult{Content: []Content{TextContent(text)}, IsError: true}
}

// callToolResultWire is CallToolResult as written and read, with isError's presence visible.
type callToolResultWire struct {
	ResultFields      `json:",embed"`
	Content           []Content      `json:"content"`
	StructuredContent jsontext.Value `json:"structuredContent,omitzero"`
	IsError           *bool          `json:"isError,omitzero"`
}

// MarshalJSONTo writes the result.
func (r CallToolResult) MarshalJSONTo(enc *jsontext.Encoder) error {
	w := callToolResultWire{ResultFields: r.ResultFields, Content: r.Content, StructuredContent: r.StructuredContent}
	if r.IsError || r.explicitFalse {
		w.IsError = &r.IsError
	}
	return json.MarshalEncode(enc, &w)
}

// UnmarshalJSONFrom reads the result.
func (r *CallToolResult) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	var w callToolResultWire
	if err := json.UnmarshalDecode(dec, &w); err != nil {
		return err
	}
	*r = CallToolResult{ResultFields: w.ResultFields, Content: w.Content, StructuredContent: w.StructuredContent}
	if w.IsError != nil {
		r.IsError = *w.IsError
		r.explicitFalse = !*w.IsError
	}
	return nil
}
