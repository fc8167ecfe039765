package streamable_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/store"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// Several nodes in one process: each its own server.Server and Handler (and its own httptest server, so a
// test picks the node each request lands on), sharing one memory session store, event log and bus, as
// nodes on one Redis do.

// cluster is n nodes; a client's roots/list_changed runs the roots hook on the node it lands on, which
// logs "changed <k>" to the session (a notification of the session's server code, not of a request) and,
// when asked to, first asks the client for its roots (a server-to-client request on the standalone stream).
type cluster struct {
	nodes   []*env
	servers []*server.Server
	changes atomic.Int64
	askRoot atomic.Bool
	hooked  chan error // one per hook run
}

func newCluster(t *testing.T, n int, setup func(*server.Server)) *cluster {
	t.Helper()
	return newClusterOn(t, n, setup, false)
}

// newClusterOn is newCluster whose handlers also share the bus (streamable.Options.Bus) when routed.
func newClusterOn(t *testing.T, n int, setup func(*server.Server), routed bool) *cluster {
	t.Helper()
	sessions := store.NewMemorySessionStore(store.MemorySessionOptions{})
	events := store.NewMemoryEventStore(store.MemoryEventOptions{})
	bus := store.NewMemoryBus(store.MemoryBusOptions{})
	c := &cluster{hooked: make(chan error, 16)}
	hook := func(ctx context.Context, _ string) {
		if c.askRoot.Load() {
			roots, err := server.Roots(ctx)
			if err != nil {
				c.hooked <- err
				return
			}
			server.Log(ctx).Info(fmt.Sprintf("roots %d", len(roots)))
		}
		server.Log(ctx).Info(fmt.Sprintf("changed %d", c.changes.Add(1)))
		c.hooked <- nil
	}
	for range n {
		s := server.New("t", "1", &server.Options{Bus: bus, OnRootsChanged: hook})
		t.Cleanup(func() { _ = s.Close() })
		if setup != nil {
			setup(s)
		}
		c.servers = append(c.servers, s)
		opts := &streamable.Options{Sessions: sessions, Events: events}
		if routed {
			opts.Bus = bus
		}
		c.nodes = append(c.nodes, newEnv(t, s, opts))
	}
	return c
}

