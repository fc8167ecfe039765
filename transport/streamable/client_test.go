package streamable_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/internal/httptestx"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// recorder counts what reaches the server and can answer in its place.
type recorder struct {
	mu       sync.Mutex
	requests []recorded
	// intercept, when set, may answer a request itself (return true) before the handler sees it.
	intercept func(w http.ResponseWriter, r *http.Request, body []byte) bool
}

type recorded struct {
	method, path, rpcMethod, session, lastEventID string
	header                                        http.Header
}

func (rec *recorder) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body []byte
		if r.Body != nil {
			body, _ = io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		rpcMethod := ""
		if m, err := jsonrpc.DecodeMessage(body); err == nil {
			rpcMethod = m.Method
		}
		rec.mu.Lock()
		rec.requests = append(rec.requests, recorded{r.Method, r.URL.Path, rpcMethod, r.Header.Get("Mcp-Session-Id"),
			r.Header.Get("Last-Event-ID"), r.Header.Clone()})
		intercept := rec.intercept
		rec.mu.Unlock()
		if intercept != nil && intercept(w, r, body) {
			return
		}
		next.ServeHTTP(w, r)
	})
}

// count returns how many requests match.
func (rec *recorder) count(match func(recorded) bool) int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	n := 0
	for _, r := range rec.requests {
		if match(r) {
			n++
		}
	}
	return n
}

func (rec *recorder) find(match func(recorded) bool) (recorded, bool) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, r := range slices.Backward(rec.requests) {
		if match(r) {
			return r, true
		}
	}
	return recorded{}, false
}

func posts(method string) func(recorded) bool {
	return func(r recorded) bool { return r.method == http.MethodPost && r.rpcMethod == method }
}

// serveClientTest serves s through the Streamable HTTP handler behind a recorder, on 127.0.0.1.
func serveClientTest(t *testing.T, s *server.Server, opts *streamable.Options) (*httptest.Server, *recorder) {
	ts, rec, _ := serveClientHandler(t, s, opts)
	return ts, rec
}

// serveClientHandler is serveClientTest that also returns the handler behind the recorder.
func serveClientHandler(t *testing.T, s *server.Server, opts *streamable.Options) (*httptest.Server, *recorder, http.Handler) {
	t.Helper()
	h := streamable.NewHandler(s, opts)
	rec := &recorder{}
	ts := httptest.NewServer(rec.wrap(h))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = h.Close(ctx)
		ts.CloseClientConnections()
		ts.Close()
	})
	return ts, rec, h
}

