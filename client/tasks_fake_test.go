package client_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport/memory"
)

// fakeServer is a scripted MCP server for the client's task tests, until tests against the real server
// runtime: it answers the handshake of its era and hands every other request to the test's handlers,
// recording the params of each.
type fakeServer struct {
	version  string
	handlers map[string]func(ctx context.Context, params jsontext.Value) (any, error)
	conn     *jsonrpc.Conn

	mu       sync.Mutex
	received map[string][]jsontext.Value
}

type fakeHandlers = map[string]func(ctx context.Context, params jsontext.Value) (any, error)

func (f *fakeServer) HandleRequest(ctx context.Context, m *jsonrpc.Message) (jsontext.Value, error) {
	f.mu.Lock()
	f.received[m.Method] = append(f.received[m.Method], slices.Clone(m.Params))
	f.mu.Unlock()
	var res any
	var err error
	switch h := f.handlers[m.Method]; {
	case h != nil:
		res, err = h(ctx, m.Params)
	case m.Method == mcp.MethodInitialize:
		res = &mcp.InitializeResult{ProtocolVersion: f.version, ServerInfo: mcp.Implementation{Name: "fake", Version: "1"},
			Capabilities: mcp.ServerCapabilities{Tools: &mcp.ToolsCapability{}, Extra: map[string]jsontext.Value{
				"tasks": jsontext.Value(`{"list":{},"cancel":{},"requests":{"tools":{"call":{}}}}`)}}}
	case m.Method == mcp.MethodDiscover && mcp.EraOf(f.version) == mcp.EraModern:
		ttl := int64(0)
		res = &mcp.DiscoverResult{ResultFields: mcp.ResultFields{ResultType: mcp.ResultComplete},
			CacheHints:        mcp.CacheHints{TTLMs: &ttl, CacheScope: mcp.CacheScopePrivate},
			SupportedVersions: []string{f.version},
			Capabilities: mcp.ServerCapabilities{Tools: &mcp.ToolsCapability{},
				Extensions: map[string]jsontext.Value{mcp.ExtensionTasks: jsontext.Value(`{}`)}}}
	default:
		return nil, &jsonrpc.Error{Code: mcp.CodeMethodNotFound, Message: "method not found: " + m.Method}
	}
	if err != nil {
		return nil, err
	}
	if raw, ok := res.(jsontext.Value); ok {
		return raw, nil
	}
	return json.Marshal(res)
}

func (f *fakeServer) HandleNotification(context.Context, *jsonrpc.Message) {}

// got returns the params of every request of method received so far.
func (f *fakeServer) got(method string) []jsontext.Value {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.received[method])
}

// notify sends a notification to the client.
func (f *fakeServer) notify(t *testing.T, method string, params any) {
	t.Helper()
	if err := f.conn.Notify(context.Background(), method, params); err != nil {
		t.Error(err)
	}
}

// connectFake connects a client session in version's era to a fake server with handlers.
func connectFake(t *testing.T, version string, handlers fakeHandlers, opts *client.Options) (*client.Session, *fakeServer) {
	t.Helper()
	a, b := memory.Pipe()
	f := &fakeServer{version: version, handlers: handlers, received: map[string][]jsontext.Value{}}
	f.conn = jsonrpc.NewConn(a, jsonrpc.ConnOptions{Handler: f, CancelMethod: mcp.MethodNotificationCancelled})
	f.conn.Start()
	if opts == nil {
		opts = &client.Options{}
	}
	opts.ProtocolVersion = version
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sess, err := client.Connect(ctx, b, opts)
	if err != nil {
		f.conn.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sess.Close()
		f.conn.Close()
		f.conn.Wait()
	})
	return sess, f
}

// sleeps records the waits between polls instead of waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) install(sess *client.Session) {
	client.SetTaskSleep(sess, func(ctx context.Context, d time.Duration, _ <-chan struct{}) error {
		s.mu.Lock()
		s.d = append(s.d, d)
		s.mu.Unlock()
		return ctx.Err()
	})
}

func (s *sleeps) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.d)
}

