package server

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

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
	raw, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("encoding tool result: %w", err)
	}
	res := &mcp.CallToolResult{}
	if shape == outObject {
		res.StructuredContent = raw
		res.Content = []mcp.Content{mcp.TextContent(string(raw))}
		return res, nil
	}
	wrapped := make([]byte, 0, len(raw)+11)
	wrapped = append(append(append(wrapped, `{"result":`...), raw...), '}')
	res.StructuredContent = wrapped
	if s, ok := any(out).(string); ok {
		res.Content = []mcp.Content{mcp.TextContent(s)}
	} else {
		res.Content = []mcp.Content{mcp.TextContent(string(raw))}
	}
	return res, nil
}

// asProtocolError returns err as a JSON-RPC error when the handler meant one.
func asProtocolError(err error) *jsonrpc.Error {
	var e *jsonrpc.Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

func internalError() *jsonrpc.Error {
	return &jsonrpc.Error{Code: mcp.CodeInternalError, Message: "internal error"}
}
