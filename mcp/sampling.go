package mcp

import (
	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Sampling (sampling/createMessage) lets a server ask the client's LLM for a completion. It is a
// server → client request in the legacy revisions and an input request of a multi round-trip request in
// 2026-07-28, where it is deprecated.

// CreateMessageParams are the params of sampling/createMessage.
type CreateMessageParams struct {
	// Meta is the request's _meta (legacy revisions; not part of the 2026-07-28 input request).
	Meta *RequestMeta `json:"_meta,omitzero"`
	// Messages is the conversation to continue.
	Messages []SamplingMessage `json:"messages"`
	// ModelPreferences guide the client's choice of model.
	ModelPreferences *ModelPreferences `json:"modelPreferences,omitzero"`
	// SystemPrompt is a system prompt the client may use.
	SystemPrompt string `json:"systemPrompt,omitzero"`
	// IncludeContext asks for context from MCP servers: one of the IncludeContext constants. Values other
	// than "none" are deprecated.
	IncludeContext string `json:"includeContext,omitzero"`
	// Temperature is the sampling temperature. 0 is meaningful, so the field is a pointer.
	Temperature *float64 `json:"temperature,omitzero"`
	// MaxTokens caps the tokens to sample.
	MaxTokens int64 `json:"maxTokens"`
	// StopSequences end sampling.
	StopSequences []string `json:"stopSequences,omitzero"`
	// Metadata is passed to the LLM provider as is: a JSON object.
	Metadata jsontext.Value `json:"metadata,omitzero"`
	// Tools the model may call (2025-11-25 and later; needs the sampling.tools client capability).
	Tools []Tool `json:"tools,omitzero"`
	// ToolChoice controls tool use (2025-11-25 and later).
	ToolChoice *ToolChoice `json:"toolChoice,omitzero"`
}

// IncludeContext values.
const (
	// IncludeContextNone asks for no context (the default).
	IncludeContextNone = "none"
	// IncludeContextThisServer asks for the calling server's context (deprecated).
	IncludeContextThisServer = "thisServer"
	// IncludeContextAllServers asks for every server's context (deprecated).
	IncludeContextAllServers = "allServers"
)

// ToolChoice controls how the model uses tools in sampling (2025-11-25 and later).
type ToolChoice struct {
	// Mode is one of the ToolChoice constants; empty means auto.
	Mode string `json:"mode,omitzero"`
}

// ToolChoice modes.
const (
	// ToolChoiceAuto lets the model decide (the default).
	ToolChoiceAuto = "auto"
	// ToolChoiceRequired makes the model use at least one tool.
	ToolChoiceRequired = "required"
	// ToolChoiceNone forbids tool use.
	ToolChoiceNone = "none"
)

// CreateMessageResult is the result of sampling/createMessage: the sampled message.
type CreateMessageResult struct {
	ResultFields `json:",embed"`
	// Role is who says the message (normally the assistant).
	Role Role `json:"role"`
	// Content is the message's content.
	Content SamplingContent `json:"content"`
	// Model names the model that produced the message.
	Model string `json:"model"`
	// StopReason says why sampling stopped: one of the StopReason constants or a provider's own value.
	StopReason string `json:"stopReason,omitzero"`
}

// Stop reasons.
const (
	// StopReasonEndTurn: the assistant's turn ended naturally.
	StopReasonEndTurn = "endTurn"
	// StopReasonStopSequence: a stop sequence was produced.
	StopReasonStopSequence = "stopSequence"
	// StopReasonMaxTokens: the token limit was reached.
	StopReasonMaxTokens = "maxTokens"
	// StopReasonToolUse: the model wants to call tools (2025-11-25 and later).
	StopReasonToolUse = "toolUse"
)

// SamplingMessage is one message of a sampling conversation.
type SamplingMessage struct {
	// Role is who says the message.
	Role Role `json:"role"`
	// Content is the message's content: text, image, audio, tool_use or tool_result blocks.
	Content SamplingContent `json:"content"`
	// Meta is the message's _meta (2025-11-25 and later).
	Meta Meta `json:"_meta,omitzero"`
}

// SamplingContent is the content of a sampling message, which the wire holds either as one content block or
// (2025-11-25 and later) as an array of blocks. It is written as a single block when there is exactly one
// block and List is false, and as an array otherwise.
type SamplingContent struct {
	// Blocks are the content blocks.
	Blocks []Content
	// List writes the content as an array even when there is one block. Decoding sets it when the wire held
	// an array.
	List bool
}

// SamplingBlock returns content of the single block c, the only form before 2025-11-25.
func SamplingBlock(c Content) SamplingContent {
	return SamplingContent{Blocks: []Content{c}}
}

// SamplingBlocks returns content written as an array of blocks (2025-11-25 and later).
func SamplingBlocks(blocks ...Content) SamplingContent {
	if blocks == nil {
		blocks = []Content{}
	}
	return SamplingContent{Blocks: blocks, List: true}
}

// MarshalJSONTo writes one block or an array of blocks.
func (s SamplingContent) MarshalJSONTo(enc *jsontext.Encoder) error {
	if len(s.Blocks) == 1 && !s.List {
		return json.MarshalEncode(enc, s.Blocks[0])
	}
	blocks := s.Blocks
	if blocks == nil {
		blocks = []Content{}
	}
	return json.MarshalEncode(enc, blocks)
}

// UnmarshalJSONFrom reads one block or an array of blocks.
func (s *SamplingContent) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	if dec.PeekKind() == '[' {
		var blocks []Content
		if err := json.UnmarshalDecode(dec, &blocks); err != nil {
			return err
		}
		*s = SamplingContent{Blocks: blocks, List: true}
		return nil
	}
	var c Content
	if err := json.UnmarshalDecode(dec, &c); err != nil {
		return err
	}
	*s = SamplingContent{Blocks: []Content{c}}
	return nil
}

// ModelPreferences guide the client's choice of model in sampling. They are advisory.
type ModelPreferences struct {
	// Hints name models, tried in order; they outweigh the priorities.
	Hints []ModelHint `json:"hints,omitzero"`
	// CostPriority runs from 0 (cost does not matter) to 1 (cost matters most). 0 is meaningful, so the
	// priorities are pointers.
	CostPriority *float64 `json:"costPriority,omitzero"`
	// SpeedPriority runs from 0 (latency does not matter) to 1 (latency matters most).
	SpeedPriority *float64 `json:"speedPriority,omitzero"`
	// IntelligencePriority runs from 0 (capability does not matter) to 1 (capability matters most).
	IntelligencePriority *float64 `json:"intelligencePriority,omitzero"`
}

// ModelHint names a model, or part of a model's name.
type ModelHint struct {
	// Name is matched as a substring of model names.
	Name string `json:"name,omitzero"`
	// Extra holds keys the spec leaves to the client to interpret.
	Extra map[string]jsontext.Value `json:",embed"`
}
