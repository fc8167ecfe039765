package interop

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport/sse"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// The many-nodes end-to-end test with mcpkit's own client: one subtest per bullet of issue 12's
// "Cross-node routing", in each era and transport the bullet applies to.

// settle bounds each wait for something that must happen (an answer, a notification, a log line): far
// above what it takes on an idle machine, so only a missing feature reaches it.
const settle = 8 * time.Second

// goPeer is one way our client reaches the cluster.
type goPeer struct {
	name    string
	version string
	sse     bool // HTTP+SSE (2024-11-05) instead of Streamable HTTP
}

var (
	goLegacy = goPeer{"legacy", mcp.Version20251125, false}
	goModern = goPeer{"modern", mcp.Version20260728, false}
	// HTTP+SSE carries any legacy version; 2025-11-25 (as the TypeScript v1 client sends) has
	// elicitation and structured results, which 2024-11-05 lacks.
	goSSE   = goPeer{"sse", mcp.Version20251125, true}
	goPeers = []goPeer{goLegacy, goModern, goSSE}
)

// connect opens a session through the balancer; rec sees every request it makes.
func (c *cluster) connect(t *testing.T, p goPeer, opts client.Options) (*client.Session, *recorder) {
	t.Helper()
	rec := newRecorder()
	ctx := bounded(t, 15*time.Second)
	opts.ProtocolVersion = p.version
	var stream interface {
		Read(context.Context) ([]byte, error)
		Write(context.Context, []byte) error
		Close() error
	}
	if p.sse {
		d, err := sse.Dial(ctx, c.url("/sse"), &sse.ClientOptions{HTTPClient: rec.client()})
		if err != nil {
			t.Fatalf("dial /sse: %v", err)
		}
		stream = d
	} else {
		cl, err := streamable.NewClient(c.url("/mcp"), &streamable.ClientOptions{HTTPClient: rec.client(),
			EraCache: new(streamable.EraCache), DisableSSEFallback: true})
		if err != nil {
			t.Fatal(err)
		}
		stream = cl
	}
	sess, err := client.Connect(ctx, stream, &opts)
	if err != nil {
		stream.Close()
		t.Fatalf("connect %s: %v", p.name, err)
	}
	t.Cleanup(func() { sess.Close() })
	return sess, rec
}

// holder is the node holding the session's stream: the /sse stream of an HTTP+SSE session, the GET
// stream of a legacy Streamable HTTP session ("" for none).
func holder(rec *recorder, p goPeer) string {
	path := "/mcp"
	if p.sse {
		path = "/sse"
	}
	gets := rec.since(0, func(ex exchange) bool { return ex.method == "GET" && ex.path == path })
	if len(gets) == 0 {
		return ""
	}
	return gets[0].servedBy
}

func isCall(tool string) func(exchange) bool {
	return func(ex exchange) bool { return ex.rpc == mcp.MethodToolsCall && ex.name == tool }
}

func isRPC(method string) func(exchange) bool {
	return func(ex exchange) bool { return ex.rpc == method }
}

// goAnyNode: nine calls of one session succeed, served by several nodes (an HTTP+SSE session's /messages
// POSTs land anywhere; the node holding its stream answers).
func goAnyNode(t *testing.T, c *cluster, p goPeer) {
	sess, rec := c.connect(t, p, client.Options{})
	ctx := bounded(t, 30*time.Second)
	mark := rec.mark()
	for i := range 9 {
		res, err := sess.CallTool(ctx, "add", map[string]int{"a": i, "b": 1})
		if err != nil || res.IsError || res.Content[0].Text != fmt.Sprint(i+1) {
			t.Fatalf("call %d: %+v, %v", i, res, err)
		}
	}
	served := nodes(rec.since(mark, isCall("add")))
	t.Logf("%s: 9 calls served by %v (stream held by %q)", p.name, served, holder(rec, p))
	if len(served) < 2 {
		t.Errorf("the balancer sent every call to %v: nothing crossed nodes", served)
	}
}

