package main

import (
	"context"
	"fmt"
	"time"

	"github.com/mcpkit/mcpkit/server"
)

// addCountSlowly registers count_slowly on the served demo: a long-running call whose response is an SSE
// stream (ten progress notifications 100 ms apart, then the result), to watch a node die or drain under a
// call in progress (docs/SCALING.md, "Node death").
func addCountSlowly(s *server.Server) {
	server.Tool(s, "count_slowly", "Count to 10, sending a progress notification every 100 ms, then answer (a long-running call whose response is an SSE stream)", func(ctx context.Context, in struct{}) (string, error) {
		for i := 1; i <= 10; i++ {
			select {
			case <-ctx.Done():
				return "", ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
			_ = server.Progress(ctx, float64(i), 10, fmt.Sprintf("%d/10", i))
		}
		return "counted to 10", nil
	})
}
