package client_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

// TestCallbackMayUseSession: OnToolsChanged runs off the connection's read loop, so it may call the
// session (ListTools) without deadlocking; callbacks run in arrival order.
func TestCallbackMayUseSession(t *testing.T) {
	s := server.New("t", "1", nil)
	server.Tool(s, "a", "", func(ctx context.Context, _ noArgs) (string, error) { return "", nil })
	var sessp atomic.Pointer[client.Session]
	lists := make(chan int, 16)
	var logs []string
	logsDone := make(chan struct{})
	sess := connect(t, s, &client.Options{
		ProtocolVersion: mcp.Version20251125,
		OnToolsChanged: func(ctx context.Context) {
			res, err := sessp.Load().ListTools(ctx, "")
			if err != nil {
				t.Errorf("ListTools from OnToolsChanged: %v", err)
				lists <- -1
				return
			}
			lists <- len(res.Tools)
		},
		OnLog: func(ctx context.Context, p *mcp.LoggingMessageParams) {
			logs = append(logs, string(p.Data[1:len(p.Data)-1]))
			if len(logs) == 20 {
				close(logsDone)
			}
		},
	})
	sessp.Store(sess)
	server.Tool(s, "b", "", func(ctx context.Context, _ noArgs) (string, error) { return "", nil })
	select {
	case n := <-lists:
		if n != 2 {
			t.Fatalf("ListTools from the callback saw %d tools, want 2", n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("OnToolsChanged calling ListTools deadlocked")
	}
	// Order: 20 log notifications sent by one handler arrive at OnLog in order.
	server.Tool(s, "logs", "", func(ctx context.Context, _ noArgs) (string, error) {
		for i := range 20 {
			server.Log(ctx).Info(fmt.Sprint(i))
		}
		return "", nil
	})
	<-lists // list_changed for "logs"
	if _, err := sess.CallTool(context.Background(), "logs", nil); err != nil {
		t.Fatal(err)
	}
	select {
	case <-logsDone:
	case <-time.After(10 * time.Second):
		t.Fatalf("got %d of 20 logs", len(logs))
	}
	for i, l := range logs {
		if l != fmt.Sprint(i) {
			t.Fatalf("logs out of order: %v", logs)
		}
	}
}

// TestCallbackQueueBounded: a callback that blocks never holds up the connection's read loop: a server
// request (elicitation) behind 50 notifications is still read and answered, the callbacks past
// MaxPendingCallbacks are dropped and counted, and every notification is either delivered or counted.
func TestCallbackQueueBounded(t *testing.T) {
	s := server.New("t", "1", nil)
	toolDone := make(chan struct{})
	server.Tool(s, "logs", "", func(ctx context.Context, _ noArgs) (string, error) {
		defer close(toolDone)
		for i := range 50 {
			server.Log(ctx).Info(fmt.Sprint(i))
		}
		ans, err := server.Elicit[form](ctx, "n?")
		if err != nil {
			return "", err
		}
		return fmt.Sprint(ans.Content.N), nil
	})
	release := make(chan struct{})
	var delivered atomic.Int64
	sess := connect(t, s, &client.Options{
		ProtocolVersion:     mcp.Version20251125,
		MaxPendingCallbacks: 4,
		Logger:              slog.New(slog.DiscardHandler),
		OnLog: func(ctx context.Context, p *mcp.LoggingMessageParams) {
			<-release
			delivered.Add(1)
		},
		OnElicit: func(ctx context.Context, p *mcp.ElicitParams) (*mcp.ElicitResult, error) {
			return &mcp.ElicitResult{Action: mcp.ElicitActionAccept, Content: []byte(`{"n":7}`)}, nil
		},
	})
	type outcome struct {
		res *mcp.CallToolResult
		err error
	}
	called := make(chan outcome, 1)
	go func() {
		res, err := sess.CallTool(context.Background(), "logs", nil)
		called <- outcome{res, err}
	}()
	select {
	case <-toolDone: // the elicitation was read and answered while OnLog blocked
	case <-time.After(10 * time.Second):
		t.Fatal("a blocked callback held up the connection: the elicitation was never answered")
	}
	dropped := sess.DroppedCallbacks()
	if dropped < 40 {
		t.Fatalf("dropped %d callbacks, want ≥ 40 of 50 with 4 waiting", dropped)
	}
	close(release)
	o := <-called // returns once the callbacks before its result have run
	if o.err != nil || o.res.Content[0].Text != "7" {
		t.Fatalf("call: %+v %v", o.res, o.err)
	}
	if got := delivered.Load() + int64(dropped); got != 50 {
		t.Fatalf("delivered %d + dropped %d ≠ 50", delivered.Load(), dropped)
	}
}