// goInteract: elicitation, sampling and roots, answered by a POST that lands on another node than the
// call (legacy), on another node than the /sse stream (HTTP+SSE), or retried on another node with the
// requestState (2026-07-28).
func goInteract(t *testing.T, c *cluster, p goPeer) {
	sess, rec := c.connect(t, p, client.Options{
		OnElicit: func(_ context.Context, _ *mcp.ElicitParams) (*mcp.ElicitResult, error) {
			return &mcp.ElicitResult{Action: mcp.ElicitActionAccept, Content: []byte(`{"checkAlternative":true}`)}, nil
		},
		OnSample: func(_ context.Context, _ *mcp.CreateMessageParams) (*mcp.CreateMessageResult, error) {
			return &mcp.CreateMessageResult{Role: mcp.RoleAssistant, Model: "e2e",
				Content: mcp.SamplingBlock(mcp.TextContent("Sampled across nodes."))}, nil
		},
		Roots: []mcp.Root{{URI: "file:///e2e"}},
	})
	crossed := 0
	for _, tc := range []struct {
		tool string
		args any
		want string
	}{
		{"book_trip", map[string]string{"date": demo.FullDate}, "[SUCCESS] Booked for 2024-12-26"},
		{"create_product", map[string]string{"product_name": "Mug", "keywords": "ceramic"}, "Sampled across nodes."},
		{"list_roots", nil, "roots: file:///e2e"},
	} {
		ctx := bounded(t, settle)
		mark := rec.mark()
		res, err := sess.CallTool(ctx, tc.tool, tc.args)
		if err != nil {
			t.Errorf("%s: %v", tc.tool, err)
			continue
		}
		got := res.Content[0].Text
		if tc.tool == "create_product" {
			var pr demo.Product
			_ = json.Unmarshal(res.StructuredContent, &pr)
			got = pr.Description
		}
		if res.IsError || got != tc.want {
			t.Errorf("%s: %q (isError %v), want %q", tc.tool, got, res.IsError, tc.want)
			continue
		}
		calls := rec.since(mark, isCall(tc.tool))
		var answers []exchange
		if p.version != mcp.Version20260728 {
			answers = rec.await(mark, isRPC("response"))
		}
		var from, to string
		switch {
		case p.version == mcp.Version20260728 && len(calls) >= 2:
			from, to = calls[0].servedBy, calls[len(calls)-1].servedBy
		case p.sse && len(answers) > 0:
			from, to = holder(rec, p), answers[0].servedBy
		case len(calls) > 0 && len(answers) > 0:
			from, to = calls[0].servedBy, answers[0].servedBy
		}
		t.Logf("%s %s: asked on %s, answered through %s", p.name, tc.tool, from, to)
		if from != "" && to != "" && from != to {
			crossed++
		}
	}
	if crossed == 0 && !t.Failed() {
		t.Errorf("no answer crossed nodes (the balancer sent them to the asking node)")
	}
}

// goCancel: notifications/cancelled landing on another node than the one running the call cancels it
// there (the node's log says "demo: wait cancelled"). Up to three tries until the cancel crosses nodes.
func goCancel(t *testing.T, c *cluster, p goPeer) {
	sess, rec := c.connect(t, p, client.Options{})
	for try := 1; try <= 3; try++ {
		id := fmt.Sprintf("go-%s-%d-%d", p.name, try, time.Now().UnixNano())
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			_, err := sess.CallTool(ctx, "wait", map[string]any{"seconds": 20, "id": id})
			done <- err
		}()
		runner := c.waitLog("demo: wait started", id, settle)
		if runner == "" {
			cancel()
			t.Fatalf("wait %s did not start on any node", id)
		}
		mark := rec.mark()
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("the cancelled call returned %v", err)
			}
		case <-time.After(settle):
			t.Fatal("the cancelled call did not return")
		}
		stopped := c.waitLog("demo: wait cancelled", id, settle)
		via := nodes(rec.await(mark, isRPC(mcp.MethodNotificationCancelled)))
		t.Logf("%s try %d: wait ran on %s, cancel landed on %v, handler cancelled on %q", p.name, try, runner, via, stopped)
		if stopped != runner {
			t.Fatalf("the handler on %s was not cancelled (cancel landed on %v)", runner, via)
		}
		if len(via) == 1 && via[0] != runner {
			return // crossed nodes and worked
		}
	}
	t.Errorf("the cancel never landed on another node than the call in 3 tries")
}

