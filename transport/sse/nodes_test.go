package sse_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/store"
	"github.com/mcpkit/mcpkit/transport/sse"
)

// Several nodes sharing one bus (Options.Bus): a /messages POST landing on a node that does not hold the
// session's /sse stream reaches the node that does. Each node is its own server.Server and Handler on its
// own httptest server; tests open the stream on one node and POST to the other, and one test goes through
// a balancer that alternates between them on every HTTP request.

type nameForm struct {
	Name string `json:"name"`
}

// nodeTools are the calls of one node's blocking tool: started when it runs, cancelled when its ctx ended.
type nodeTools struct {
	started   chan struct{}
	cancelled chan struct{}
}

type node struct {
	h     *sse.Handler
	mux   *http.ServeMux
	ts    *httptest.Server
	tools *nodeTools
}

// newNode starts a node on bus with its own server.
func newNode(t *testing.T, bus store.Bus, opts *sse.Options) *node {
	t.Helper()
	s := server.New("node", "1.0.0", nil)
	nt := &nodeTools{started: make(chan struct{}, 4), cancelled: make(chan struct{}, 4)}
	server.Tool(s, "add", "Add", func(_ context.Context, in struct{ A, B int }) (int, error) { return in.A + in.B, nil })
	server.Tool(s, "greet", "Ask the caller's name", func(ctx context.Context, _ struct{}) (string, error) {
		e, err := server.Elicit[nameForm](ctx, "Your name?")
		if err != nil {
			return "", err
		}
		return "hello " + e.Content.Name, nil
	})
	server.Tool(s, "roots", "Count the caller's roots", func(ctx context.Context, _ struct{}) (string, error) {
		roots, err := server.Roots(ctx)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%d roots, first %s", len(roots), roots[0].URI), nil
	})
	server.Tool(s, "block", "Run until cancelled", func(ctx context.Context, _ struct{}) (string, error) {
		nt.started <- struct{}{}
		<-ctx.Done()
		nt.cancelled <- struct{}{}
		return "", ctx.Err()
	})
	var o sse.Options
	if opts != nil {
		o = *opts
	}
	o.Bus = bus
	h := sse.NewHandler(s, &o)
	mux := http.NewServeMux()
	mux.Handle("/sse", h.SSE())
	mux.Handle("/messages", h.Messages())
	ts := httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = h.Close(ctx)
		ts.CloseClientConnections()
		ts.Close()
	})
	return &node{h: h, mux: mux, ts: ts, tools: nt}
}