// open initializes a legacy session on node i (a client with roots) at log level info.
func (c *cluster) open(t *testing.T, i int) string {
	t.Helper()
	e := c.nodes[i]
	resp := e.post(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"roots":{"listChanged":true}},"clientInfo":{"name":"t","version":"1"}}}`)
	sid := resp.Header.Get("Mcp-Session-Id")
	readJSON(t, resp)
	if resp.StatusCode != 200 || sid == "" {
		t.Fatalf("initialize: %d", resp.StatusCode)
	}
	for _, body := range []string{`{"jsonrpc":"2.0","method":"notifications/initialized"}`, `{"jsonrpc":"2.0","id":2,"method":"logging/setLevel","params":{"level":"info"}}`} {
		r := e.post(body, "Mcp-Session-Id: "+sid, "MCP-Protocol-Version: 2025-11-25")
		readJSON(t, r)
		if r.StatusCode/100 != 2 {
			t.Fatalf("%s: %d", body, r.StatusCode)
		}
	}
	return sid
}

// rootsChanged sends notifications/roots/list_changed to node i.
func (c *cluster) rootsChanged(t *testing.T, i int, sid string) {
	t.Helper()
	r := c.nodes[i].post(`{"jsonrpc":"2.0","method":"notifications/roots/list_changed"}`, "Mcp-Session-Id: "+sid, "MCP-Protocol-Version: 2025-11-25")
	r.Body.Close()
	if r.StatusCode != http.StatusAccepted {
		t.Fatalf("roots/list_changed: %d", r.StatusCode)
	}
}

// hookDone waits for one run of the roots hook.
func (c *cluster) hookDone(t *testing.T) {
	t.Helper()
	select {
	case err := <-c.hooked:
		if err != nil {
			t.Fatalf("roots hook: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the roots hook did not finish")
	}
}

// stream is an SSE response read with a bound: its context ends after 20 s (or at cut).
type stream struct {
	t    *testing.T
	resp *http.Response
	rs   *sseReader
	cut  context.CancelFunc
	ids  map[string]bool
	last string
}

func (c *cluster) get(t *testing.T, i int, sid string, lastEventID string) *stream {
	t.Helper()
	ctx, cut := context.WithTimeout(context.Background(), 20*time.Second)
	hd := []string{"Mcp-Session-Id: " + sid, "Accept: text/event-stream", "MCP-Protocol-Version: 2025-11-25"}
	if lastEventID != "" {
		hd = append(hd, "Last-Event-ID: "+lastEventID)
	}
	resp := c.nodes[i].do(ctx, http.MethodGet, "", hd...)
	// A stream the test closed on this node ends there when its node sees the connection close, which is
	// asynchronous: until then a new GET is refused (409) as a second stream. Clients retry; so does this.
	for deadline := time.Now().Add(5 * time.Second); resp.StatusCode == http.StatusConflict && lastEventID == "" && time.Now().Before(deadline); {
		resp.Body.Close()
		time.Sleep(10 * time.Millisecond)
		resp = c.nodes[i].do(ctx, http.MethodGet, "", hd...)
	}
	if resp.StatusCode != 200 {
		cut()
		t.Fatalf("GET on node %d: %d", i, resp.StatusCode)
	}
	s := &stream{t: t, resp: resp, rs: newSSE(resp.Body), cut: cut, ids: map[string]bool{}}
	t.Cleanup(s.close)
	return s
}

func (s *stream) close() {
	s.cut()
	s.resp.Body.Close()
}

// next returns the next event with data (priming events are checked and skipped); every id is new and
// the ids of one stream increase.
func (s *stream) next() sseEvent {
	s.t.Helper()
	for {
		ev, err := s.rs.next()
		if err != nil {
			s.t.Fatalf("stream ended: %v", err)
		}
		s.checkID(ev.id)
		if ev.data != "" {
			return ev
		}
	}
}

func (s *stream) checkID(id string) {
	s.t.Helper()
	if id == "" {
		return
	}
	if s.ids[id] {
		s.t.Fatalf("event %s delivered twice", id)
	}
	s.ids[id] = true
	if s.last != "" && eventSeq(s.t, id) <= eventSeq(s.t, s.last) {
		s.t.Fatalf("event %s after %s: out of order", id, s.last)
	}
	s.last = id
}

func eventSeq(t *testing.T, id string) uint64 {
	_, seq, err := store.ParseEventID(id)
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

// expect reads the next event and checks it contains want.
func (s *stream) expect(want string) sseEvent {
	s.t.Helper()
	ev := s.next()
	if !strings.Contains(ev.data, want) {
		s.t.Fatalf("event %q, want one with %q", ev.data, want)
	}
	return ev
}

// TestStandaloneStreamAcrossNodes: the session's GET stream is held by node B; what the session's server
// code sends on node A — a notification, a server-to-client request (roots/list, answered on A) — reaches
// the client through B; a change every node delivers (tools/list_changed, through the bus) arrives once;
// B's own notifications arrive once.
func TestStandaloneStreamAcrossNodes(t *testing.T) {
	c := newCluster(t, 2, nil)
	sid := c.open(t, 0)
	get := c.get(t, 1, sid, "")
	if ev, err := get.rs.next(); err != nil || !ev.retry || ev.id == "" {
		t.Fatalf("priming event %+v, %v", ev, err)
	}

	c.rootsChanged(t, 0, sid) // the hook runs on A
	get.expect(`"changed 1"`)
	c.hookDone(t)

	server.Tool(c.servers[0], "late", "", func(context.Context, struct{}) (string, error) { return "", nil })
	get.expect("notifications/tools/list_changed")

	c.askRoot.Store(true)
	c.rootsChanged(t, 0, sid)
	req := get.expect(`"method":"roots/list"`)
	id := req.data[strings.Index(req.data, `"id":`)+5 : strings.Index(req.data, `,"method"`)]
	r := c.nodes[0].post(`{"jsonrpc":"2.0","id":`+id+`,"result":{"roots":[{"uri":"file:///a"}]}}`, "Mcp-Session-Id: "+sid, "MCP-Protocol-Version: 2025-11-25")
	r.Body.Close()
	get.expect(`"roots 1"`) // not a second list_changed: each change once
	get.expect(`"changed 2"`)
	c.hookDone(t)

	c.askRoot.Store(false)
	c.rootsChanged(t, 1, sid) // on B itself
	get.expect(`"changed 3"`)
	c.hookDone(t)
	c.rootsChanged(t, 0, sid)
	get.expect(`"changed 4"`)
	c.hookDone(t)
}

// TestEarlyNotificationsAcrossNodes: a notification sent on node A while no node holds a GET stream is
// delivered by the GET stream that opens next, on node B, once: the next GET stream (on A) does not
// deliver it again.
func TestEarlyNotificationsAcrossNodes(t *testing.T) {
	c := newCluster(t, 2, nil)
	sid := c.open(t, 0)
	c.rootsChanged(t, 0, sid)
	c.hookDone(t) // appended before any GET stream
	get := c.get(t, 1, sid, "")
	get.expect(`"changed 1"`)
	get.close()

	again := c.get(t, 0, sid, "")
	c.rootsChanged(t, 1, sid)
	again.expect(`"changed 2"`) // not "changed 1" a second time
	c.hookDone(t)
}

// TestResumeStandaloneStreamOnOtherNode: a client whose GET stream on node A dropped resumes it with
// Last-Event-ID on node B: the notifications sent meanwhile, once each, then the stream goes on.
func TestResumeStandaloneStreamOnOtherNode(t *testing.T) {
	c := newCluster(t, 2, nil)
	sid := c.open(t, 0)
	get := c.get(t, 0, sid, "")
	c.rootsChanged(t, 1, sid)
	seen := get.expect(`"changed 1"`)
	c.hookDone(t)
	get.close()

	c.rootsChanged(t, 0, sid) // no GET stream anywhere
	c.hookDone(t)
	resumed := c.get(t, 1, sid, seen.id)
	resumed.expect(`"changed 2"`)
	c.rootsChanged(t, 0, sid)
	resumed.expect(`"changed 3"`)
	c.hookDone(t)
	resumed.close()

	// What the resume delivered is not kept for the next new GET stream.
	fresh := c.get(t, 0, sid, "")
	c.rootsChanged(t, 0, sid)
	fresh.expect(`"changed 4"`)
	c.hookDone(t)
}

// TestResumePostStreamOnOtherNode: a request runs on node A; its client's connection drops after the first
// progress notification and it resumes on node B while the request still runs: B sends the stored events
// once each, then those A appends, then the response, and the stream ends.
func TestResumePostStreamOnOtherNode(t *testing.T) {
	step := make(chan struct{})
	c := newCluster(t, 2, func(s *server.Server) {
		server.Tool(s, "count", "reports progress", func(ctx context.Context, in countArgs) (string, error) {
			for i := 1; i <= in.N; i++ {
				select {
				case <-step:
				case <-ctx.Done():
					return "", ctx.Err()
				}
				_ = server.Progress(ctx, float64(i), float64(in.N), "")
			}
			return "counted", nil
		})
	})
	sid := c.open(t, 0)
	ctx, cut := context.WithTimeout(context.Background(), 20*time.Second)
	defer cut()
	go func() { step <- struct{}{} }()
	resp := c.nodes[0].do(ctx, http.MethodPost, countCall(7, 5), "Mcp-Session-Id: "+sid, "MCP-Protocol-Version: 2025-11-25")
	post := &stream{t: t, resp: resp, rs: newSSE(resp.Body), cut: cut, ids: map[string]bool{}}
	first := post.expect(`"progress":1`)
	post.close()
	step <- struct{}{} // progress 2, stored while no one reads
	step <- struct{}{} // progress 3

	resumed := c.get(t, 1, sid, first.id)
	resumed.expect(`"progress":2`)
	resumed.expect(`"progress":3`)
	go func() { step <- struct{}{}; step <- struct{}{} }()
	resumed.expect(`"progress":4`)
	resumed.expect(`"progress":5`)
	resumed.expect(`"counted"`)
	if ev, err := resumed.rs.next(); err == nil {
		t.Fatalf("the stream goes on after the response: %+v", ev)
	}
}

// balancer sends each request to the next node: no stickiness at all.
type balancer struct {
	nodes []http.Handler
	n     atomic.Int64
}

func (b *balancer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.nodes[int(b.n.Add(1))%len(b.nodes)].ServeHTTP(w, r)
}

// TestClientBehindBalancerGetsEveryNodesNotifications: our client on three nodes behind a balancer that
// alternates on every request. Its roots changes land on one node after another, whose hook logs to the
// session; every log message reaches the client once, through the GET stream one of the nodes holds.
func TestClientBehindBalancerGetsEveryNodesNotifications(t *testing.T) {
	c := newCluster(t, 3, nil)
	lb := &balancer{}
	for _, e := range c.nodes {
		lb.nodes = append(lb.nodes, e.h)
	}
	ts := httptest.NewServer(lb)
	t.Cleanup(ts.Close) // after the client closes (cleanups run last first): its GET stream holds a connection
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cl, err := streamable.NewClient(ts.URL, &streamable.ClientOptions{EraCache: &streamable.EraCache{}})
	if err != nil {
		t.Fatal(err)
	}
	logs := make(chan string, 64)
	sess, err := client.Connect(ctx, cl, &client.Options{ProtocolVersion: mcp.Version20251125, Roots: []mcp.Root{{URI: "file:///0"}},
		OnLog: func(_ context.Context, p *mcp.LoggingMessageParams) { logs <- string(p.Data) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sess.Close() })
	if err := sess.SetLevel(ctx, mcp.LevelInfo); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	const changes = 6
	for i := 1; i <= changes; i++ {
		if err := sess.SetRoots(ctx, []mcp.Root{{URI: fmt.Sprintf("file:///%d", i)}}); err != nil {
			t.Fatal(err)
		}
		c.hookDone(t)
		want := fmt.Sprintf(`"changed %d"`, i)
		for seen[want] == 0 {
			select {
			case l := <-logs:
				seen[l]++
			case <-ctx.Done():
				t.Fatalf("no %s (got %v)", want, seen)
			}
		}
	}
	for l, n := range seen {
		if n != 1 {
			t.Errorf("log %s delivered %d times", l, n)
		}
	}
	if len(seen) != changes {
		t.Errorf("logs %v, want %d", seen, changes)
	}
}

// plainEvents is an event log without wake-ups (a custom store.EventStore): followers find other nodes'
// events by their periodic replay alone.
type plainEvents struct{ store.EventStore }

// TestFollowWithoutWakeUpsPolls: with an event log that wakes no one, the node holding the GET stream still
// delivers what another node appends, at its next keep-alive (the safety net for lost wake-ups).
func TestFollowWithoutWakeUpsPolls(t *testing.T) {
	sessions := store.NewMemorySessionStore(store.MemorySessionOptions{})
	events := plainEvents{store.NewMemoryEventStore(store.MemoryEventOptions{})}
	c := &cluster{hooked: make(chan error, 16)}
	for range 2 {
		s := server.New("t", "1", &server.Options{OnRootsChanged: func(ctx context.Context, _ string) {
			server.Log(ctx).Info(fmt.Sprintf("changed %d", c.changes.Add(1)))
			c.hooked <- nil
		}})
		t.Cleanup(func() { _ = s.Close() })
		c.servers = append(c.servers, s)
		c.nodes = append(c.nodes, newEnv(t, s, &streamable.Options{Sessions: sessions, Events: events, KeepAlive: 50 * time.Millisecond}))
	}
	sid := c.open(t, 0)
	get := c.get(t, 1, sid, "")
	c.rootsChanged(t, 0, sid)
	get.expect(`"changed 1"`)
	c.hookDone(t)
	c.rootsChanged(t, 1, sid) // on the node holding the stream: woken at once
	get.expect(`"changed 2"`)
	c.hookDone(t)
}