// counter counts notifications by key.
type counter struct {
	mu sync.Mutex
	n  map[string]int
}

func (k *counter) add(key string) {
	k.mu.Lock()
	if k.n == nil {
		k.n = map[string]int{}
	}
	k.n[key]++
	k.mu.Unlock()
}

func (k *counter) get(key string) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.n[key]
}

func (k *counter) reset() {
	k.mu.Lock()
	k.n = nil
	k.mu.Unlock()
}

func (k *counter) String() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return fmt.Sprint(k.n)
}

// waitCounts waits up to d for every want to be reached, then a little longer for extra (duplicate)
// notifications, and reports mismatches.
func waitCounts(t *testing.T, k *counter, want map[string]int, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		ok := true
		for key, n := range want {
			if k.get(key) < n {
				ok = false
			}
		}
		if ok || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // duplicates, if any, arrive right behind
	for key, n := range want {
		if got := k.get(key); got != n {
			t.Errorf("%s: %d notifications, want %d (all: %v)", key, got, n, k)
		}
	}
}

// waitSubscribedEverywhere waits (2 s at most, as for the log level) until every node applies a legacy
// session's resources/subscribe: it was saved on one node, and the others apply it when their bus goroutine
// reads the `changed` announcement — docs/SCALING.md "Not read-your-writes" (a few ms; more under CI load,
// where an update made on a node that had not applied it yet was not delivered). Each round updates uri
// once from every node; a round whose three updates all arrive shows every node has it. The counts start
// again at zero for the test.
func waitSubscribedEverywhere(t *testing.T, c *cluster, k *counter, uri string) {
	t.Helper()
	maker, _ := c.connect(t, goModern, client.Options{})
	ctx := bounded(t, 10*time.Second)
	for deadline := time.Now().Add(2 * time.Second); ; {
		before := k.get("updated " + uri)
		for range 3 {
			if res, err := maker.CallTool(ctx, "notify_change", map[string]string{"uri": uri}); err != nil || res.IsError {
				t.Fatalf("notify_change: %+v, %v", res, err)
			}
		}
		for wait := time.Now().Add(300 * time.Millisecond); k.get("updated "+uri)-before < 3 && time.Now().Before(wait); {
			time.Sleep(10 * time.Millisecond)
		}
		if k.get("updated "+uri)-before == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("%s: a node still had not applied the subscription after 2 s (%v)", uri, k)
			break
		}
	}
	time.Sleep(300 * time.Millisecond) // duplicates, if any, arrive right behind
	k.reset()
}

// changeOpts counts every change notification into k.
func changeOpts(k *counter) client.Options {
	return client.Options{
		OnResourceUpdated:  func(_ context.Context, uri string) { k.add("updated " + uri) },
		OnToolsChanged:     func(context.Context) { k.add("tools") },
		OnPromptsChanged:   func(context.Context) { k.add("prompts") },
		OnResourcesChanged: func(context.Context) { k.add("resources") },
	}
}

// notifyFromEveryNode makes the changes through the balancer with a client of its own: resources/updated
// of uri three times (so from three nodes in turn), and each list_changed once. It returns the nodes
// that made them.
func notifyFromEveryNode(t *testing.T, c *cluster, uri string) []string {
	t.Helper()
	maker, rec := c.connect(t, goModern, client.Options{})
	ctx := bounded(t, 20*time.Second)
	for _, args := range []map[string]string{{"uri": uri}, {"uri": uri}, {"uri": uri}, {"list": "tools"}, {"list": "prompts"}, {"list": "resources"}} {
		if res, err := maker.CallTool(ctx, "notify_change", args); err != nil || res.IsError {
			t.Fatalf("notify_change %v: %+v, %v", args, res, err)
		}
	}
	return nodes(rec.since(0, isCall("notify_change")))
}

