package sdks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/go-json-experiment/json"

	"github.com/mcpkit/mcpkit/bench/internal/workload"
	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/transport/memory"
	"github.com/mcpkit/mcpkit/transport/stdio"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// quiet discards diagnostics: the harness reports errors from what it sees on the wire.
var quiet = slog.New(slog.DiscardHandler)

func mcpkitServer() (*server.Server, error) {
	s := server.New("mcpbench", "1", &server.Options{Logger: quiet})
	server.Tool(s, workload.ToolAdd, "Add two numbers", func(ctx context.Context, in workload.AddArgs) (workload.Sum, error) {
		return workload.Add(in), nil
	})
	server.Tool(s, workload.ToolText, "Return 4 KB of text", func(ctx context.Context, _ workload.NoArgs) (mcp.Content, error) {
		return mcp.TextContent(workload.Text), nil
	})
	return s, s.Err()
}

func mcpkitSDK() *SDK {
	return &SDK{
		Name:     MCPKit,
		Version:  "(this tree)",
		Modern:   true,
		Sessions: true,
		HTTP: func(o HTTPOptions) (http.Handler, func(), error) {
			s, err := mcpkitServer()
			if err != nil {
				return nil, nil, err
			}
			h := streamable.NewHandler(s, &streamable.Options{
				MaxSessions:  max(o.MaxSessions, 10000),
				JSONResponse: true,
				Logger:       quiet,
			})
			return h, func() { _ = h.Close(context.Background()) }, nil
		},
		Stdio: func(ctx context.Context, r io.Reader, w io.Writer) error {
			s, err := mcpkitServer()
			if err != nil {
				return err
			}
			err = s.Serve(ctx, stdio.NewStream(r, w, stdio.Options{Logger: quiet}))
			if errors.Is(err, context.Canceled) {
				return nil
			}
			return err
		},
		InMemory: func(ctx context.Context) (Client, error) {
			s, err := mcpkitServer()
			if err != nil {
				return nil, err
			}
			a, b := memory.Pipe()
			sctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { defer close(done); _ = s.Serve(sctx, a) }()
			sess, err := client.Connect(ctx, b, &client.Options{ProtocolVersion: workload.LegacyVersion, Logger: quiet})
			if err != nil {
				cancel()
				<-done
				return nil, err
			}
			return &mcpkitClient{sess: sess, stop: func() { cancel(); <-done }}, nil
		},
	}
}

type mcpkitClient struct {
	sess *client.Session
	stop func()
}

var mcpkitAddArgs = workload.AddArgs{A: workload.AddA, B: workload.AddB}

func (c *mcpkitClient) Call(ctx context.Context, tool string) error {
	var args any = workload.NoArgs{}
	if tool == workload.ToolAdd {
		args = &mcpkitAddArgs
	}
	res, err := c.sess.CallTool(ctx, tool, args)
	if err != nil {
		return err
	}
	if res.IsError || len(res.Content) != 1 {
		return fmt.Errorf("%s: unexpected result %+v", tool, res)
	}
	if tool == workload.ToolText {
		return checkText(tool, res.Content[0].Text)
	}
	var sum workload.Sum
	if err := json.Unmarshal(res.StructuredContent, &sum); err != nil {
		return fmt.Errorf("add: structuredContent: %w", err)
	}
	return checkSum(sum.Sum)
}

func (c *mcpkitClient) Close() error {
	err := c.sess.Close()
	c.stop()
	return err
}
