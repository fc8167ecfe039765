package server

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"unsafe"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/auth"
	"github.com/mcpkit/mcpkit/internal/bufpool"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
)

// outputShape is how a typed tool's Go result becomes a CallToolResult.
type outputShape int

const (
	outObject  outputShape = iota // struct or map: structuredContent is the value
	outWrapped                    // anything else: structuredContent is {"result": value}
	outContent                    // mcp.Content or []mcp.Content: content only
	outResult                     // *mcp.CallToolResult: as is
)

var (
	contentType      = reflect.TypeFor[mcp.Content]()
	contentSliceType = reflect.TypeFor[[]mcp.Content]()
	resultPtrType    = reflect.TypeFor[*mcp.CallToolResult]()
)

func shapeOf(t reflect.Type) outputShape {
	switch t {
	case contentType, contentSliceType:
		return outContent
	case resultPtrType:
		return outResult
	}
	base := t
	for base.Kind() == reflect.Pointer {
		base = base.Elem()
	}
	if base.Kind() == reflect.Struct || (base.Kind() == reflect.Map && base.Key().Kind() == reflect.String) {
		// Types that marshal themselves (time.Time, …) are not objects even when they are structs.
		if !marshalsItself(base) {
			return outObject
		}
	}
	return outWrapped
}

func newTypedTool[In, Out any](def mcp.Tool, fn func(context.Context, In) (Out, error)) (*toolEntry, error) {
	inType := reflect.TypeFor[In]()
	if inType.Kind() != reflect.Struct && !(inType.Kind() == reflect.Map && inType.Key().Kind() == reflect.String) {
		return nil, fmt.Errorf("input type %s must be a struct or a map with string keys (tool arguments are a JSON object)", inType)
	}
	e := &toolEntry{def: def}
	var err error
	if len(def.InputSchema) == 0 {
		e.def.InputSchema, e.in, err = inferSchema(inType)
		if err != nil {
			return nil, fmt.Errorf("input schema: %w", err)
		}
	} else if e.in, err = compileSchema(def.InputSchema); err != nil {
		return nil, fmt.Errorf("input schema: %w", err)
	}

	outType := reflect.TypeFor[Out]()
	shape := shapeOf(outType)
	if len(def.OutputSchema) > 0 {
		if e.out, err = compileSchema(def.OutputSchema); err != nil {
			return nil, fmt.Errorf("output schema: %w", err)
		}
	} else {
		switch shape {
		case outObject:
			e.def.OutputSchema, e.out, err = inferSchema(outType)
		case outWrapped:
			e.def.OutputSchema, e.out, err = inferWrappedSchema(outType)
		}
		if err != nil {
			return nil, fmt.Errorf("output schema: %w", err)
		}
	}

	e.call = func(ctx context.Context, args jsontext.Value) (*mcp.CallToolResult, error) {
		var in In
		if err := json.Unmarshal(args, &in); err != nil {
			return toolError("invalid arguments: " + trimJSONErr(err)), nil
		}
		out, err := fn(ctx, in)
		if err != nil {
			return nil, err
		}
		return encodeOutput(out, shape)
	}
	return e, nil
}

// encodeOutput turns a typed tool's result into a CallToolResult. Structured results also travel as JSON
// text in content, for clients older than 2025-06-18 and for hosts that show only content.
func encodeOutput[Out any](out Out, shape outputShape) (*mcp.CallToolResult, error) {
	switch shape {
	case outResult:
		return any(out).(*mcp.CallToolResult), nil
	case outContent:
		switch c := any(out).(type) {
		case mcp.Content:
			return &mcp.CallToolResult{Content: []mcp.Content{c}}, nil
		case []mcp.Content:
			return &mcp.CallToolResult{Content: c}, nil
		}
	}
	// One allocation holds the result and its one content block; one more holds the JSON, which the text
	// block shares.
	one := &struct {
		res   mcp.CallToolResult
		block [1]mcp.Content
	}{}
	res := &one.res
	res.Content = one.block[:]
	if shape == outObject {
		raw, err := json.Marshal(out)
		if err != nil {
			return nil, fmt.Errorf("encoding tool result: %w", err)
		}
		res.StructuredContent = raw
		one.block[0] = mcp.TextContent(unsafe.String(unsafe.SliceData(raw), len(raw)))
		return res, nil
	}
	buf := make([]byte, 0, 32)
	buf = append(buf, `{"result":`...)
	var err error
	if buf, err = appendPrimitive(buf, out); err != nil {
		return nil, fmt.Errorf("encoding tool result: %w", err)
	}
	buf = append(buf, '}')
	res.StructuredContent = buf
	if s, ok := any(out).(string); ok {
		one.block[0] = mcp.TextContent(s)
	} else {
		raw := buf[len(`{"result":`) : len(buf)-1] // never written again: the text may share it
		one.block[0] = mcp.TextContent(unsafe.String(unsafe.SliceData(raw), len(raw)))
	}
	return res, nil
}

// appendPrimitive appends v's JSON: common scalar types directly, anything else through the encoder.
func appendPrimitive(dst []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case int:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(dst, x, 10), nil
	case int32:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case uint:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case uint64:
		return strconv.AppendUint(dst, x, 10), nil
	case bool:
		return strconv.AppendBool(dst, x), nil
	case string:
		return jsontext.AppendQuote(dst, x)
	}
	return bufpool.MarshalAppend(dst, v)
}

// asProtocolError returns err as a JSON-RPC error when the handler meant one: a *jsonrpc.Error it
// constructed. A *ClientError (the client's error to a question the handler asked) does not wrap one.
// A handler's own *auth.InsufficientScopeError is one too: CodeInsufficientScope, which the HTTP transports
// answer with the 403 step-up when no stream has started.
func asProtocolError(err error) *jsonrpc.Error {
	var e *jsonrpc.Error
	if errors.As(err, &e) {
		return e
	}
	var se *auth.InsufficientScopeError
	if errors.As(err, &se) {
		return scopeError(se)
	}
	return nil
}

func internalError() *jsonrpc.Error {
	return &jsonrpc.Error{Code: mcp.CodeInternalError, Message: "internal error"}
}