// goChanges: resources/updated and list_changed made on every node reach a legacy session (its GET
// stream), an HTTP+SSE session (its /sse stream) and a 2026-07-28 subscriptions/listen stream, each
// exactly once.
func goChanges(t *testing.T, c *cluster, p goPeer) {
	k := new(counter)
	sess, rec := c.connect(t, p, changeOpts(k))
	uri := fmt.Sprintf("demo://e2e/%s/%d", p.name, time.Now().UnixNano())
	ctx := bounded(t, 30*time.Second)
	lctx, stop := context.WithCancel(ctx)
	defer stop()
	ready := make(chan struct{})
	listened := make(chan error, 1)
	go func() {
		listened <- sess.Listen(lctx, mcp.SubscriptionFilter{ToolsListChanged: true, PromptsListChanged: true,
			ResourcesListChanged: true, ResourceSubscriptions: []string{uri}}, func(mcp.SubscriptionFilter) { close(ready) })
	}()
	select {
	case <-ready:
	case err := <-listened:
		t.Fatalf("listen: %v", err)
	case <-ctx.Done():
		t.Fatal("listen: not acknowledged")
	}
	stream := holder(rec, p)
	if p.version == mcp.Version20260728 {
		stream = fmt.Sprint(nodes(rec.since(0, isRPC(mcp.MethodSubscriptionsListen))))
	}
	if p.version != mcp.Version20260728 {
		waitSubscribedEverywhere(t, c, k, uri)
	}
	makers := notifyFromEveryNode(t, c, uri)
	t.Logf("%s: changes made on %v, stream held by %s", p.name, makers, stream)
	waitCounts(t, k, map[string]int{"updated " + uri: 3, "tools": 1, "prompts": 1, "resources": 1}, settle)
}

