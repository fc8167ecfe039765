package streamable_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/store"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// rawRequest opens a connection, sends one request, and never reads the answer.
func rawRequest(t *testing.T, url, method, body string, hdr ...string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s / HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json, text/event-stream\r\n", method)
	if method == http.MethodPost {
		fmt.Fprintf(&b, "Content-Type: application/json\r\nContent-Length: %d\r\n", len(body))
	}
	for _, h := range hdr {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n" + body)
	if _, err := io.WriteString(c, b.String()); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSlowReaders (issue 11): a few clients never read their streams (the session's GET stream and a POST
// stream flooding 64 KiB progress events) while resource updates fan out to them and 50 other clients call
// tools. The others all complete, the fan-out never waits for the slow clients, the queued bytes stay
// within the per-session budget, and everything is given back when the slow clients leave.
func TestSlowReaders(t *testing.T) {
	const (
		slow       = 3
		others     = 50
		queueLimit = 256 << 10
		logLimit   = 1 << 20
	)
	s := server.New("t", "1", nil)
	server.Resource(s, "big://r", "", func(ctx context.Context, uri string) (string, error) { return "", nil })
	server.Tool(s, "add", "", func(ctx context.Context, in struct{ A, B int }) (int, error) { return in.A + in.B, nil })
	var floods sync.WaitGroup
	server.Tool(s, "flood", "", func(ctx context.Context, in struct{}) (string, error) {
		defer floods.Done()
		msg := strings.Repeat("p", 64<<10)
		for i := range 200 {
			if ctx.Err() != nil {
				break
			}
			_ = server.Progress(ctx, float64(i), 200, msg)
		}
		return "flooded", nil
	})
	events := store.NewMemoryEventStore(store.MemoryEventOptions{MaxBytesPerSession: logLimit})
	e := newEnv(t, s, &streamable.Options{Events: events, MaxQueuedBytes: queueLimit, WriteTimeout: 200 * time.Millisecond, KeepAlive: -1})
	h := e.h

	bigURI := "big://" + strings.Repeat("x", 64<<10)
	var conns []net.Conn
	var sids []string
	for i := range slow {
		sid := e.initialize(mcp.Version20251125)
		sids = append(sids, sid)
		r := e.post(`{"jsonrpc":"2.0","id":2,"method":"resources/subscribe","params":{"uri":"`+bigURI+`"}}`, "Mcp-Session-Id: "+sid)
		r.Body.Close()
		conns = append(conns, rawRequest(t, e.url, http.MethodGet, "", "Mcp-Session-Id: "+sid))
		floods.Add(1)
		conns = append(conns, rawRequest(t, e.url, http.MethodPost,
			fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"flood","arguments":{},"_meta":{"progressToken":1}}}`, 10+i),
			"Mcp-Session-Id: "+sid))
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()

	var maxQueued atomic.Int64
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if q := streamable.QueuedBytes(h); q > maxQueued.Load() {
				maxQueued.Store(q)
			}
			select {
			case <-stopSampling:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()

	// The fan-out: 300 updates of 64 KiB each to every slow session (20 MB each, far beyond any socket
	// buffer).
	fanned := make(chan struct{})
	go func() {
		defer close(fanned)
		for range 300 {
			s.ResourceUpdated(bigURI)
		}
	}()
	var wg sync.WaitGroup
	var failures atomic.Int64
	latencies := make([]time.Duration, others*5)
	for i := range others {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 5 {
				body := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"add","arguments":{"A":%d,"B":1},%s}}`, j, i, modernMeta)
				start := time.Now()
				resp, err := e.doErr(context.Background(), body, modernHeaders("tools/call", "add")...)
				if err != nil {
					failures.Add(1)
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				latencies[i*5+j] = time.Since(start)
				if resp.StatusCode != 200 || !strings.Contains(string(b), fmt.Sprintf(`"result":%d`, i+1)) {
					failures.Add(1)
				}
			}
		}()
	}
	allDone := make(chan struct{})
	go func() { wg.Wait(); <-fanned; floods.Wait(); close(allDone) }()
	select {
	case <-allDone:
	case <-time.After(60 * time.Second): // a liveness bound, not a speed goal
		t.Fatal("other clients or the fan-out are stalled by clients that do not read")
	}
	if n := failures.Load(); n > 0 {
		t.Errorf("%d of %d calls by the other clients failed", n, others*5)
	}
	// Budgets: queued bytes within the per-session limit (plus one event, pushed past it by a replay or a
	// retry hint); the event log within its per-session budget (plus the newest event).
	if q := maxQueued.Load(); q > slow*(queueLimit+(64<<10)+8<<10) {
		t.Errorf("queued bytes peaked at %d, over the budget %d × %d", q, slow, queueLimit)
	}
	if b := events.Bytes(); b > slow*(logLimit+(80<<10)) {
		t.Errorf("the event log holds %d bytes, over the budget %d × %d", b, slow, logLimit)
	}
	var sorted []time.Duration
	for _, l := range latencies {
		if l > 0 {
			sorted = append(sorted, l)
		}
	}
	t.Logf("slow readers: queued bytes peaked at %d (budget %d per session), event log %d bytes, others' slowest call %v",
		maxQueued.Load(), queueLimit, events.Bytes(), slowest(sorted))

	// The slow clients leave: everything is given back.
	for _, c := range conns {
		c.Close()
	}
	for _, sid := range sids {
		r := e.do(context.Background(), http.MethodDelete, "", "Mcp-Session-Id: "+sid)
		r.Body.Close()
	}
	close(stopSampling)
	<-sampled
	for i := 0; streamable.QueuedBytes(h) != 0 || events.Bytes() != 0; i++ {
		if i > 1000 {
			t.Fatalf("after the slow clients left: %d bytes queued, %d in the event log", streamable.QueuedBytes(h), events.Bytes())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func slowest(ds []time.Duration) time.Duration {
	var m time.Duration
	for _, d := range ds {
		m = max(m, d)
	}
	return m
}

// TestListenSlowReaderIsEnded: a subscriptions/listen client that does not keep up gets its stream ended,
// never a stream that goes on with notifications silently missing.
func TestListenSlowReaderIsEnded(t *testing.T) {
	s := server.New("t", "1", nil)
	e := newEnv(t, s, &streamable.Options{KeepAlive: -1, WriteTimeout: 200 * time.Millisecond})
	bigURI := "big://" + strings.Repeat("x", 64<<10)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	resp := e.do(ctx, "POST", `{"jsonrpc":"2.0","id":"l","method":"subscriptions/listen","params":{"notifications":{"resourceSubscriptions":["`+bigURI+`"]},`+modernMeta+`}}`,
		modernHeaders("subscriptions/listen")...)
	defer resp.Body.Close()
	rs := newSSE(resp.Body)
	if _, err := rs.next(); err != nil { // the acknowledgement
		t.Fatal(err)
	}
	const sent = 500 // 32 MB: far beyond the socket buffers and the 64-notification queue
	for range sent {
		s.ResourceUpdated(bigURI)
	}
	// Read now: either every notification, or some and then the end of the stream.
	timer := time.AfterFunc(30*time.Second, cancel) // a bound against a hang, not a speed goal
	defer timer.Stop()
	got := 0
	for got < sent {
		ev, err := rs.next()
		if err != nil {
			if ctx.Err() != nil {
				t.Fatalf("got %d of %d notifications and the stream is still open: the rest were dropped silently", got, sent)
			}
			break // the stream ended: the client knows to listen again
		}
		if strings.Contains(ev.data, "notifications/resources/updated") {
			got++
		}
	}
	t.Logf("a listen client that did not read got %d of %d notifications, then its stream ended", got, sent)
}

// TestBigEventReachesReader: one event larger than the queue budget still reaches a client that reads
// (the budget bounds a backlog, not one event).
func TestBigEventReachesReader(t *testing.T) {
	s := server.New("t", "1", nil)
	big := strings.Repeat("b", 2<<20)
	server.Tool(s, "big", "", func(ctx context.Context, in struct{}) (string, error) {
		_ = server.Progress(ctx, 1, 1, "switching to SSE")
		return big, nil
	})
	e := newEnv(t, s, &streamable.Options{MaxQueuedBytes: 64 << 10})
	sid := e.initialize(mcp.Version20251125)
	resp := e.post(`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"big","arguments":{},"_meta":{"progressToken":1}}}`, "Mcp-Session-Id: "+sid)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Header.Get("Content-Type") != "text/event-stream" || !strings.Contains(string(b), big) {
		t.Fatalf("a 2 MiB result on an SSE stream did not arrive (%d bytes read)", len(b))
	}
}

// TestSlowReaderResumesWithoutLoss: a client whose POST stream was ended for reading too slowly resumes
// with Last-Event-ID and gets every event it missed, in order, and the result.
func TestSlowReaderResumesWithoutLoss(t *testing.T) {
	const n = 100 // × 64 KiB: beyond the socket buffers and the queue budget
	s := server.New("t", "1", nil)
	done := make(chan struct{})
	server.Tool(s, "flood", "", func(ctx context.Context, in struct{}) (string, error) {
		defer close(done)
		msg := strings.Repeat("p", 64<<10)
		for i := 1; i <= n; i++ {
			_ = server.Progress(ctx, float64(i), n, msg)
		}
		return "flooded", nil
	})
	events := store.NewMemoryEventStore(store.MemoryEventOptions{MaxBytesPerSession: 16 << 20})
	e := newEnv(t, s, &streamable.Options{Events: events, MaxQueuedBytes: 128 << 10, WriteTimeout: 100 * time.Millisecond, KeepAlive: -1})
	sid := e.initialize(mcp.Version20251125)
	resp := e.post(`{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"flood","arguments":{},"_meta":{"progressToken":1}}}`, "Mcp-Session-Id: "+sid)
	<-done // read nothing until the tool has sent everything
	var seen []int
	result := false
	last := ""
	collect := func(rs *sseReader) {
		for {
			ev, err := rs.next()
			if err != nil {
				return
			}
			if ev.id != "" {
				last = ev.id
			}
			var p int
			if i := strings.Index(ev.data, `"progress":`); i >= 0 {
				fmt.Sscanf(ev.data[i+len(`"progress":`):], "%d", &p)
				seen = append(seen, p)
			}
			if strings.Contains(ev.data, "flooded") {
				result = true
			}
		}
	}
	collect(newSSE(resp.Body))
	resp.Body.Close()
	firstPart := len(seen)
	if !result {
		if last == "" {
			t.Fatalf("the stream ended after %d events without an event id to resume from", firstPart)
		}
		get := e.do(context.Background(), "GET", "", "Mcp-Session-Id: "+sid, "Accept: text/event-stream", "Last-Event-ID: "+last)
		if get.StatusCode != 200 {
			t.Fatalf("resume after %d events: %d", firstPart, get.StatusCode)
		}
		collect(newSSE(get.Body))
		get.Body.Close()
	}
	for i, p := range seen {
		if p != i+1 {
			t.Fatalf("event %d is progress %d: events lost or repeated (first connection gave %d)", i, p, firstPart)
		}
	}
	if len(seen) != n || !result {
		t.Fatalf("got %d of %d progress events, result %v", len(seen), n, result)
	}
	t.Logf("the first connection delivered %d of %d events before it was ended; the resume delivered the rest", firstPart, n)
}
