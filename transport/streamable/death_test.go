package streamable_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/store"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// countingEvents is the memory event store counting the errors stored for orphaned requests.
type countingEvents struct {
	*store.MemoryEventStore
	orphans atomic.Int64
}

func (c *countingEvents) AppendOrphaned(ctx context.Context, sessionID, streamID string, data []byte) (string, error) {
	id, err := c.MemoryEventStore.AppendOrphaned(ctx, sessionID, streamID, data)
	if err == nil {
		c.orphans.Add(1)
	}
	return id, err
}

// deathNodes are the nodes of an in-process deployment sharing one memory store set: their tool "steps"
// sends three progress notifications, then waits until release is closed.
func deathNodes(t *testing.T, n int, release <-chan struct{}, started chan<- struct{}) ([]*env, *countingEvents) {
	sessions := store.NewMemorySessionStore(store.MemorySessionOptions{})
	events := &countingEvents{MemoryEventStore: store.NewMemoryEventStore(store.MemoryEventOptions{})}
	var nodes []*env
	for range n {
		s := server.New("t", "1", nil)
		server.Tool(s, "steps", "", func(ctx context.Context, in struct{}) (string, error) {
			for i := 1; i <= 3; i++ {
				_ = server.Progress(ctx, float64(i), 10, "step")
			}
			started <- struct{}{}
			select {
			case <-release:
			case <-ctx.Done():
			}
			return "late result", nil
		})
		server.Tool(s, "ok", "", func(ctx context.Context, in struct{}) (string, error) { return "fine", nil })
		nodes = append(nodes, newEnv(t, s, &streamable.Options{Sessions: sessions, Events: events, LeaseTTL: 1500 * time.Millisecond, RetryMs: 50}))
	}
	return nodes, events
}

// TestResumeAfterNodeDeath: node A runs a request that streamed three progress notifications, then stops
// refreshing its lease (a node killed -9 does). Two clients resuming at once on B and C from the last
// progress event follow the stream: no error while A holds the lease; once it expired, the error of a
// request whose node stopped, stored once (only if absent) and delivered by the following node(s), each
// response then ending; the late result of A never reaches a client; the next call works.
func TestResumeAfterNodeDeath(t *testing.T) {
	release, started := make(chan struct{}), make(chan struct{}, 1)
	nodes, events := deathNodes(t, 3, release, started)
	a, b, c := nodes[0], nodes[1], nodes[2]
	defer close(release)
	sid := a.initialize(mcp.Version20251125)
	hdr := []string{"Mcp-Session-Id: " + sid, "MCP-Protocol-Version: " + mcp.Version20251125}

	resp := a.post(`{"jsonrpc":"2.0","id":"call-7","method":"tools/call","params":{"name":"steps","arguments":{},"_meta":{"progressToken":"p"}}}`, hdr...)
	rs := newSSE(resp.Body)
	last, progress := "", 0
	for progress < 3 {
		ev, err := rs.next()
		if err != nil {
			t.Fatalf("the POST stream ended after %d progress events: %v", progress, err)
		}
		if ev.id != "" {
			last = ev.id
		}
		if strings.Contains(ev.data, "notifications/progress") {
			progress++
		}
	}
	<-started
	resp.Body.Close() // the client loses A
	streamID, _, _ := store.ParseEventID(last)
	resumeHdr := append(hdr, "Accept: text/event-stream", "Last-Event-ID: "+last)

	// Two clients resume at once, on B and C; their nodes follow the stream (responses stay open).
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	got := make([]chan []sseEvent, 2)
	for i, node := range []*env{b, c} {
		get := node.do(ctx, "GET", "", resumeHdr...)
		if get.StatusCode != http.StatusOK {
			t.Fatalf("resume %d: %d", i, get.StatusCode)
		}
		got[i] = make(chan []sseEvent, 1)
		go func() {
			defer get.Body.Close()
			got[i] <- readAll(newSSE(get.Body))
		}()
	}
	// While A refreshes its lease (every 500 ms, a third of the 1.5 s TTL: long enough that a starved CI
	// machine does not miss a refresh) the request is running: B and C, looking at the lease as often,
	// store no error.
	refreshed := streamable.LeaseRefreshes(a.h)
	deadline := time.Now().Add(10 * time.Second)
	for streamable.LeaseRefreshes(a.h) < refreshed+4 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if st, err := events.StreamState(context.Background(), sid, streamID); err != nil || !st.Leased || st.Final || st.RequestID != `"call-7"` {
		t.Fatalf("after %d refreshes, with two nodes following: %+v, %v; want leased, nothing final", streamable.LeaseRefreshes(a.h), st, err)
	}
	streamable.StopLeaseRefresh(a.h) // A "dies"

	// Each following response ends with the error (one stored event, the same for both) or, when the other
	// node delivered it first and forgot the delivered stream, ends without it: that client's next resume
	// gets 410 Gone.
	var final sseEvent
	for i := range got {
		var evs []sseEvent
		select {
		case evs = <-got[i]:
		case <-ctx.Done():
			t.Fatalf("resume %d did not end within 30 s of A's death", i)
		}
		var data []sseEvent
		for _, ev := range evs {
			if ev.data != "" {
				data = append(data, ev)
			}
		}
		switch {
		case len(data) > 1:
			t.Fatalf("resume %d got %+v, want at most the one error", i, data)
		case len(data) == 1 && final.data != "" && data[0] != final:
			t.Fatalf("two different final events: %+v and %+v", final, data[0])
		case len(data) == 1:
			final = data[0]
		default:
			get := []*env{b, c}[i].do(context.Background(), "GET", "", resumeHdr...)
			get.Body.Close()
			if get.StatusCode != http.StatusGone {
				t.Errorf("resume %d ended without the error, and its next resume got %d, want 410", i, get.StatusCode)
			}
		}
	}
	if !strings.Contains(final.data, `"id":"call-7"`) || !strings.Contains(final.data, fmt.Sprintf(`"code":%d`, streamable.CodeNodeStopped)) ||
		!strings.Contains(final.data, "the node running this request stopped") {
		t.Fatalf("after A's lease expired, the resumes got %q, want the node-stopped error for call-7", final.data)
	}
	if n := events.orphans.Load(); n != 1 {
		t.Errorf("the node-stopped error was stored %d times, want once", n)
	}

	// A's handler returns at last: its result never reaches a client (a resume gets the error, or 410 once
	// the stream was delivered and forgotten).
	release <- struct{}{}
	deadline = time.Now().Add(10 * time.Second)
	for streamable.OpenStreams(a.h) > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	get := c.do(ctx, "GET", "", resumeHdr...)
	rs = newSSE(get.Body)
	for {
		ev, err := rs.next()
		if err != nil {
			break
		}
		if strings.Contains(ev.data, "late result") {
			t.Errorf("A's late result was stored after the error: %q", ev.data)
		}
	}
	get.Body.Close()

	// The next call works, on any node.
	m := readJSON(t, b.post(`{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"ok","arguments":{}}}`, hdr...))
	if res, _ := m["result"].(map[string]any); res == nil {
		t.Fatalf("the next call: %v", m)
	}
}