// goLogs: log messages of calls served by every node reach the client at the level it set. In a legacy
// or HTTP+SSE session the level is set once (logging/setLevel lands on one node) and every node must
// honour it; at 2026-07-28 it travels with each request.
func goLogs(t *testing.T, c *cluster, p goPeer) {
	var logs atomic.Int64
	opts := client.Options{LogLevel: mcp.LevelError, OnLog: func(context.Context, *mcp.LoggingMessageParams) { logs.Add(1) }}
	if p.version == mcp.Version20260728 {
		opts.LogLevel = mcp.LevelInfo
	}
	sess, rec := c.connect(t, p, opts)
	ctx := bounded(t, 30*time.Second)
	echo := func(round string) {
		for i := range 3 {
			if res, err := sess.CallTool(ctx, "echo", map[string]string{"message": round}); err != nil || res.IsError {
				t.Fatalf("echo %s %d: %+v, %v", round, i, res, err)
			}
		}
	}
	if p.version != mcp.Version20260728 {
		// Every node now holds the session, at level error: echo's info logs are filtered. The level was set
		// right after initialize on one node; the others learn of it from the bus (see below), so the calls
		// repeat for 2 s at most until no node logs.
		for deadline := time.Now().Add(2 * time.Second); ; {
			logs.Store(0)
			echo("at error")
			time.Sleep(20 * time.Millisecond)
			n := logs.Load()
			if n == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("%d log messages at level error, want 0 (a node kept the old level for 2 s)", n)
				break
			}
		}
		logs.Store(0)
		mark := rec.mark()
		if err := sess.SetLevel(ctx, mcp.LevelInfo); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: setLevel info landed on %v", p.name, nodes(rec.since(mark, isRPC(mcp.MethodLoggingSetLevel))))
	}
	// The other nodes learn of the change from the bus ("changed"), asynchronously: a call reaching one of
	// them within the bus's latency after setLevel answered is still served at the old level (docs/SCALING.md,
	// "Messages that cross nodes"). So the three calls are repeated, for 2 s at most, until every node honours
	// the new level; a node that never does (a lost or unapplied change) fails the test.
	for attempt, deadline := 1, time.Now().Add(2*time.Second); ; attempt++ {
		logs.Store(0)
		mark := rec.mark()
		echo("at info")
		t.Logf("%s: echo served by %v (attempt %d)", p.name, nodes(rec.since(mark, isCall("echo"))), attempt)
		n := logs.Load()
		if n == 9 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("%d log messages from 3 echo calls at level info, want 9 (a node kept the old level for 2 s)", n)
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// goRequestState: 2026-07-28 book_trip rounds whose retry lands on another node than the first round,
// while the key ring is rotated every 20 ms (at least 20 times): every call succeeds.
func goRequestState(t *testing.T, c *cluster) {
	var rotations atomic.Int64
	stop := rotateKeys(t, c, &rotations)
	var failed, crossed, total atomic.Int64
	var cwg sync.WaitGroup
	deadline := time.Now().Add(2 * settle)
	for w := range 3 {
		sess, rec := c.connect(t, goModern, client.Options{OnElicit: func(context.Context, *mcp.ElicitParams) (*mcp.ElicitResult, error) {
			return &mcp.ElicitResult{Action: mcp.ElicitActionAccept, Content: []byte(`{"checkAlternative":true,"alternativeDate":"2025-02-0` + fmt.Sprint(w+1) + `"}`)}, nil
		}})
		cwg.Add(1)
		go func() {
			defer cwg.Done()
			// At least 10 calls each, and on until the ring was rotated 20 times (bounded).
			for i := 0; i < 10 || rotations.Load() < 20 && time.Now().Before(deadline); i++ {
				ctx, cancel := context.WithTimeout(context.Background(), settle)
				mark := rec.mark()
				res, err := sess.CallTool(ctx, "book_trip", map[string]string{"date": demo.FullDate})
				cancel()
				total.Add(1)
				if want := "[SUCCESS] Booked for 2025-02-0" + fmt.Sprint(w+1); err != nil || res.IsError || res.Content[0].Text != want {
					failed.Add(1)
					t.Errorf("book_trip under rotation: %+v, %v", res, err)
					continue
				}
				if calls := rec.since(mark, isCall("book_trip")); len(calls) >= 2 && calls[0].servedBy != calls[len(calls)-1].servedBy {
					crossed.Add(1)
				}
			}
		}()
	}
	cwg.Wait()
	stop()
	t.Logf("requestState: %d calls, %d failed, %d retried on another node than they were sealed on, %d key rotations meanwhile",
		total.Load(), failed.Load(), crossed.Load(), rotations.Load())
	if crossed.Load() == 0 {
		t.Errorf("no retry crossed nodes")
	}
	if rotations.Load() == 0 {
		t.Errorf("the key ring was never rotated")
	}
}

// expectGone checks that every node answers 404 for session sid (asked directly, one node each).
func expectGone(t *testing.T, c *cluster, sid string) {
	t.Helper()
	hc := newRecorder().client()
	// The other nodes hear of the DELETE from the bus ("ended"), asynchronously: a request reaching one of
	// them within the bus's latency is still served from its copy (docs/SCALING.md). Each node is asked again,
	// for 2 s at most, until it answers 404; one that never does (a lost or unapplied "ended") fails.
	for i := range c.nodes {
		start := time.Now()
		for {
			status, _, body, _ := rawDo(t, hc, "POST", c.nodeURL(i, "/mcp"), sid, rawAdd)
			if status == 404 {
				if d := time.Since(start); d > 50*time.Millisecond {
					t.Logf("node %s answered 404 after %v", c.nodes[i].name, d.Round(time.Millisecond))
				}
				break
			}
			if time.Since(start) > 2*time.Second {
				t.Errorf("node %s still answers %d for the deleted session 2 s after DELETE, want 404: %s", c.nodes[i].name, status, strings.TrimSpace(body))
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}
