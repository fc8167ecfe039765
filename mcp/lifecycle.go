package mcp

// Implementation describes an MCP client or server: clientInfo, serverInfo, and the
// io.modelcontextprotocol/clientInfo and serverInfo _meta keys.
type Implementation struct {
	// Name is the programmatic name.
	Name string `json:"name"`
	// Title is a display name (2025-06-18 and later).
	Title string `json:"title,omitzero"`
	// Version is the implementation's version.
	Version string `json:"version"`
	// Description says what the implementation does (2025-11-25 and later).
	Description string `json:"description,omitzero"`
	// WebsiteURL is the implementation's website (2025-11-25 and later).
	WebsiteURL string `json:"websiteUrl,omitzero"`
	// Icons are icons a user interface may show (2025-11-25 and later).
	Icons []Icon `json:"icons,omitzero"`
}

// Icon is an optionally sized icon (2025-11-25 and later).
type Icon struct {
	// Src is an http(s) URL or a data: URI.
	Src string `json:"src"`
	// MimeType overrides the source's MIME type.
	MimeType string `json:"mimeType,omitzero"`
	// Sizes lists sizes as "WxH" or "any".
	Sizes []string `json:"sizes,omitzero"`
	// Theme is IconThemeLight or IconThemeDark; empty means any.
	Theme string `json:"theme,omitzero"`
}

// Icon themes.
const (
	// IconThemeLight: the icon is made for a light background.
	IconThemeLight = "light"
	// IconThemeDark: the icon is made for a dark background.
	IconThemeDark = "dark"
)

// InitializeParams are the params of initialize (legacy revisions).
type InitializeParams struct {
	// Meta is the request's _meta.
	Meta *RequestMeta `json:"_meta,omitzero"`
	// ProtocolVersion is the latest revision the client supports.
	ProtocolVersion string `json:"protocolVersion"`
	// Capabilities are the client's capabilities for the session.
	Capabilities ClientCapabilities `json:"capabilities"`
	// ClientInfo identifies the client.
	ClientInfo Implementation `json:"clientInfo"`
}

// InitializeResult is the result of initialize (legacy revisions).
type InitializeResult struct {
	ResultFields `json:",embed"`
	// ProtocolVersion is the revision the server chose (see Negotiate).
	ProtocolVersion string `json:"protocolVersion"`
	// Capabilities are the server's capabilities.
	Capabilities ServerCapabilities `json:"capabilities"`
	// ServerInfo identifies the server.
	ServerInfo Implementation `json:"serverInfo"`
	// Instructions describe how to use the server, for example as a hint in a system prompt.
	Instructions string `json:"instructions,omitzero"`
}

// PingParams are the params of ping (legacy revisions).
type PingParams = RequestParams

// InitializedParams are the params of notifications/initialized (legacy revisions).
type InitializedParams = NotificationParams
