package mcp

import (
	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Completion reference types: the values of CompletionReference.Type.
const (
	// RefTypePrompt refers to a prompt by Name.
	RefTypePrompt = "ref/prompt"
	// RefTypeResource refers to a resource or resource template by URI.
	RefTypeResource = "ref/resource"
)

// CompletionReference says what is being completed: PromptReference (Type RefTypePrompt, Name, Title) or
// ResourceTemplateReference (Type RefTypeResource, URI) of the spec, in one struct.
type CompletionReference struct {
	// Type is RefTypePrompt or RefTypeResource.
	Type string `json:"type"`
	// Name is the prompt's name.
	Name string `json:"name,omitzero"`
	// Title is the prompt's display name (2025-06-18 and later).
	Title string `json:"title,omitzero"`
	// URI is the resource's URI or URI template.
	URI string `json:"uri,omitzero"`
}

// CompletionArgument is the argument being completed.
type CompletionArgument struct {
	// Name is the argument's name.
	Name string `json:"name"`
	// Value is what the user typed so far.
	Value string `json:"value"`
}

// CompletionContext carries what is already known (2025-06-18 and later).
type CompletionContext struct {
	// Arguments are the already-resolved arguments of the prompt or template.
	Arguments map[string]string `json:"arguments,omitzero"`
}

// CompleteParams are the params of completion/complete.
type CompleteParams struct {
	// Meta is the request's _meta (required in 2026-07-28).
	Meta *RequestMeta `json:"_meta,omitzero"`
	// Ref is the prompt or resource template being completed.
	Ref CompletionReference `json:"ref"`
	// Argument is the argument being completed.
	Argument CompletionArgument `json:"argument"`
	// Context carries already-resolved arguments (2025-06-18 and later).
	Context *CompletionContext `json:"context,omitzero"`
}

// CompleteResult is the result of completion/complete.
type CompleteResult struct {
	ResultFields `json:",embed"`
	// Completion holds the suggestions.
	Completion Completion `json:"completion"`
}

// Completion holds completion suggestions.
type Completion struct {
	// Values are the suggestions, at most 100.
	Values []string `json:"values"`
	// Total is the number of suggestions available, which may exceed len(Values). 0 is meaningful, so the
	// field is a pointer: nil leaves it out.
	Total *int `json:"total,omitzero"`
	// HasMore: more suggestions exist than were sent. Absent means false; an explicit false read from the
	// wire is remembered so that it is written back.
	HasMore bool `json:"hasMore,omitzero"`

	explicitFalse bool // hasMore:false was present
}

// completionWire is Completion as written and read, with hasMore's presence visible.
type completionWire struct {
	Values  []string `json:"values"`
	Total   *int     `json:"total,omitzero"`
	HasMore *bool    `json:"hasMore,omitzero"`
}

// MarshalJSONTo writes the completion.
func (c Completion) MarshalJSONTo(enc *jsontext.Encoder) error {
	w := completionWire{Values: c.Values, Total: c.Total}
	if c.HasMore || c.explicitFalse {
		w.HasMore = &c.HasMore
	}
	return json.MarshalEncode(enc, &w)
}

// UnmarshalJSONFrom reads the completion.
func (c *Completion) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	var w completionWire
	if err := json.UnmarshalDecode(dec, &w); err != nil {
		return err
	}
	*c = Completion{Values: w.Values, Total: w.Total}
	if w.HasMore != nil {
		c.HasMore = *w.HasMore
		c.explicitFalse = !*w.HasMore
	}
	return nil
}
