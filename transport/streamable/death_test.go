package streamable_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/store"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// deathNode is one node of an in-process deployment sharing one memory store set: its tool "steps"
// sends three progress notifications, then waits until release is closed.
func deathNodes(t *testing.T, n int, release <-chan struct{}, started chan<- struct{}) ([]*env, *store.MemoryEventStore) {
	sessions := store.NewMemorySessionStore(store.MemorySessionOptions{})
	events := store.NewMemoryEventStore(store.MemoryEventOptions{})
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
		nodes = append(nodes, newEnv(t, s, &streamable.Options{Sessions: sessions, Events: events, LeaseTTL: 600 * time.Millisecond, RetryMs: 50}))
	}
	return nodes, events
}

// TestResumeAfterNodeDeath: node A runs a request that streamed three progress notifications, then stops
// refreshing its lease (a node killed -9 does). A client resuming on B gets the three events once each,
// then, once the lease expired, the error of a request whose node stopped; two clients resuming at once on
// B and C get the same single error event (stored once, only if absent); the late result of A is dropped;
// the next call works.
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

	// While A refreshes its lease (every 200 ms), the request is running: a resume on B delivers what is
	// stored and ends with a retry hint, no error.
	deadline := time.Now().Add(10 * time.Second)
	for streamable.LeaseRefreshes(a.h) < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if st, err := events.StreamState(context.Background(), sid, streamID); err != nil || !st.Leased || st.Final || st.RequestID != `"call-7"` {
		t.Fatalf("after %d refreshes, 3 TTLs of 600 ms: %+v, %v; want leased", streamable.LeaseRefreshes(a.h), st, err)
	}
	get := b.do(context.Background(), "GET", "", append(hdr, "Accept: text/event-stream", "Last-Event-ID: "+last)...)
	evs := readAll(newSSE(get.Body))
	get.Body.Close()
	if len(evs) != 1 || evs[0].data != "" || !evs[0].retry {
		t.Fatalf("a resume on B while A holds the lease got %+v, want only a retry hint", evs)
	}
	streamable.StopLeaseRefresh(a.h) // A "dies"

	// Resume on B from the last progress event: polls while the lease is held (the retry hint), then the
	// error. Bounded: 100 resumes 50 ms apart.
	var final sseEvent
	for attempt := 0; final.data == "" && attempt < 100; attempt++ {
		get := b.do(context.Background(), "GET", "", append(hdr, "Accept: text/event-stream", "Last-Event-ID: "+last)...)
		if get.StatusCode != 200 {
			t.Fatalf("resume on B: %d", get.StatusCode)
		}
		rs := newSSE(get.Body)
		for {
			ev, err := rs.next()
			if err != nil {
				break
			}
			if ev.data != "" {
				if final.data != "" {
					t.Fatalf("a second event after the final one: %q", ev.data)
				}
				final = ev
			}
		}
		get.Body.Close()
		if final.data == "" {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if !strings.Contains(final.data, `"id":"call-7"`) || !strings.Contains(final.data, fmt.Sprintf(`"code":%d`, streamable.CodeNodeStopped)) ||
		!strings.Contains(final.data, "the node running this request stopped") {
		t.Fatalf("after A's lease expired, the resume on B got %q, want the node-stopped error for call-7", final.data)
	}
	st, err := events.StreamState(context.Background(), sid, streamID)
	if err != nil || !st.Final || st.Leased {
		t.Fatalf("stream state after the error: %+v, %v", st, err)
	}

	// Two clients resume at once, on B and C, from the last progress event: both get the one stored error.
	var wg sync.WaitGroup
	got := make([][]sseEvent, 2)
	for i, node := range []*env{b, c} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := node.do(context.Background(), "GET", "", append(hdr, "Accept: text/event-stream", "Last-Event-ID: "+last)...)
			defer req.Body.Close()
			rs := newSSE(req.Body)
			for {
				ev, err := rs.next()
				if err != nil {
					return
				}
				if ev.data != "" {
					got[i] = append(got[i], ev)
				}
			}
		}()
	}
	wg.Wait()
	for i, evs := range got {
		if len(evs) != 1 || evs[0] != final {
			t.Errorf("concurrent resume %d got %+v, want exactly %+v", i, evs, final)
		}
	}

	// A's handler returns at last: its result is dropped, the error stands.
	release <- struct{}{}
	deadline = time.Now().Add(10 * time.Second)
	for streamable.OpenStreams(a.h) > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	get = c.do(context.Background(), "GET", "", append(hdr, "Accept: text/event-stream", "Last-Event-ID: "+last)...)
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
