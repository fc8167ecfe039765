package mcp

// DiscoverParams are the params of server/discover (2026-07-28): only _meta.
type DiscoverParams = RequestParams

// DiscoverResult is the result of server/discover (2026-07-28). It is cacheable.
type DiscoverResult struct {
	ResultFields `json:",embed"`
	CacheHints   `json:",embed"`
	// SupportedVersions lists the protocol versions the server supports.
	SupportedVersions []string `json:"supportedVersions"`
	// Capabilities are the server's capabilities.
	Capabilities ServerCapabilities `json:"capabilities"`
	// Instructions describe how to use the server, for example as a hint in a system prompt.
	Instructions string `json:"instructions,omitzero"`
}
