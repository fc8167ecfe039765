package mcp

import "github.com/go-json-experiment/json/jsontext"

// JSON-RPC error codes used by MCP. The constants are untyped so they fit any integer type a JSON-RPC
// implementation uses for the code.
const (
	// CodeParseError: the message is not valid JSON.
	CodeParseError = -32700
	// CodeInvalidRequest: the message is not a valid JSON-RPC request.
	CodeInvalidRequest = -32600
	// CodeMethodNotFound: the method does not exist or is behind a capability the server did not advertise.
	CodeMethodNotFound = -32601
	// CodeInvalidParams: the params are invalid: an unknown tool or prompt, bad arguments, a bad cursor, a
	// missing required _meta field, or (2026-07-28) an unknown resource.
	CodeInvalidParams = -32602
	// CodeInternalError: the receiver failed unexpectedly.
	CodeInternalError = -32603

	// CodeResourceNotFound: resources/read of an unknown resource, in 2025-11-25 and earlier. 2026-07-28
	// uses CodeInvalidParams instead and reserves this code; clients should still accept it from older
	// servers.
	CodeResourceNotFound = -32002
	// CodeURLElicitationRequired: the request needs a URL-mode elicitation first (2025-11-25 only); the error
	// data is URLElicitationRequiredData.
	CodeURLElicitationRequired = -32042

	// CodeHeaderMismatch: HTTP headers disagree with the body, or required headers are missing or malformed
	// (2026-07-28).
	CodeHeaderMismatch = -32020
	// CodeMissingRequiredClientCapability: the request needs a client capability that was not declared
	// (2026-07-28); the error data is MissingCapabilityData.
	CodeMissingRequiredClientCapability = -32021
	// CodeUnsupportedProtocolVersion: the request's protocol version is not served (2026-07-28); the error
	// data is UnsupportedProtocolVersionData.
	CodeUnsupportedProtocolVersion = -32022
)

// UnsupportedProtocolVersionData is the data of a CodeUnsupportedProtocolVersion error.
type UnsupportedProtocolVersionData struct {
	// Supported lists the protocol versions the server supports; the client should retry with one of them.
	Supported []string `json:"supported"`
	// Requested is the version the client asked for.
	Requested string `json:"requested"`
}

// MissingCapabilityData is the data of a CodeMissingRequiredClientCapability error.
type MissingCapabilityData struct {
	// RequiredCapabilities lists the capabilities the server needs the client to declare.
	RequiredCapabilities ClientCapabilities `json:"requiredCapabilities"`
}

// URLElicitationRequiredData is the data of a CodeURLElicitationRequired error (2025-11-25).
type URLElicitationRequiredData struct {
	// Elicitations are the URL-mode elicitations the user must complete before the request is retried.
	Elicitations []ElicitParams `json:"elicitations"`
	// Extra holds any other members of the data object.
	Extra map[string]jsontext.Value `json:",embed"`
}