// postStatus POSTs body to the node at endpoint and returns the status, Retry-After and body.
func postStatus(t *testing.T, n *node, endpoint, body string) (int, string, string) {
	t.Helper()
	resp, err := n.ts.Client().Post(n.ts.URL+endpoint, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Retry-After"), string(b)
}

// mustAccept POSTs body to n and fails unless it is accepted.
func mustAccept(t *testing.T, n *node, endpoint, body string) {
	t.Helper()
	if c, _, b := postStatus(t, n, endpoint, body); c != http.StatusAccepted {
		t.Fatalf("POST %s to the other node: %d %s", body, c, b)
	}
}

// openOn opens a stream on holder and initializes its session through other; it returns the endpoint and
// the stream's reader.
func openOn(t *testing.T, holder, other *node, caps string) (string, func() string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second) // a stream that stays silent ends the test
	t.Cleanup(cancel)
	endpoint, next, closeStream := stream(t, holder.ts, ctx)
	t.Cleanup(closeStream)
	mustAccept(t, other, endpoint, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":`+
		caps+`,"clientInfo":{"name":"t","version":"1"}}}`)
	if got := next(); !strings.Contains(got, `"protocolVersion":"2025-06-18"`) {
		t.Fatalf("initialize answered %s", got)
	}
	mustAccept(t, other, endpoint, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	return endpoint, next
}

func TestNodesToolCallThroughOtherNode(t *testing.T) {
	bus := store.NewMemoryBus(store.MemoryBusOptions{})
	a, b := newNode(t, bus, nil), newNode(t, bus, nil)
	endpoint, next := openOn(t, a, b, `{}`)
	for i := range 3 {
		mustAccept(t, b, endpoint, fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"add","arguments":{"A":%d,"B":1}}}`, 10+i, i))
		if got := next(); !strings.Contains(got, fmt.Sprintf(`"id":%d`, 10+i)) || !strings.Contains(got, fmt.Sprintf(`"text":"%d"`, i+1)) {
			t.Fatalf("call %d answered %s", i, got)
		}
	}
	// The holder still takes its own POSTs.
	mustAccept(t, a, endpoint, `{"jsonrpc":"2.0","id":20,"method":"ping"}`)
	if got := next(); !strings.Contains(got, `"id":20,"result":{}`) {
		t.Fatalf("local ping answered %s", got)
	}
	if a.h.Sessions() != 1 || b.h.Sessions() != 0 {
		t.Errorf("sessions a=%d b=%d, want 1 and 0: the session lives on the node holding the stream", a.h.Sessions(), b.h.Sessions())
	}
}

// serverRequest reads the stream until a server-to-client request for method and returns its id.
func serverRequest(t *testing.T, next func() string, method string) string {
	t.Helper()
	got := next()
	if !strings.Contains(got, `"method":"`+method+`"`) {
		t.Fatalf("expected a %s request, got %s", method, got)
	}
	i := strings.Index(got, `"id":`)
	if i < 0 {
		t.Fatalf("no id in %s", got)
	}
	id := got[i+len(`"id":`):]
	return id[:strings.IndexAny(id, ",}")]
}

func TestNodesServerRequestAnsweredThroughOtherNode(t *testing.T) {
	bus := store.NewMemoryBus(store.MemoryBusOptions{})
	a, b := newNode(t, bus, nil), newNode(t, bus, nil)
	endpoint, next := openOn(t, a, b, `{"elicitation":{},"roots":{}}`)

	mustAccept(t, b, endpoint, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"greet","arguments":{}}}`)
	id := serverRequest(t, next, "elicitation/create")
	mustAccept(t, b, endpoint, `{"jsonrpc":"2.0","id":`+id+`,"result":{"action":"accept","content":{"name":"Ada"}}}`)
	if got := next(); !strings.Contains(got, `"id":2`) || !strings.Contains(got, `hello Ada`) {
		t.Fatalf("greet answered %s", got)
	}

	mustAccept(t, b, endpoint, `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"roots","arguments":{}}}`)
	id = serverRequest(t, next, "roots/list")
	mustAccept(t, b, endpoint, `{"jsonrpc":"2.0","id":`+id+`,"result":{"roots":[{"uri":"file:///work","name":"w"}]}}`)
	if got := next(); !strings.Contains(got, `"id":3`) || !strings.Contains(got, `1 roots, first file:///work`) {
		t.Fatalf("roots answered %s", got)
	}
}

func TestNodesCancelThroughOtherNode(t *testing.T) {
	bus := store.NewMemoryBus(store.MemoryBusOptions{})
	a, b := newNode(t, bus, nil), newNode(t, bus, nil)
	endpoint, next := openOn(t, a, b, `{}`)
	mustAccept(t, b, endpoint, `{"jsonrpc":"2.0","id":"slow","method":"tools/call","params":{"name":"block","arguments":{}}}`)
	select {
	case <-a.tools.started: // runs on the holder
	case <-b.tools.started:
		t.Fatal("the request ran on the node that took the POST, not on the one holding the stream")
	case <-time.After(10 * time.Second):
		t.Fatal("the forwarded request did not start")
	}
	mustAccept(t, b, endpoint, `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"slow","reason":"t"}}`)
	select {
	case <-a.tools.cancelled:
	case <-time.After(10 * time.Second):
		t.Fatal("notifications/cancelled through the other node did not cancel the request")
	}
	// A cancelled request is not answered: the next event is the ping's answer.
	mustAccept(t, b, endpoint, `{"jsonrpc":"2.0","id":4,"method":"ping"}`)
	if got := next(); !strings.Contains(got, `"id":4,"result":{}`) {
		t.Fatalf("after the cancel the stream carried %s", got)
	}
}

