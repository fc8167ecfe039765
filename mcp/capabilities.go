package mcp

import "github.com/go-json-experiment/json/jsontext"

// ClientCapabilities are the optional features a client supports. Legacy clients send them once in
// initialize; modern clients send them on every request in _meta. The set is open: members this type does
// not declare (such as the tasks capability of 2025-11-25) are kept in Extra.
type ClientCapabilities struct {
	// Experimental lists non-standard capabilities; each value is a JSON object.
	Experimental map[string]jsontext.Value `json:"experimental,omitzero"`
	// Roots is present when the client can list roots (deprecated in 2026-07-28).
	Roots *RootsCapability `json:"roots,omitzero"`
	// Sampling is present when the client can sample an LLM (deprecated in 2026-07-28).
	Sampling *SamplingCapability `json:"sampling,omitzero"`
	// Elicitation is present when the client can elicit input from the user (2025-06-18 and later).
	Elicitation *ElicitationCapability `json:"elicitation,omitzero"`
	// Extensions lists supported extensions by identifier; each value is a settings object (2026-07-28).
	Extensions map[string]jsontext.Value `json:"extensions,omitzero"`
	// Extra holds capabilities this type does not declare.
	Extra map[string]jsontext.Value `json:",embed"`
}

// RootsCapability is the client's roots capability.
type RootsCapability struct {
	// ListChanged: the client sends notifications/roots/list_changed (2025-11-25 and earlier).
	ListChanged bool `json:"listChanged,omitzero"`
	// Extra holds members this type does not declare.
	Extra map[string]jsontext.Value `json:",embed"`
}

// SamplingCapability is the client's sampling capability.
type SamplingCapability struct {
	// Context is present when the client honours includeContext values other than "none" (2025-11-25 and
	// later).
	Context JSONObject `json:"context,omitzero"`
	// Tools is present when the client supports tools and toolChoice in sampling (2025-11-25 and later).
	Tools JSONObject `json:"tools,omitzero"`
	// Extra holds members this type does not declare.
	Extra map[string]jsontext.Value `json:",embed"`
}

// ElicitationCapability is the client's elicitation capability. An empty object means form mode only.
type ElicitationCapability struct {
	// Form is present when the client supports form-mode elicitation (2025-11-25 and later).
	Form JSONObject `json:"form,omitzero"`
	// URL is present when the client supports URL-mode elicitation (2025-11-25 and later).
	URL JSONObject `json:"url,omitzero"`
	// Extra holds members this type does not declare.
	Extra map[string]jsontext.Value `json:",embed"`
}

// SupportsRoots reports whether the capabilities declare roots. A nil receiver declares nothing.
func (c *ClientCapabilities) SupportsRoots() bool { return c != nil && c.Roots != nil }

// SupportsSampling reports whether the capabilities declare sampling.
func (c *ClientCapabilities) SupportsSampling() bool { return c != nil && c.Sampling != nil }

// SupportsSamplingTools reports whether the capabilities declare tool use in sampling.
func (c *ClientCapabilities) SupportsSamplingTools() bool {
	return c.SupportsSampling() && c.Sampling.Tools != nil
}

// SupportsElicitation reports whether the capabilities declare elicitation in the given mode (ElicitModeForm
// or ElicitModeURL; "" means form). An elicitation capability that names no mode supports form only.
func (c *ClientCapabilities) SupportsElicitation(mode string) bool {
	if c == nil || c.Elicitation == nil {
		return false
	}
	e := c.Elicitation
	switch mode {
	case "", ElicitModeForm:
		return e.Form != nil || e.URL == nil
	case ElicitModeURL:
		return e.URL != nil
	default:
		return false
	}
}

// ServerCapabilities are the optional features a server supports. The set is open: members this type does
// not declare (such as the tasks capability of 2025-11-25) are kept in Extra.
type ServerCapabilities struct {
	// Experimental lists non-standard capabilities; each value is a JSON object.
	Experimental map[string]jsontext.Value `json:"experimental,omitzero"`
	// Logging is present when the server sends log messages (deprecated in 2026-07-28).
	Logging *LoggingCapability `json:"logging,omitzero"`
	// Completions is present when the server answers completion/complete (2025-03-26 and later).
	Completions *CompletionsCapability `json:"completions,omitzero"`
	// Prompts is present when the server offers prompts.
	Prompts *PromptsCapability `json:"prompts,omitzero"`
	// Resources is present when the server offers resources.
	Resources *ResourcesCapability `json:"resources,omitzero"`
	// Tools is present when the server offers tools.
	Tools *ToolsCapability `json:"tools,omitzero"`
	// Extensions lists supported extensions by identifier; each value is a settings object (2026-07-28).
	Extensions map[string]jsontext.Value `json:"extensions,omitzero"`
	// Extra holds capabilities this type does not declare.
	Extra map[string]jsontext.Value `json:",embed"`
}

// LoggingCapability is the server's logging capability: an object with no defined members.
type LoggingCapability struct {
	// Extra holds the object's members.
	Extra map[string]jsontext.Value `json:",embed"`
}

// CompletionsCapability is the server's completions capability: an object with no defined members.
type CompletionsCapability struct {
	// Extra holds the object's members.
	Extra map[string]jsontext.Value `json:",embed"`
}

// PromptsCapability is the server's prompts capability.
type PromptsCapability struct {
	// ListChanged: the server sends notifications/prompts/list_changed.
	ListChanged bool `json:"listChanged,omitzero"`
	// Extra holds members this type does not declare.
	Extra map[string]jsontext.Value `json:",embed"`
}

// ResourcesCapability is the server's resources capability.
type ResourcesCapability struct {
	// Subscribe: the server supports subscriptions to individual resources.
	Subscribe bool `json:"subscribe,omitzero"`
	// ListChanged: the server sends notifications/resources/list_changed.
	ListChanged bool `json:"listChanged,omitzero"`
	// Extra holds members this type does not declare.
	Extra map[string]jsontext.Value `json:",embed"`
}

// ToolsCapability is the server's tools capability.
type ToolsCapability struct {
	// ListChanged: the server sends notifications/tools/list_changed.
	ListChanged bool `json:"listChanged,omitzero"`
	// Extra holds members this type does not declare.
	Extra map[string]jsontext.Value `json:",embed"`
}
