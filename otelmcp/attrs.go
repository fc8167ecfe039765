package otelmcp

import (
	"context"
	"errors"
	"strconv"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/mcpkit/mcpkit/internal/clip"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
)

// Attribute keys of the OpenTelemetry semantic conventions for MCP (and the general ones they use).
const (
	// KeyMethodName is mcp.method.name: the JSON-RPC method.
	KeyMethodName = attribute.Key("mcp.method.name")
	// KeyProtocolVersion is mcp.protocol.version: the MCP revision in force (2026-07-28 means the
	// stateless era).
	KeyProtocolVersion = attribute.Key("mcp.protocol.version")
	// KeySessionID is mcp.session.id: the legacy session's id (Mcp-Session-Id).
	KeySessionID = attribute.Key("mcp.session.id")
	// KeyResourceURI is mcp.resource.uri: the URI of resources/read, subscribe and unsubscribe.
	KeyResourceURI = attribute.Key("mcp.resource.uri")
	// KeyRequestID is jsonrpc.request.id: the request's id as a string.
	KeyRequestID = attribute.Key("jsonrpc.request.id")
	// KeyToolName is gen_ai.tool.name: the tool of tools/call.
	KeyToolName = attribute.Key("gen_ai.tool.name")
	// KeyPromptName is gen_ai.prompt.name: the prompt of prompts/get.
	KeyPromptName = attribute.Key("gen_ai.prompt.name")
	// KeyOperationName is gen_ai.operation.name: "execute_tool" on tools/call.
	KeyOperationName = attribute.Key("gen_ai.operation.name")
	// KeyResponseStatusCode is rpc.response.status_code: the JSON-RPC error code of a failed request.
	KeyResponseStatusCode = attribute.Key("rpc.response.status_code")
	// KeyErrorType is error.type: the JSON-RPC error code, or one of the Error* values.
	KeyErrorType = attribute.Key("error.type")
	// KeyNetworkTransport is network.transport: "tcp" for HTTP, "pipe" for stdio.
	KeyNetworkTransport = attribute.Key("network.transport")
	// KeyNetworkProtocolName is network.protocol.name: "http" over HTTP.
	KeyNetworkProtocolName = attribute.Key("network.protocol.name")
	// KeyNetworkProtocolVersion is network.protocol.version: the HTTP version ("1.1", "2").
	KeyNetworkProtocolVersion = attribute.Key("network.protocol.version")
	// KeyClientAddress is client.address: the HTTP client's address as the server sees it.
	KeyClientAddress = attribute.Key("client.address")
	// KeyClientPort is client.port: the HTTP client's port as the server sees it.
	KeyClientPort = attribute.Key("client.port")
)

// Values of error.type beside JSON-RPC error codes.
const (
	// ErrorTool is a tools/call answered with isError: true.
	ErrorTool = "tool_error"
	// ErrorTimeout is a request whose deadline passed before the answer.
	ErrorTimeout = "timeout"
	// ErrorCancelled is a request cancelled before the answer.
	ErrorCancelled = "cancelled"
	// ErrorOther is any other failure without a JSON-RPC error code (a transport failure on the client).
	ErrorOther = "_OTHER"
)

// target is what a request is about: the name of its span and its item attributes. Targets are cached
// per method and name (names repeat: a server has a fixed set of tools), so describing a request costs no
// allocation once its name was seen.
type target struct {
	spanName string
	attrs    []attribute.KeyValue // read-only: shared by every request of the target
}

// maxName and maxURI bound the caller's names and URIs in spans.
const (
	maxName = clip.Max
	maxURI  = 1024
)

// maxTargets bounds the cache of targets: a client may send any name, and names past the bound are
// described afresh on every request.
const maxTargets = 1024

type targetKey struct{ method, name string }