func TestNodesUnknownSession404(t *testing.T) {
	bus := store.NewMemoryBus(store.MemoryBusOptions{})
	a, b := newNode(t, bus, nil), newNode(t, bus, nil)
	if c, _, body := postStatus(t, b, "/messages?session_id=nope", `{"jsonrpc":"2.0","id":1,"method":"ping"}`); c != http.StatusNotFound ||
		!strings.Contains(body, "session not found") {
		t.Errorf("unknown session through a node with a bus: %d %s", c, body)
	}
	// A stream that closed: its node unsubscribed, so no node receives the message.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	endpoint, next, closeStream := stream(t, a.ts, ctx)
	mustAccept(t, b, endpoint, `{"jsonrpc":"2.0","id":1,"method":"ping"}`)
	if got := next(); !strings.Contains(got, `"id":1,"result":{}`) {
		t.Fatalf("ping answered %s", got)
	}
	closeStream()
	waitSessions(t, a.h, 0)
	deadline := time.Now().Add(5 * time.Second) // the holder unsubscribes just after it forgets the session
	for {
		c, _, body := postStatus(t, b, endpoint, `{"jsonrpc":"2.0","id":2,"method":"ping"}`)
		if c == http.StatusNotFound {
			break
		}
		if c != http.StatusAccepted || time.Now().After(deadline) {
			t.Fatalf("POST for a closed stream through the other node: %d %s, want 404", c, body)
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Malformed bodies are refused by the node that takes them, as on one node.
	if c, _, _ := postStatus(t, b, endpoint, `{"jsonrpc":`); c != http.StatusBadRequest {
		t.Errorf("malformed body: %d", c)
	}
}

// faultyBus is a memory bus whose Publish or Subscribe can be made to fail, like Redis going away.
type faultyBus struct {
	*store.MemoryBus
	failPublish, failSubscribe atomic.Bool
}

var errBusDown = errors.New("bus down (test)")

func (f *faultyBus) Publish(ctx context.Context, topic string, msg []byte) error {
	_, err := f.PublishCount(ctx, topic, msg)
	return err
}

func (f *faultyBus) PublishCount(ctx context.Context, topic string, msg []byte) (int, error) {
	if f.failPublish.Load() {
		return 0, errBusDown
	}
	return f.MemoryBus.PublishCount(ctx, topic, msg)
}

func (f *faultyBus) Subscribe(ctx context.Context, topic string) (store.Subscription, error) {
	if f.failSubscribe.Load() {
		return nil, errBusDown
	}
	return f.MemoryBus.Subscribe(ctx, topic)
}

func TestNodesBusFailure503(t *testing.T) {
	bus := &faultyBus{MemoryBus: store.NewMemoryBus(store.MemoryBusOptions{})}
	a, b := newNode(t, bus, nil), newNode(t, bus, nil)
	endpoint, next := openOn(t, a, b, `{}`)

	bus.failPublish.Store(true)
	c, retry, body := postStatus(t, b, endpoint, `{"jsonrpc":"2.0","id":7,"method":"ping"}`)
	if c != http.StatusServiceUnavailable || retry == "" || !strings.Contains(body, "bus down") || !strings.Contains(body, `"id":7`) {
		t.Errorf("POST through the other node while the bus fails: %d Retry-After %q %s; want 503 with Retry-After naming the cause", c, retry, body)
	}
	c, _, body = postStatus(t, b, "/messages?session_id=nope", `{"jsonrpc":"2.0","id":8,"method":"ping"}`)
	if c != http.StatusServiceUnavailable {
		t.Errorf("unknown session while the bus fails: %d %s; want 503 (the node cannot know it is gone), not 404", c, body)
	}
	// The holder's own POSTs need no bus.
	mustAccept(t, a, endpoint, `{"jsonrpc":"2.0","id":9,"method":"ping"}`)
	if got := next(); !strings.Contains(got, `"id":9`) {
		t.Fatalf("local ping answered %s", got)
	}
	bus.failPublish.Store(false) // recovery needs no restart
	mustAccept(t, b, endpoint, `{"jsonrpc":"2.0","id":10,"method":"ping"}`)
	if got := next(); !strings.Contains(got, `"id":10`) {
		t.Fatalf("ping after the bus came back answered %s", got)
	}

	bus.failSubscribe.Store(true)
	resp, err := a.ts.Client().Get(a.ts.URL + "/sse")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(raw), "bus down") {
		t.Errorf("GET /sse while subscribing fails: %d Retry-After %q %s; want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"), raw)
	}
	if a.h.Sessions() != 1 {
		t.Errorf("sessions = %d after a refused stream, want 1", a.h.Sessions())
	}
}