// script answers the n-th call (from 0) with answers[n], repeating the last one.
func script(answers ...string) func(context.Context, jsontext.Value) (any, error) {
	var mu sync.Mutex
	n := 0
	return func(context.Context, jsontext.Value) (any, error) {
		mu.Lock()
		defer mu.Unlock()
		a := answers[min(n, len(answers)-1)]
		n++
		return jsontext.Value(a), nil
	}
}

// modernTask is a 2026-07-28 task object: members go after the fixed ones.
func modernTask(resultType, status, more string) string {
	s := `{"resultType":"` + resultType + `","taskId":"t1","status":"` + status +
		`","createdAt":"2026-01-01T00:00:00Z","lastUpdatedAt":"2026-01-01T00:00:00Z","ttlMs":60000`
	if more != "" {
		s += "," + more
	}
	return s + "}"
}

// legacyTask is a 2025-11-25 task object.
func legacyTask(status, more string) string {
	s := `{"taskId":"t1","status":"` + status + `","createdAt":"2025-01-01T00:00:00Z","lastUpdatedAt":"2025-01-01T00:00:00Z","ttl":60000`
	if more != "" {
		s += "," + more
	}
	return s + "}"
}

const okResult = `{"content":[{"type":"text","text":"done"}]}`

func textOf(t *testing.T, r *mcp.CallToolResult) string {
	t.Helper()
	if r == nil || len(r.Content) != 1 {
		t.Fatalf("result %+v", r)
	}
	return r.Content[0].Text
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// declaresTasks reports whether a request's params declare the tasks extension in _meta.
func declaresTasks(t *testing.T, params jsontext.Value) bool {
	t.Helper()
	var p struct {
		Meta mcp.RequestMeta `json:"_meta"`
	}
	if err := json.Unmarshal(params, &p); err != nil {
		t.Fatal(err)
	}
	if p.Meta.ClientCapabilities == nil {
		return false
	}
	_, ok := p.Meta.ClientCapabilities.Extensions[mcp.ExtensionTasks]
	return ok
}

// ackListen is a subscriptions/listen handler: it acknowledges the task t1 (from *srv, read when the listen
// comes), closes listening, holds the stream until the client ends it, then closes ended (when not nil).
func ackListen(t *testing.T, srv **fakeServer, listening, ended chan struct{}) func(context.Context, jsontext.Value) (any, error) {
	return func(ctx context.Context, _ jsontext.Value) (any, error) {
		(*srv).notify(t, mcp.MethodNotificationSubscriptionsAcknowledged, jsontext.Value(`{"notifications":{"taskIds":["t1"]}}`))
		close(listening)
		<-ctx.Done()
		if ended != nil {
			close(ended)
		}
		return nil, ctx.Err()
	}
}

// notifyInSleep makes each wait between the task polls of sess send the notification method(task) from
// srv, once ready is closed (nil: at once), then wait for the wake-up it brings.
func notifyInSleep(t *testing.T, sess *client.Session, srv *fakeServer, ready <-chan struct{}, method, task string) {
	client.SetTaskSleep(sess, func(sctx context.Context, d time.Duration, wake <-chan struct{}) error {
		if ready != nil {
			select {
			case <-ready:
			case <-sctx.Done():
				return sctx.Err()
			}
		}
		srv.notify(t, method, jsontext.Value(task))
		select {
		case <-wake:
			return nil
		case <-sctx.Done():
			return sctx.Err()
		}
	})
}

// wantResultWithoutPolls checks that h's result is okResult and that no tasks/get was needed for it (a
// notification brought the end).
func wantResultWithoutPolls(t *testing.T, ctx context.Context, h *client.TaskHandle, srv *fakeServer) {
	t.Helper()
	res, err := h.Result(ctx)
	if err != nil || textOf(t, res) != "done" {
		t.Fatalf("%v %v", res, err)
	}
	if n := len(srv.got(mcp.MethodTasksGet)); n != 0 {
		t.Errorf("%d polls after the notification brought the result, want none", n)
	}
}

// mustCallAsTask is sess.CallToolAsTask, failing t on an error.
func mustCallAsTask(t *testing.T, ctx context.Context, sess *client.Session, name string, args any, opts *client.TaskOptions) *client.TaskHandle {
	t.Helper()
	h, err := sess.CallToolAsTask(ctx, name, args, opts)
	if err != nil {
		t.Fatal(err)
	}
	return h
}
