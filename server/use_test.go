package server_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/server"
)

// TestUseWhileServing: Use may be called while requests are being dispatched (run with -race): requests
// see either the old chain or the new one, never a torn one, and requests after Use returns go through
// the added middleware.
func TestUseWhileServing(t *testing.T) {
	s := server.New("t", "1", nil)
	server.Tool(s, "echo", "", func(ctx context.Context, _ noArgs) (string, error) { return "ok", nil })
	sess := connect(t, s, nil)
	var seen atomic.Int64
	count := func(next server.Handler) server.Handler {
		return func(ctx context.Context, r *server.Request) (jsontext.Value, error) {
			seen.Add(1)
			return next(ctx, r)
		}
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 50 {
				if res, err := sess.CallTool(context.Background(), "echo", nil); err != nil || res.IsError {
					t.Errorf("call: %+v %v", res, err)
					return
				}
			}
		})
	}
	for range 20 {
		s.Use(count)
	}
	wg.Wait()
	before := seen.Load()
	if _, err := sess.CallTool(context.Background(), "echo", nil); err != nil {
		t.Fatal(err)
	}
	if got := seen.Load() - before; got != 20 {
		t.Fatalf("a request after 20 Use calls passed %d counting middlewares, want 20", got)
	}
}