func newClient(t *testing.T, ts *httptest.Server, path string, o *streamable.ClientOptions) *streamable.Client {
	t.Helper()
	if o == nil {
		o = &streamable.ClientOptions{}
	}
	o.HTTPClient = ts.Client()
	if o.EraCache == nil {
		o.EraCache = &streamable.EraCache{}
	}
	c, err := streamable.NewClient(ts.URL+path, o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func textOf(r *mcp.CallToolResult) string {
	if r == nil || len(r.Content) == 0 {
		return ""
	}
	return r.Content[0].Text
}

// TestClientEras runs whole sessions against the demo server in every way a client can speak to it.
func TestClientEras(t *testing.T) {
	for _, tt := range []struct {
		pin     string
		era     mcp.Era
		version string
	}{
		{mcp.Version20251125, mcp.EraLegacy, mcp.Version20251125},
		{mcp.Version20250326, mcp.EraLegacy, mcp.Version20250326},
		{"", mcp.EraModern, mcp.Version20260728},
		{mcp.Version20260728, mcp.EraModern, mcp.Version20260728},
	} {
		t.Run("pin="+tt.pin, func(t *testing.T) {
			ts, rec := serveClientTest(t, demo.New(), nil)
			ctx := testCtx(t)
			c := newClient(t, ts, "/", &streamable.ClientOptions{Header: http.Header{"X-Tenant": {"t1"}}})
			var mu sync.Mutex
			var logs []string
			s, err := client.Connect(ctx, c, &client.Options{ProtocolVersion: tt.pin, LogLevel: mcp.LevelInfo,
				OnLog: func(_ context.Context, p *mcp.LoggingMessageParams) {
					mu.Lock()
					logs = append(logs, string(p.Data))
					mu.Unlock()
				}})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if s.Era() != tt.era || s.ProtocolVersion() != tt.version {
				t.Fatalf("era %v %s, want %v %s", s.Era(), s.ProtocolVersion(), tt.era, tt.version)
			}
			var names []string
			for tool, err := range s.Tools(ctx) {
				if err != nil {
					t.Fatal(err)
				}
				names = append(names, tool.Name)
			}
			if !slices.Contains(names, "add") || !slices.Contains(names, "echo") {
				t.Errorf("tools %v", names)
			}
			res, err := s.CallTool(ctx, "add", map[string]int{"a": 5, "b": 10})
			if err != nil || textOf(res) != "15" {
				t.Fatalf("add: %+v %v", res, err)
			}
			var progress []float64
			pctx := client.WithProgress(ctx, func(p *mcp.ProgressParams) { progress = append(progress, p.Progress) })
			res, err = s.CallTool(pctx, "echo", map[string]string{"message": "hi"})
			if err != nil || textOf(res) != "Here's the file content: hi" {
				t.Fatalf("echo: %+v %v", res, err)
			}
			if fmt.Sprint(progress) != "[1 2 3]" {
				t.Errorf("progress %v", progress)
			}
			mu.Lock()
			if len(logs) != 3 {
				t.Errorf("logs %v", logs)
			}
			mu.Unlock()
			if r, ok := rec.find(posts(mcp.MethodToolsCall)); !ok || r.header.Get("X-Tenant") != "t1" ||
				r.header.Get("Accept") != "application/json, text/event-stream" || r.header.Get("Content-Type") != "application/json" {
				t.Errorf("tools/call headers %v", r.header)
			}
			if tt.era == mcp.EraLegacy {
				sid := c.SessionID()
				if sid == "" || c.ProtocolVersion() != tt.version || c.Kind() != streamable.KindLegacy {
					t.Fatalf("session %q version %q kind %v", sid, c.ProtocolVersion(), c.Kind())
				}
				r, _ := rec.find(posts(mcp.MethodToolsCall))
				if r.session != sid || r.header.Get("MCP-Protocol-Version") != tt.version {
					t.Errorf("legacy headers: session %q version %q", r.session, r.header.Get("MCP-Protocol-Version"))
				}
				// The standalone GET stream opens after notifications/initialized.
				httptestx.WaitFor(t, "the condition", func() bool {
					return rec.count(func(r recorded) bool { return r.method == http.MethodGet && r.session == sid }) > 0
				})
			} else {
				r, _ := rec.find(posts(mcp.MethodToolsCall))
				if c.SessionID() != "" || r.session != "" || c.Kind() != streamable.KindModern {
					t.Errorf("modern requests carry no session (%q, %q), kind %v", c.SessionID(), r.session, c.Kind())
				}
				if r.header.Get("MCP-Protocol-Version") != tt.version || r.header.Get("Mcp-Method") != "tools/call" ||
					r.header.Get("Mcp-Name") != "echo" {
					t.Errorf("modern headers %v", r.header)
				}
				if n := rec.count(func(r recorded) bool { return r.method == http.MethodGet }); n != 0 {
					t.Errorf("%d GET requests in the modern era", n)
				}
			}
			sid := c.SessionID()
			s.Close()
			deletes := rec.count(func(r recorded) bool { return r.method == http.MethodDelete && r.session == sid })
			if want := map[bool]int{true: 1, false: 0}[tt.era == mcp.EraLegacy]; deletes != want {
				t.Errorf("%d DELETE requests at Close, want %d", deletes, want)
			}
		})
	}
}

func TestNewClientValidates(t *testing.T) {
	for _, bad := range []string{"", "127.0.0.1:8000/mcp", "ftp://h/mcp", "http:///mcp", "http://h/mcp#x", "http://h/%zz"} {
		if _, err := streamable.NewClient(bad, nil); err == nil {
			t.Errorf("NewClient(%q) accepted", bad)
		}
	}
	c, err := streamable.NewClient("http://127.0.0.1:1/mcp", nil)
	if err != nil {
		t.Fatal(err)
	}
	// Nothing listens there: the request fails with an error response, not a hang.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = client.Connect(ctx, c, &client.Options{ProtocolVersion: mcp.Version20251125})
	var rpcErr *jsonrpc.Error
	if !errors.As(err, &rpcErr) || !strings.Contains(rpcErr.Message, "POST http://127.0.0.1:1/mcp failed") {
		t.Fatalf("connect to a closed port: %v", err)
	}
}

// TestClientStandaloneStream: notifications the server sends outside any request reach a legacy client
// through the GET stream, which the client reopens when it ends (here the first one ends at once with an
// id the server cannot resume from).
func TestClientStandaloneStream(t *testing.T) {
	s := demo.New()
	ts, rec := serveClientTest(t, s, nil)
	var first sync.Once
	rec.intercept = func(w http.ResponseWriter, r *http.Request, body []byte) bool {
		cut := false
		if r.Method == http.MethodGet {
			first.Do(func() { cut = true })
		}
		if cut {
			w.Header().Set("Content-Type", "text/event-stream")
			_, _ = w.Write([]byte("id: bogus\nretry: 10\n\n"))
		}
		return cut
	}
	ctx := testCtx(t)
	changed := make(chan struct{}, 1)
	c := newClient(t, ts, "/", &streamable.ClientOptions{RetryDelay: 10 * time.Millisecond})
	sess, err := client.Connect(ctx, c, &client.Options{ProtocolVersion: mcp.Version20251125,
		OnToolsChanged: func(context.Context) {
			select {
			case changed <- struct{}{}:
			default:
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	// The first GET ends at once; the resume with Last-Event-ID: bogus is refused (400); a fresh GET follows.
	httptestx.WaitFor(t, "the condition", func() bool {
		return rec.count(func(r recorded) bool { return r.method == http.MethodGet && r.lastEventID == "" }) >= 2
	})
	if n := rec.count(func(r recorded) bool { return r.method == http.MethodGet && r.lastEventID == "bogus" }); n != 1 {
		t.Errorf("%d resumes with the bogus id, want 1", n)
	}
	time.Sleep(50 * time.Millisecond) // let the last GET reach the handler
	server.Tool(s, "late", "added later", func(ctx context.Context, in demo.EchoArgs) (string, error) { return in.Message, nil })
	select {
	case <-changed:
	case <-ctx.Done():
		t.Fatal("notifications/tools/list_changed never arrived")
	}
}
