package sdks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"

	mcpclient "github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/mcpkit/mcpkit/bench/internal/workload"
)

// mcpGoVersion is the mcp-go release in bench/go.mod.
const mcpGoVersion = "v1.2.1"

func mcpGoServer() *server.MCPServer {
	s := server.NewMCPServer("mcpbench", "1", server.WithToolCapabilities(false))
	s.AddTool(mcp.NewTool(workload.ToolAdd,
		mcp.WithDescription("Add two numbers"),
		mcp.WithInputSchema[workload.AddArgs](),
		mcp.WithOutputSchema[workload.Sum]()),
		mcp.NewStructuredToolHandler(func(ctx context.Context, req mcp.CallToolRequest, in workload.AddArgs) (workload.Sum, error) {
			return workload.Add(in), nil
		}))
	s.AddTool(mcp.NewTool(workload.ToolText, mcp.WithDescription("Return 4 KB of text")),
		mcp.NewTypedToolHandler(func(ctx context.Context, req mcp.CallToolRequest, _ workload.NoArgs) (*mcp.CallToolResult, error) {
			return mcp.NewToolResultText(workload.Text), nil
		}))
	return s
}

func mcpGoSDK() *SDK {
	return &SDK{
		Name:     MCPGo,
		Version:  mcpGoVersion,
		Modern:   true, // v1.2.1 serves 2026-07-28 requests beside legacy sessions on one endpoint
		Sessions: true,
		HTTP: func(o HTTPOptions) (http.Handler, func(), error) {
			// WithStateful: session ids are issued and checked, as in the other SDKs' legacy sessions (the
			// default only issues them).
			h := server.NewStreamableHTTPServer(mcpGoServer(), server.WithStateful(true),
				server.WithStreamableHTTPLogger(quiet))
			return h, func() { _ = h.Shutdown(context.Background()) }, nil
		},
		Stdio: func(ctx context.Context, r io.Reader, w io.Writer) error {
			s := server.NewStdioServer(mcpGoServer())
			s.SetErrorLogger(log.New(io.Discard, "", 0))
			err := s.Listen(ctx, r, w)
			if errors.Is(err, context.Canceled) || errors.Is(err, io.EOF) {
				return nil
			}
			return err
		},
		InMemory: func(ctx context.Context) (Client, error) {
			c, err := mcpclient.NewInProcessClient(mcpGoServer())
			if err != nil {
				return nil, err
			}
			if err := c.Start(ctx); err != nil {
				return nil, err
			}
			_, err = c.Initialize(ctx, mcp.InitializeRequest{Params: mcp.InitializeParams{
				ProtocolVersion: workload.LegacyVersion,
				ClientInfo:      mcp.Implementation{Name: "mcpbench", Version: "1"},
			}})
			if err != nil {
				c.Close()
				return nil, err
			}
			return &mcpGoClient{c: c}, nil
		},
	}
}

type mcpGoClient struct{ c *mcpclient.Client }

func (c *mcpGoClient) Call(ctx context.Context, tool string) error {
	var args any = workload.NoArgs{}
	if tool == workload.ToolAdd {
		args = workload.AddArgs{A: workload.AddA, B: workload.AddB}
	}
	res, err := c.c.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: tool, Arguments: args}})
	if err != nil {
		return err
	}
	if res.IsError || len(res.Content) != 1 {
		return fmt.Errorf("%s: unexpected result %+v", tool, res)
	}
	text, ok := mcp.AsTextContent(res.Content[0])
	if !ok {
		return fmt.Errorf("%s: content is %T, not text", tool, res.Content[0])
	}
	if tool == workload.ToolText {
		return checkText(tool, text.Text)
	}
	var sum workload.Sum
	if err := json.Unmarshal([]byte(text.Text), &sum); err != nil {
		return fmt.Errorf("add: text %q: %w", text.Text, err)
	}
	return checkSum(sum.Sum)
}

func (c *mcpGoClient) Close() error { return c.c.Close() }
