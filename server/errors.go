package server

import (
	"fmt"

	"github.com/go-json-experiment/json"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
)

func invalidParams(msg string) *jsonrpc.Error {
	return &jsonrpc.Error{Code: mcp.CodeInvalidParams, Message: "invalid params: " + msg}
}

func methodNotFound(method, version string) *jsonrpc.Error {
	if version != "" {
		return &jsonrpc.Error{Code: mcp.CodeMethodNotFound, Message: fmt.Sprintf("method not found: %q is not part of protocol %s", method, version)}
	}
	return &jsonrpc.Error{Code: mcp.CodeMethodNotFound, Message: fmt.Sprintf("method not found: %q", method)}
}

func unsupportedVersion(requested string, supported []string) *jsonrpc.Error {
	data, _ := json.Marshal(mcp.UnsupportedProtocolVersionData{Supported: supported, Requested: requested})
	return &jsonrpc.Error{Code: mcp.CodeUnsupportedProtocolVersion, Message: "Unsupported protocol version", Data: data}
}

// resourceNotFound uses the code of the request's era: -32002 up to 2025-11-25, -32602 since 2026-07-28.
func resourceNotFound(r *Request, uri string) *jsonrpc.Error {
	data, _ := json.Marshal(map[string]string{"uri": uri})
	code := int64(mcp.CodeResourceNotFound)
	if r.Era == mcp.EraModern {
		code = mcp.CodeInvalidParams
	}
	return &jsonrpc.Error{Code: code, Message: "Resource not found: " + uri, Data: data}
}
