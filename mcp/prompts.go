package mcp

// Prompt is a prompt or prompt template the server offers, as listed by prompts/list.
type Prompt struct {
	// Name is the programmatic name.
	Name string `json:"name"`
	// Title is a display name (2025-06-18 and later).
	Title string `json:"title,omitzero"`
	// Description says what the prompt provides.
	Description string `json:"description,omitzero"`
	// Arguments are the arguments the prompt accepts.
	Arguments []PromptArgument `json:"arguments,omitzero"`
	// Icons are icons a user interface may show (2025-11-25 and later).
	Icons []Icon `json:"icons,omitzero"`
	// Meta is the prompt's _meta (2025-06-18 and later).
	Meta Meta `json:"_meta,omitzero"`
}

// PromptArgument is an argument a prompt accepts.
type PromptArgument struct {
	// Name is the programmatic name.
	Name string `json:"name"`
	// Title is a display name (2025-06-18 and later).
	Title string `json:"title,omitzero"`
	// Description describes the argument.
	Description string `json:"description,omitzero"`
	// Required: the argument must be given.
	Required bool `json:"required,omitzero"`
}

// PromptMessage is one message of a rendered prompt.
type PromptMessage struct {
	// Role is who says the message.
	Role Role `json:"role"`
	// Content is the message's single content block.
	Content Content `json:"content"`
}

// ListPromptsParams are the params of prompts/list.
type ListPromptsParams = PaginatedParams

// ListPromptsResult is the result of prompts/list. It is cacheable.
type ListPromptsResult struct {
	ResultFields `json:",embed"`
	CacheHints   `json:",embed"`
	// Prompts is the page of prompts.
	Prompts []Prompt `json:"prompts"`
	// NextCursor, when set, fetches the next page.
	NextCursor string `json:"nextCursor,omitzero"`
}

// GetPromptParams are the params of prompts/get.
type GetPromptParams struct {
	// Meta is the request's _meta (required in 2026-07-28).
	Meta *RequestMeta `json:"_meta,omitzero"`
	// Name is the prompt to render.
	Name string `json:"name"`
	// Arguments are the template arguments.
	Arguments map[string]string `json:"arguments,omitzero"`
	// InputResponses answer the inputRequests of a previous InputRequiredResult (2026-07-28).
	InputResponses InputResponses `json:"inputResponses,omitzero"`
	// RequestState echoes the requestState of a previous InputRequiredResult (2026-07-28).
	RequestState string `json:"requestState,omitzero"`
}

// GetPromptResult is the result of prompts/get.
type GetPromptResult struct {
	ResultFields `json:",embed"`
	// Description describes the prompt.
	Description string `json:"description,omitzero"`
	// Messages are the rendered messages.
	Messages []PromptMessage `json:"messages"`
}
