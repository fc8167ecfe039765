package sdks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpkit/mcpkit/bench/internal/workload"
)

// goSDKVersion is the go-sdk release in bench/go.mod.
const goSDKVersion = "v1.8.0"

func goServer() *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: "mcpbench", Version: "1"}, &mcp.ServerOptions{Logger: quiet})
	mcp.AddTool(s, &mcp.Tool{Name: workload.ToolAdd, Description: "Add two numbers"},
		func(ctx context.Context, req *mcp.CallToolRequest, in workload.AddArgs) (*mcp.CallToolResult, workload.Sum, error) {
			return nil, workload.Add(in), nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: workload.ToolText, Description: "Return 4 KB of text"},
		func(ctx context.Context, req *mcp.CallToolRequest, _ workload.NoArgs) (*mcp.CallToolResult, any, error) {
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: workload.Text}}}, nil, nil
		})
	return s
}

func goSDK() *SDK {
	return &SDK{
		Name:    GoSDK,
		Version: goSDKVersion,
		// v1.8.0 serves 2026-07-28 only on a handler configured Stateless, which then has no legacy
		// sessions (StreamableServerTransport.SupportsProtocolVersion): one endpoint cannot serve both eras.
		Modern:   true,
		Sessions: true,
		HTTP: func(o HTTPOptions) (http.Handler, func(), error) {
			s := goServer()
			h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s },
				&mcp.StreamableHTTPOptions{JSONResponse: true, Stateless: o.Modern, Logger: quiet})
			return h, func() {}, nil
		},
		Stdio: func(ctx context.Context, r io.Reader, w io.Writer) error {
			err := goServer().Run(ctx, &mcp.IOTransport{Reader: io.NopCloser(r), Writer: nopWriteCloser{w}})
			if errors.Is(err, context.Canceled) || errors.Is(err, io.EOF) || errors.Is(err, mcp.ErrConnectionClosed) {
				return nil
			}
			return err
		},
		InMemory: func(ctx context.Context) (Client, error) {
			ct, st := mcp.NewInMemoryTransports()
			ss, err := goServer().Connect(ctx, st, nil)
			if err != nil {
				return nil, err
			}
			c := mcp.NewClient(&mcp.Implementation{Name: "mcpbench", Version: "1"}, &mcp.ClientOptions{Logger: quiet})
			cs, err := c.Connect(ctx, ct, &mcp.ClientSessionOptions{ProtocolVersion: workload.LegacyVersion})
			if err != nil {
				ss.Close()
				return nil, err
			}
			return &goClient{cs: cs, ss: ss}, nil
		},
	}
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

type goClient struct {
	cs *mcp.ClientSession
	ss *mcp.ServerSession
}

func (c *goClient) Call(ctx context.Context, tool string) error {
	var args any = workload.NoArgs{}
	if tool == workload.ToolAdd {
		args = workload.AddArgs{A: workload.AddA, B: workload.AddB}
	}
	res, err := c.cs.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		return err
	}
	if res.IsError || len(res.Content) != 1 {
		return fmt.Errorf("%s: unexpected result %+v", tool, res)
	}
	text, ok := res.Content[0].(*mcp.TextContent)
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

func (c *goClient) Close() error {
	err := c.cs.Close()
	c.ss.Close()
	_ = c.ss.Wait()
	return err
}
