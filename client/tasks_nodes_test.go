package client_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/store"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// TestTaskAcrossNodes: three server nodes share one task store behind a round-robin balancer (no
// stickiness, 2026-07-28 is stateless). The client starts a task on one node, polls it through the others,
// and cancels it from another node than the one running it: the running handler stops and the handle sees
// the task cancelled. No Bus: the running node notices the cancellation when it re-reads the record.
func TestTaskAcrossNodes(t *testing.T) {
	tasks := store.NewMemoryTasks()
	const nodes = 3
	var handlers []http.Handler
	stopped := make(chan int, nodes) // the node whose handler saw its context end
	started := make(chan int, nodes)
	for i := range nodes {
		s := server.New("node", "1", &server.Options{Tasks: server.TaskOptions{Store: tasks, PollInterval: 20 * time.Millisecond}})
		server.TaskTool(s, "work", "", mcp.TaskRequired, func(ctx context.Context, _ noArgs) (string, error) {
			started <- i
			<-ctx.Done()
			stopped <- i
			return "", ctx.Err()
		})
		h := streamable.NewHandler(s, nil)
		handlers = append(handlers, h)
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = h.Close(ctx)
			s.Close()
		})
	}
	var next atomic.Int64
	var mu sync.Mutex
	served := map[string][]int{} // method → the nodes that served it, in order
	lb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(next.Add(1)-1) % nodes
		mu.Lock()
		served[r.Header.Get("Mcp-Method")] = append(served[r.Header.Get("Mcp-Method")], n)
		mu.Unlock()
		handlers[n].ServeHTTP(w, r)
	}))
	t.Cleanup(lb.Close)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := streamable.NewClient(lb.URL, &streamable.ClientOptions{HTTPClient: lb.Client(), EraCache: &streamable.EraCache{}})
	if err != nil {
		t.Fatal(err)
	}
	sess, err := client.Connect(ctx, c, &client.Options{ProtocolVersion: mcp.Version20260728})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	h := mustCallAsTask(t, ctx, sess, "work", nil, nil)
	runner := <-started
	for range nodes {
		if d, err := h.Get(ctx); err != nil || d.Status != mcp.TaskWorking {
			t.Fatalf("poll: %+v %v", d, err)
		}
	}
	if err := h.Cancel(ctx); err != nil {
		t.Fatal(err)
	}
	if d, err := h.Wait(ctx); err != nil || d.Status != mcp.TaskCancelled {
		t.Fatalf("after cancel: %+v %v", d, err)
	}
	if n := <-stopped; n != runner {
		t.Errorf("node %d stopped, but node %d ran the task", n, runner)
	}
	mu.Lock()
	defer mu.Unlock()
	polled := map[int]bool{}
	for _, n := range served[mcp.MethodTasksGet] {
		polled[n] = true
	}
	if len(polled) != nodes {
		t.Errorf("tasks/get served by nodes %v, want all %d", served[mcp.MethodTasksGet], nodes)
	}
	if cancelled := served[mcp.MethodTasksCancel]; len(cancelled) != 1 || cancelled[0] == runner {
		t.Errorf("tasks/cancel served by %v, the runner is %d: want another node", cancelled, runner)
	}
}