// readAll reads events until the stream ends.
func readAll(rs *sseReader) []sseEvent {
	var evs []sseEvent
	for {
		ev, err := rs.next()
		if err != nil {
			return evs
		}
		evs = append(evs, ev)
	}
}

// TestResumeAfterCancelIsNotNodeDeath: a request cancelled by its client ends its stream without a
// response; that releases its lease, so once the lease would have expired, a resume on another node
// finds the stream finished and stores no node-stopped error.
func TestResumeAfterCancelIsNotNodeDeath(t *testing.T) {
	release, started := make(chan struct{}), make(chan struct{}, 1)
	nodes, events := deathNodes(t, 2, release, started)
	a, b := nodes[0], nodes[1]
	defer close(release)
	sid := a.initialize(mcp.Version20251125)
	hdr := []string{"Mcp-Session-Id: " + sid, "MCP-Protocol-Version: " + mcp.Version20251125}

	resp := a.post(`{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"steps","arguments":{},"_meta":{"progressToken":"p"}}}`, hdr...)
	rs := newSSE(resp.Body)
	last := ""
	for progress := 0; progress < 3; {
		ev, err := rs.next()
		if err != nil {
			t.Fatalf("the POST stream ended after %d progress events: %v", progress, err)
		}
		if ev.id != "" {
			last = ev.id
		}
		if strings.Contains(ev.data, "notifications/progress") {
			progress++
		}
	}
	<-started
	cancel := a.post(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":9}}`, hdr...)
	cancel.Body.Close()
	readAll(rs) // the stream ends without a response
	resp.Body.Close()
	streamID, _, _ := store.ParseEventID(last)

	// Wait (bounded) until the lease is no longer held: released at once, or expired after 600 ms.
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := events.StreamState(context.Background(), sid, streamID)
		if err != nil {
			t.Fatal(err)
		}
		if !st.Leased {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the lease of a cancelled request was still held 10 s later")
		}
		time.Sleep(20 * time.Millisecond)
	}
	get := b.do(context.Background(), "GET", "", append(hdr, "Accept: text/event-stream", "Last-Event-ID: "+last)...)
	evs := readAll(newSSE(get.Body))
	get.Body.Close()
	for _, ev := range evs {
		if ev.data != "" {
			t.Errorf("a resume of a cancelled request's stream got %q, want nothing", ev.data)
		}
	}
}
