package metrics_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/auth"
	"github.com/mcpkit/mcpkit/metrics"
	"github.com/mcpkit/mcpkit/metrics/metricstest"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/store"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// TestStreamsRefusalsSessions: an open standalone GET stream of a legacy session is counted in
// streams_open while it is open and the session in sessions; a 2026-07-28 request past MaxInFlight (503)
// is counted in refused_total{limit="in_flight"}; a subscriptions/listen stream's own checks are not
// counted as requests.
func TestStreamsRefusalsSessions(t *testing.T) {
	s := newServer()
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	server.Tool(s, "block", "waits", func(ctx context.Context, in addArgs) (int, error) {
		started <- struct{}{}
		<-release
		return 0, nil
	})
	m := metrics.New(nil)
	m.Instrument(s)
	h := s.Handler(&streamable.Options{MaxInFlight: 1})
	m.Transports(h, nil)
	mux := http.NewServeMux()
	mux.Handle("/mcp", m.WrapHTTP("streamable", h))
	mux.Handle("/metrics", m.Handler())
	hs := httptest.NewServer(mux)
	defer hs.Close()
	defer h.Close(context.Background())

	do := func(method, sid, body string, hdr ...string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, hs.URL+"/mcp", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if sid != "" {
			req.Header.Set("Mcp-Session-Id", sid)
			req.Header.Set("MCP-Protocol-Version", "2025-11-25")
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp := do(http.MethodPost, "", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	resp.Body.Close()
	sid := resp.Header.Get("Mcp-Session-Id")
	if sid == "" {
		t.Fatalf("initialize: %d", resp.StatusCode)
	}
	do(http.MethodPost, sid, `{"jsonrpc":"2.0","method":"notifications/initialized"}`).Body.Close()
	get := do(http.MethodGet, sid, "")
	if get.StatusCode != 200 {
		t.Fatalf("GET: %d", get.StatusCode)
	}
	got := metricstest.Scrape(t, hs.URL+"/metrics")
	if v := metricstest.Sum(got, "mcp_server_streams_open", "transport", "streamable"); v != 1 {
		t.Errorf("streams_open with a GET stream open = %v, want 1", v)
	}
	if v := metricstest.Sum(got, "mcp_server_sessions", "transport", "streamable"); v != 1 {
		t.Errorf("sessions = %v, want 1", v)
	}
	get.Body.Close()
	waitFor(t, func() bool {
		return metricstest.Sum(metricstest.Scrape(t, hs.URL+"/metrics"), "mcp_server_streams_open", "transport", "streamable") == 0
	},
		"streams_open back to 0 after the GET stream closed")

	modern := func(id, tool string) *http.Response {
		return do(http.MethodPost, "", `{"jsonrpc":"2.0","id":`+id+`,"method":"tools/call","params":{"name":"`+tool+`","arguments":{"a":1,"b":2},`+modernMeta+`}}`,
			"MCP-Protocol-Version", "2026-07-28", "Mcp-Method", "tools/call", "Mcp-Name", tool)
	}
	done := make(chan *http.Response, 1)
	go func() { done <- modern("10", "block") }()
	<-started
	if v := metricstest.Sum(metricstest.Scrape(t, hs.URL+"/metrics"), "mcp_server_requests_in_flight", "transport", "streamable"); v != 1 {
		t.Errorf("in flight while block runs = %v, want 1", v)
	}
	over := modern("11", "add")
	over.Body.Close()
	if over.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("a request past MaxInFlight: %d, want 503", over.StatusCode)
	}
	close(release)
	(<-done).Body.Close()
	got = metricstest.Scrape(t, hs.URL+"/metrics")
	if v := metricstest.Sum(got, "mcp_server_refused_total", "transport", "streamable", "limit", "in_flight"); v != 1 {
		t.Errorf("refused_total{in_flight} = %v, want 1", v)
	}

	// subscriptions/listen: the transport checks it with a server/discover of its own, which is not a
	// client's request.
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, hs.URL+"/mcp", strings.NewReader(
		`{"jsonrpc":"2.0","id":20,"method":"subscriptions/listen","params":{"notifications":{"toolsListChanged":true},`+modernMeta+`}}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("MCP-Protocol-Version", "2026-07-28")
	req.Header.Set("Mcp-Method", "subscriptions/listen")
	listen, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if listen.StatusCode != 200 {
		t.Fatalf("listen: %d", listen.StatusCode)
	}
	waitFor(t, func() bool {
		return metricstest.Sum(metricstest.Scrape(t, hs.URL+"/metrics"), "mcp_server_streams_open", "transport", "streamable") == 1
	},
		"the listen stream counted in streams_open")
	if v := metricstest.Sum(metricstest.Scrape(t, hs.URL+"/metrics"), "mcp_server_requests_total", "method", "server/discover"); v != 0 {
		t.Errorf("the listen's own check was counted as %v server/discover requests", v)
	}
	cancel()
	listen.Body.Close()
}

// TestAuthRefused: the auth middleware's refusals are counted by reason.
func TestAuthRefused(t *testing.T) {
	m := metrics.New(nil)
	v := auth.NewStaticTokens(map[string]auth.Principal{"good": {Subject: "a"}})
	protected := auth.Middleware(http.NotFoundHandler(), auth.MiddlewareOptions{Verifier: v,
		ResourceMetadataURL: "http://127.0.0.1/.well-known/oauth-protected-resource", OnRefuse: m.AuthRefused})
	for _, authz := range []string{"", "", "Bearer bad", "Basic x", "Bearer good"} {
		r := httptest.NewRequest(http.MethodPost, "/mcp", nil)
		if authz != "" {
			r.Header.Set("Authorization", authz)
		}
		protected.ServeHTTP(httptest.NewRecorder(), r)
	}
	hs := httptest.NewServer(m.Handler())
	defer hs.Close()
	got := metricstest.Scrape(t, hs.URL)
	for reason, want := range map[string]float64{"missing_token": 2, "invalid_token": 1, "invalid_request": 1} {
		if v := metricstest.Sum(got, "mcp_auth_refused_total", "reason", reason); v != want {
			t.Errorf("auth refused %s = %v, want %v", reason, v, want)
		}
	}
	if v := metricstest.Sum(got, "mcp_auth_refused_total"); v != 4 {
		t.Errorf("auth refused in all = %v, want 4 (the good token passes)", v)
	}
}

// failingSessions fails every operation but Load, which finds nothing.
type failingSessions struct{}

var errDown = errors.New("store down")

func (failingSessions) Create(context.Context, *store.SessionState) error { return errDown }
func (failingSessions) Load(context.Context, string) (*store.SessionState, error) {
	return nil, store.ErrNotFound
}
func (failingSessions) Save(context.Context, *store.SessionState) error { return errDown }
func (failingSessions) Delete(context.Context, string) error            { return errDown }

// TestStoreWrappers: operations are counted by store, op and outcome; the wrappers keep the optional
// interfaces of what they wrap.
func TestStoreWrappers(t *testing.T) {
	m := metrics.New(nil)
	ctx := context.Background()
	ev := m.EventStore("memory", store.NewMemoryEventStore(store.MemoryEventOptions{}))
	if _, ok := ev.(store.EventWatcher); !ok {
		t.Error("the wrapped memory event store is no longer a store.EventWatcher")
	}
	if _, ok := ev.(store.Leases); !ok {
		t.Error("the wrapped memory event store no longer has store.Leases")
	}
	if _, ok := m.TaskStore("memory", store.NewMemoryTasks()).(store.TaskQuotaStore); !ok {
		t.Error("the wrapped memory task store is no longer a store.TaskQuotaStore")
	}
	for range 3 {
		if _, err := ev.Append(ctx, "s", "a", []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	ss := m.SessionStore("down", failingSessions{})
	_ = ss.Create(ctx, &store.SessionState{ID: "x"})
	_ = ss.Save(ctx, &store.SessionState{ID: "x"})
	_, _ = ss.Load(ctx, "x")
	hs := httptest.NewServer(m.Handler())
	defer hs.Close()
	got := metricstest.Scrape(t, hs.URL)
	for _, c := range []struct {
		want   float64
		labels []string
	}{
		{3, []string{"store", "memory", "op", "event_append", "outcome", "ok"}},
		{1, []string{"store", "down", "op", "session_create", "outcome", "error"}},
		{1, []string{"store", "down", "op", "session_save", "outcome", "error"}},
		{1, []string{"store", "down", "op", "session_load", "outcome", "not_found"}},
		{2, []string{"store", "down", "outcome", "error"}},
	} {
		if v := metricstest.Sum(got, "mcp_store_operations_total", c.labels...); v != c.want {
			t.Errorf("store operations %v = %v, want %v", c.labels, v, c.want)
		}
	}
	if v := metricstest.Sum(got, "mcp_store_operation_duration_seconds_count", "store", "memory", "op", "event_append"); v != 3 {
		t.Errorf("event_append latency count = %v, want 3", v)
	}
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// TestPanicCounted: a handler that panics (answered -32603 by the connection, which recovers) is counted
// as internal_error and leaves nothing in flight.
func TestPanicCounted(t *testing.T) {
	s := newServer()
	server.Tool(s, "boom", "panics", func(ctx context.Context, in addArgs) (int, error) { panic("boom") })
	m := metrics.New(nil)
	m.Instrument(s)
	conn := serveStdio(t, s)
	ctx := context.Background()
	if _, err := conn.CallRaw(ctx, "initialize", []byte(`{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}`)); err != nil {
		t.Fatal(err)
	}
	if res, err := conn.CallRaw(ctx, "tools/call", []byte(`{"name":"boom","arguments":{"a":1,"b":2}}`)); err == nil {
		t.Fatalf("a panicking tool answered %s", res)
	}
	hs := httptest.NewServer(m.Handler())
	defer hs.Close()
	got := metricstest.Scrape(t, hs.URL)
	if v := metricstest.Sum(got, "mcp_server_requests_total", "method", "tools/call", "outcome", "internal_error"); v != 1 {
		t.Errorf("panicking tools/call counted %v times as internal_error, want 1", v)
	}
	if v := metricstest.Sum(got, "mcp_server_requests_in_flight"); v != 0 {
		t.Errorf("in flight after a panic = %v, want 0", v)
	}
}
