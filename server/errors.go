package server

import (
	"fmt"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
)

func invalidParams(msg string) *jsonrpc.Error {
	return &jsonrpc.Error{Code: mcp.CodeInvalidParams, Message: "invalid params: " + msg}
}

func methodNotFound(method, version string) *jsonrpc.Error {
	if version != "" {
		return &jsonrpc.Error{Code: mcp.CodeMethodNotFound, Message: fmt.Sprintf("method not found: %q is not part of protocol %s", bounded(method), version)}
	}
	return &jsonrpc.Error{Code: mcp.CodeMethodNotFound, Message: fmt.Sprintf("method not found: %q", bounded(method))}
}

func unsupportedVersion(requested string, supported []string) *jsonrpc.Error {
	data, _ := json.Marshal(mcp.UnsupportedProtocolVersionData{Supported: supported, Requested: requested})
	return &jsonrpc.Error{Code: mcp.CodeUnsupportedProtocolVersion, Message: "Unsupported protocol version", Data: data}
}

// maxEchoedURI bounds the URI echoed in a resource-not-found error's data: a longer one is left out (data
// must carry it whole or not at all).
const maxEchoedURI = 2048

// resourceNotFound uses the code of the request's era: -32002 up to 2025-11-25, -32602 since 2026-07-28.
func resourceNotFound(r *Request, uri string) *jsonrpc.Error {
	var data jsontext.Value
	if len(uri) <= maxEchoedURI {
		data, _ = json.Marshal(map[string]string{"uri": uri})
	}
	code := int64(mcp.CodeResourceNotFound)
	if r.Era == mcp.EraModern {
		code = mcp.CodeInvalidParams
	}
	return &jsonrpc.Error{Code: code, Message: "Resource not found: " + bounded(uri), Data: data}
}
