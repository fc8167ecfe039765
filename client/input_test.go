package client_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/transport/memory"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type noArgs struct{}

type form struct {
	N int `json:"n"`
}

func connect(t *testing.T, s *server.Server, opts *client.Options) *client.Session {
	t.Helper()
	a, b := memory.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, a) }()
	cctx, ccancel := context.WithTimeout(ctx, 5*time.Second)
	defer ccancel()
	sess, err := client.Connect(cctx, b, opts)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sess.Close()
		cancel()
		<-done
	})
	return sess
}

// TestInputRoundsBounded: a server that never stops asking is cut off after MaxInputRounds rounds, with
// a clear error, not an endless loop.
func TestInputRoundsBounded(t *testing.T) {
	s := server.New("t", "1", nil)
	server.Tool(s, "forever", "", func(ctx context.Context, _ noArgs) (string, error) {
		for {
			if _, err := server.Elicit[form](ctx, "again?"); err != nil {
				return "", err
			}
		}
	})
	var asked atomic.Int32
	sess := connect(t, s, &client.Options{
		ProtocolVersion: mcp.Version20260728,
		MaxInputRounds:  3,
		OnElicit: func(ctx context.Context, p *mcp.ElicitParams) (*mcp.ElicitResult, error) {
			asked.Add(1)
			return &mcp.ElicitResult{Action: mcp.ElicitActionAccept, Content: []byte(`{"n":1}`)}, nil
		},
	})
	_, err := sess.CallTool(context.Background(), "forever", nil)
	if err == nil || !strings.Contains(err.Error(), "after 3 rounds") {
		t.Fatalf("err = %v", err)
	}
	if asked.Load() != 3 {
		t.Fatalf("the user was asked %d times, want 3", asked.Load())
	}
}

// TestInputWithoutHandler: a 2026-07-28 server asking a client that declared elicitation but has no
// handler gets a clear error back to the caller.
func TestInputWithoutHandler(t *testing.T) {
	s := server.New("t", "1", nil)
	server.Tool(s, "ask", "", func(ctx context.Context, _ noArgs) (string, error) {
		_, err := server.Elicit[form](ctx, "n?")
		return "", err
	})
	sess := connect(t, s, &client.Options{
		ProtocolVersion: mcp.Version20260728,
		Capabilities:    mcp.ClientCapabilities{Elicitation: &mcp.ElicitationCapability{}},
	})
	_, err := sess.CallTool(context.Background(), "ask", nil)
	if err == nil || !strings.Contains(err.Error(), "no handler for elicitation/create") {
		t.Fatalf("err = %v", err)
	}
}
