package sdks_test

import (
	"context"
	"io"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mcpkit/mcpkit/bench/internal/loadgen"
	"github.com/mcpkit/mcpkit/bench/internal/sdks"
	"github.com/mcpkit/mcpkit/bench/internal/workload"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// mcp-go's in-process client and go-sdk's session keep helpers that outlive Close briefly.
		goleak.IgnoreAnyFunction("github.com/mark3labs/mcp-go/server.(*MCPServer).sendNotificationToAllClients"),
	)
}

// TestInMemory calls both tools through each SDK's own client and in-memory transport.
func TestInMemory(t *testing.T) {
	for _, s := range sdks.All() {
		if s.InMemory == nil {
			continue
		}
		t.Run(s.Name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c, err := s.InMemory(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, tool := range workload.Tools {
				if err := c.Call(ctx, tool); err != nil {
					t.Errorf("%s: %v", tool, err)
				}
			}
			if err := c.Call(ctx, "nope"); err == nil {
				t.Error("calling an unknown tool succeeded")
			}
			if err := c.Close(); err != nil {
				t.Errorf("close: %v", err)
			}
		})
	}
}

// TestStdio drives each SDK's stdio server over in-process pipes with the generator's bytes.
func TestStdio(t *testing.T) {
	for _, s := range sdks.All() {
		if s.Stdio == nil {
			continue
		}
		t.Run(s.Name, func(t *testing.T) {
			inR, inW := io.Pipe()
			outR, outW := io.Pipe()
			done := make(chan error, 1)
			go func() {
				err := s.Stdio(context.Background(), inR, outW)
				outW.Close()
				done <- err
			}()
			load, err := loadgen.StartStdio(loadgen.StdioConfig{W: inW, R: outR, Tool: workload.ToolAdd, Clients: 3})
			if err != nil {
				t.Fatal(err)
			}
			load.Measure()
			time.Sleep(100 * time.Millisecond)
			res := load.Stop(5 * time.Second)
			inR.Close()
			if res.Errors != 0 || res.Calls == 0 {
				t.Errorf("%d calls, %d errors: %v", res.Calls, res.Errors, res.ErrorSamples)
			}
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Error("stdio server did not stop when its input closed")
			}
		})
	}
}
