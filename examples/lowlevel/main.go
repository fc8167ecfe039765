// Command lowlevel serves, over MCP, a tool registry that knows nothing of MCP (package registry: a Go map
// of name → func(map[string]any) (any, error) with JSON Schemas as Go maps), adapted with mcpkit's
// lower-level registration: Server.AddRawTool with the raw input schema and a handler that receives the
// raw arguments (validated against the schema before it runs) and builds the CallToolResult itself.
//
//	go run ./examples/lowlevel             # Streamable HTTP at http://127.0.0.1:8000/mcp
//	go run ./examples/lowlevel --stdio     # over stdin/stdout
//
// See README.md in this directory.
package main

import (
	"context"
	"fmt"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/examples/lowlevel/registry"
	"github.com/mcpkit/mcpkit/internal/exampleserve"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

// adapt registers every tool of tools on s with AddRawTool. A tool's error becomes a result with isError
// set (the ToolHandler contract); a string result is sent as is, anything else as JSON text.
func adapt(s *server.Server, tools map[string]registry.Tool) error {
	for _, name := range registry.Names(tools) {
		t := tools[name]
		schema, err := json.Marshal(t.Schema, json.Deterministic(true))
		if err != nil {
			return fmt.Errorf("tool %q: schema: %w", name, err)
		}
		s.AddRawTool(mcp.Tool{Name: name, Description: t.Description, InputSchema: schema},
			func(ctx context.Context, args jsontext.Value) (*mcp.CallToolResult, error) {
				in := map[string]any{}
				if len(args) > 0 {
					if err := json.Unmarshal(args, &in); err != nil {
						return nil, fmt.Errorf("arguments: %w", err)
					}
				}
				out, err := t.Run(in)
				if err != nil {
					return nil, err
				}
				text, ok := out.(string)
				if !ok {
					b, err := json.Marshal(out, json.Deterministic(true))
					if err != nil {
						return nil, fmt.Errorf("result: %w", err)
					}
					text = string(b)
				}
				return &mcp.CallToolResult{Content: []mcp.Content{mcp.TextContent(text)}}, nil
			})
	}
	return s.Err()
}

// New returns the server of the registry's tools.
func New() (*server.Server, error) {
	s := server.New("lowlevel", "0.1.0", &server.Options{Instructions: "Text and number tools from a plain Go registry: word_count, reverse, mean."})
	if err := adapt(s, registry.Tools()); err != nil {
		return nil, err
	}
	return s, nil
}

func run(ctx context.Context, f exampleserve.Flags) error {
	s, err := New()
	if err != nil {
		return err
	}
	defer s.Close()
	return exampleserve.Serve(ctx, s, f)
}

func main() { exampleserve.Main("lowlevel", run) }