// TestNodesForwardedRequestOverLimit: a forwarded request past MaxRequestsPerSession is refused like a
// local one, with the overload error, but on the stream (its POST was answered on the other node).
func TestNodesForwardedRequestOverLimit(t *testing.T) {
	bus := store.NewMemoryBus(store.MemoryBusOptions{})
	opts := &sse.Options{MaxRequestsPerSession: 1}
	a, b := newNode(t, bus, opts), newNode(t, bus, opts)
	endpoint, next := openOn(t, a, b, `{}`)
	mustAccept(t, b, endpoint, `{"jsonrpc":"2.0","id":"slow","method":"tools/call","params":{"name":"block","arguments":{}}}`)
	select {
	case <-a.tools.started:
	case <-time.After(10 * time.Second):
		t.Fatalf("the request did not start; the stream carried %s", next())
	}
	mustAccept(t, b, endpoint, `{"jsonrpc":"2.0","id":5,"method":"ping"}`)
	if got := next(); !strings.Contains(got, `"id":5,"error"`) || !strings.Contains(got, "overloaded") {
		t.Fatalf("a forwarded request over the limit answered %s", got)
	}
	mustAccept(t, b, endpoint, `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"slow"}}`)
	select {
	case <-a.tools.cancelled:
	case <-time.After(10 * time.Second):
		t.Fatal("notifications/cancelled through the other node did not cancel the request")
	}
}

// alternate sends each HTTP request to the next node: no stickiness.
type alternate struct {
	nodes []*node
	n     atomic.Int64
}

func (l *alternate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.nodes[int(l.n.Add(1))%len(l.nodes)].mux.ServeHTTP(w, r)
}

// TestNodesClientBehindAlternatingBalancer: our client, through a balancer alternating between two nodes,
// runs a whole session: half its POSTs land on the node without its stream.
func TestNodesClientBehindAlternatingBalancer(t *testing.T) {
	bus := store.NewMemoryBus(store.MemoryBusOptions{})
	lb := &alternate{nodes: []*node{newNode(t, bus, nil), newNode(t, bus, nil)}}
	ts := httptest.NewServer(lb)
	defer ts.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := sse.Dial(ctx, ts.URL+"/sse", nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := client.Connect(ctx, c, &client.Options{ProtocolVersion: mcp.Version20250618,
		OnElicit: func(context.Context, *mcp.ElicitParams) (*mcp.ElicitResult, error) {
			return &mcp.ElicitResult{Action: mcp.ElicitActionAccept, Content: jsontext.Value(`{"name":"Ada"}`)}, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 4 {
		r, err := s.CallTool(ctx, "add", map[string]int{"A": i, "B": 2})
		if err != nil || r.IsError || r.Content[0].Text != fmt.Sprint(i+2) {
			t.Fatalf("add %d: %+v %v", i, r, err)
		}
		r, err = s.CallTool(ctx, "greet", struct{}{})
		if err != nil || r.IsError || r.Content[0].Text != "hello Ada" {
			t.Fatalf("greet %d: %+v %v", i, r, err)
		}
	}
}