// describe reads the tool, prompt or resource a request is about from its params.
func (c *config) describe(method string, params jsontext.Value) *target {
	member := "name"
	switch method {
	case mcp.MethodToolsCall, mcp.MethodPromptsGet:
	case mcp.MethodResourcesRead, mcp.MethodResourcesSubscribe, mcp.MethodResourcesUnsubscribe:
		member = "uri"
	default:
		return c.methodTarget(method)
	}
	raw := rawMember(params, member)
	if raw == nil {
		return c.methodTarget(method)
	}
	c.mu.RLock()
	t, ok := c.targets[targetKey{method, string(raw)}] // no allocation for the lookup
	c.mu.RUnlock()
	if ok {
		return t
	}
	name, ok := unquote(raw)
	if !ok {
		return c.methodTarget(method)
	}
	// The client chose the name: a span carries at most maxName bytes of a tool or prompt name and
	// maxURI of a URI (cut on a UTF-8 boundary, marked with …).
	if method == mcp.MethodToolsCall || method == mcp.MethodPromptsGet {
		name = clip.String(name, maxName)
	} else {
		name = clip.String(name, maxURI)
	}
	t = &target{spanName: method}
	switch method {
	case mcp.MethodToolsCall:
		t.spanName = method + " " + name
		t.attrs = []attribute.KeyValue{KeyToolName.String(name), KeyOperationName.String("execute_tool")}
	case mcp.MethodPromptsGet:
		t.spanName = method + " " + name
		t.attrs = []attribute.KeyValue{KeyPromptName.String(name)}
	default:
		if c.uriName {
			t.spanName = method + " " + name
		}
		t.attrs = []attribute.KeyValue{KeyResourceURI.String(name)}
	}
	c.mu.Lock()
	if len(c.targets) < maxTargets {
		c.targets[targetKey{method, string(raw)}] = t
	}
	c.mu.Unlock()
	return t
}

// methodTarget is the target of a request named after its method alone.
func (c *config) methodTarget(method string) *target {
	c.mu.RLock()
	t, ok := c.targets[targetKey{method: method}]
	c.mu.RUnlock()
	if ok {
		return t
	}
	t = &target{spanName: method}
	c.mu.Lock()
	if len(c.targets) < maxTargets {
		c.targets[targetKey{method: method}] = t
	}
	c.mu.Unlock()
	return t
}

// rawMember returns the raw string value of a top-level params member, nil when absent or not a string.
func rawMember(params jsontext.Value, name string) jsontext.Value {
	if len(params) == 0 {
		return nil
	}
	raw, err := jsonrpc.Member(params, name)
	if err != nil || raw.Kind() != '"' {
		return nil
	}
	return raw
}

// unquote returns the string a JSON string holds.
func unquote(raw jsontext.Value) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	plain := true
	for _, c := range raw[1 : len(raw)-1] {
		if c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		return string(raw[1 : len(raw)-1]), true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// requestID is jsonrpc.request.id as the conventions want it: the id's string form, nothing for none.
func requestID(id jsonrpc.ID) (attribute.KeyValue, bool) {
	if !id.IsValid() {
		return attribute.KeyValue{}, false
	}
	return KeyRequestID.String(id.String()), true
}

// isToolError reports whether a tools/call result says isError: true.
func isToolError(method string, res jsontext.Value) bool {
	if method != mcp.MethodToolsCall || len(res) == 0 {
		return false
	}
	v, err := jsonrpc.Member(res, "isError")
	return err == nil && string(v) == "true"
}

// finish is finishAs with the tool error read from a tools/call result (res).
func finish(ctx context.Context, span trace.Span, method string, res jsontext.Value, err error, wire *jsonrpc.Error) {
	finishAs(ctx, span, err == nil && isToolError(method, res), err, wire)
}

// finishAs records how a request ended on span: a JSON-RPC error (its code in rpc.response.status_code
// and error.type, its message as the status description), a tool error (toolErr: a tools/call answered
// with isError: true), a timeout, a cancellation, or a
// failure without a code (wire is the code and message the peer sees for it on the server, nil on the
// client). A success leaves the status unset, as the conventions say.
func finishAs(ctx context.Context, span trace.Span, toolErr bool, err error, wire *jsonrpc.Error) {
	if err == nil {
		if toolErr {
			span.SetAttributes(KeyErrorType.String(ErrorTool))
			span.SetStatus(codes.Error, ErrorTool)
		}
		return
	}
	var rpcErr *jsonrpc.Error
	switch {
	case errors.As(err, &rpcErr):
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil:
		span.SetAttributes(KeyErrorType.String(ErrorTimeout))
		span.SetStatus(codes.Error, err.Error())
		return
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		span.SetAttributes(KeyErrorType.String(ErrorCancelled))
		span.SetStatus(codes.Error, err.Error())
		return
	case wire != nil:
		span.RecordError(err)
		rpcErr = wire
	default:
		span.RecordError(err)
		span.SetAttributes(KeyErrorType.String(ErrorOther))
		span.SetStatus(codes.Error, err.Error())
		return
	}
	code := strconv.FormatInt(rpcErr.Code, 10)
	span.SetAttributes(KeyResponseStatusCode.String(code), KeyErrorType.String(code))
	span.SetStatus(codes.Error, rpcErr.Message)
}
