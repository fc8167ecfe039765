package streamable_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// TestDrain: during Drain a new request gets 503 with Retry-After, a notification for a running request is
// still taken, a subscriptions/listen stream and the session's GET stream (a follower of the event log) end
// with a retry hint, and Drain returns once the running call has answered on its stream.
func TestDrain(t *testing.T) {
	s := server.New("t", "1", nil)
	proceed := make(chan struct{})
	server.Tool(s, "wait", "", func(ctx context.Context, in struct{}) (string, error) {
		_ = server.Progress(ctx, 1, 2, "started")
		select {
		case <-proceed:
			return "done", nil
		case <-ctx.Done():
			return "", ctx.Err()
		}
	})
	e := newEnv(t, s, &streamable.Options{RetryMs: 321})
	sid := e.initialize(mcp.Version20251125)
	hdr := []string{"Mcp-Session-Id: " + sid, "MCP-Protocol-Version: " + mcp.Version20251125}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	listen := e.do(ctx, "POST", `{"jsonrpc":"2.0","id":"l","method":"subscriptions/listen","params":{"notifications":{"toolsListChanged":true},`+modernMeta+`}}`,
		append(modernHeaders("subscriptions/listen"), "Content-Type: application/json", "Accept: application/json, text/event-stream")...)
	defer listen.Body.Close()
	lrs := newSSE(listen.Body)
	if ack, err := lrs.next(); err != nil || !strings.Contains(ack.data, "acknowledged") {
		t.Fatalf("listen ack: %+v, %v", ack, err)
	}
	get := e.do(ctx, "GET", "", append(hdr, "Accept: text/event-stream")...)
	defer get.Body.Close()
	grs := newSSE(get.Body)
	if prime, err := grs.next(); err != nil || prime.id == "" {
		t.Fatalf("the GET stream's priming event: %+v, %v", prime, err)
	}
	call := e.post(`{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"wait","arguments":{},"_meta":{"progressToken":1}}}`, hdr...)
	defer call.Body.Close()
	crs := newSSE(call.Body)
	for {
		ev, err := crs.next()
		if err != nil {
			t.Fatalf("the call's stream ended before its progress: %v", err)
		}
		if strings.Contains(ev.data, "notifications/progress") {
			break
		}
	}

	drained := make(chan error, 1)
	go func() { drained <- e.h.Drain(ctx) }()

	// The listen stream ends with the retry hint.
	evs := readAll(lrs)
	if len(evs) == 0 || !evs[len(evs)-1].retry {
		t.Errorf("the listen stream ended with %+v, want a retry hint last", evs)
	}
	// So does the GET stream, while the call still runs (the handler is not closed yet).
	evs = readAll(grs)
	if len(evs) == 0 || !evs[len(evs)-1].retry || evs[len(evs)-1].id != "" {
		t.Errorf("the GET stream ended with %+v, want a retry hint (no id) last", evs)
	}
	// A new request: 503, Retry-After.
	r := e.post(`{"jsonrpc":"2.0","id":6,"method":"tools/list"}`, hdr...)
	if r.StatusCode != http.StatusServiceUnavailable || r.Header.Get("Retry-After") != "1" {
		t.Errorf("a new request while draining: %d, Retry-After %q", r.StatusCode, r.Header.Get("Retry-After"))
	}
	r.Body.Close()
	// A notification is taken (notifications/cancelled for another id: nothing to cancel).
	r = e.post(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":99}}`, hdr...)
	if r.StatusCode != http.StatusAccepted {
		t.Errorf("a notification while draining: %d, want 202", r.StatusCode)
	}
	r.Body.Close()
	select {
	case err := <-drained:
		t.Fatalf("Drain returned (%v) while a call was running", err)
	default:
	}
	close(proceed)
	result := false
	for _, ev := range readAll(crs) {
		result = result || strings.Contains(ev.data, `"done"`)
	}
	if !result {
		t.Error("the running call's result did not reach its stream during the drain")
	}
	if err := <-drained; err != nil {
		t.Errorf("Drain: %v", err)
	}
}
