package streamable_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"go.uber.org/goleak"

	"github.com/mcpkit/mcpkit/internal/ssetest"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// env is a server behind the handler on an httptest server (127.0.0.1).
type env struct {
	t   *testing.T
	h   *streamable.Handler
	ts  *httptest.Server
	url string
}

func newEnv(t *testing.T, s *server.Server, opts *streamable.Options) *env {
	t.Helper()
	h := streamable.NewHandler(s, opts)
	ts := httptest.NewServer(h)
	e := &env{t: t, h: h, ts: ts, url: ts.URL}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = h.Close(ctx)
		ts.CloseClientConnections()
		ts.Close()
	})
	return e
}

// post sends body with the usual headers plus extra ("Name: value" pairs).
func (e *env) post(body string, extra ...string) *http.Response {
	return e.do(context.Background(), http.MethodPost, body, extra...)
}

func (e *env) do(ctx context.Context, method, body string, extra ...string) *http.Response {
	e.t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, e.url, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
	}
	for _, kv := range extra {
		k, v, _ := strings.Cut(kv, ": ")
		if v == "" && strings.HasSuffix(kv, ":") {
			req.Header.Del(strings.TrimSuffix(k, ":"))
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp
}

func readJSON(t *testing.T, resp *http.Response) map[string]any {
	t.Helper()
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if len(b) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("body %q is not JSON: %v", b, err)
	}
	return m
}

func code(m map[string]any) int {
	e, _ := m["error"].(map[string]any)
	c, _ := e["code"].(float64)
	return int(c)
}

// initialize opens a legacy session and returns its id.
func (e *env) initialize(version string) string {
	e.t.Helper()
	resp := e.post(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"` + version + `","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	sid := resp.Header.Get("Mcp-Session-Id")
	readJSON(e.t, resp)
	if resp.StatusCode != 200 || sid == "" {
		e.t.Fatalf("initialize: %d, session %q", resp.StatusCode, sid)
	}
	r := e.post(`{"jsonrpc":"2.0","method":"notifications/initialized"}`, "Mcp-Session-Id: "+sid, "MCP-Protocol-Version: "+version)
	r.Body.Close()
	if r.StatusCode != http.StatusAccepted {
		e.t.Fatalf("notifications/initialized: %d", r.StatusCode)
	}
	return sid
}

// sseEvent is one parsed SSE event.
type sseEvent struct {
	id, data string
	retry    bool
}

// sseReader reads events from a response body.
type sseReader struct{ r *ssetest.Reader }

func newSSE(body io.Reader) *sseReader { return &sseReader{r: ssetest.NewReader(body)} }

// next returns the next event (comments skipped) or an error at the end of the stream.
func (s *sseReader) next() (sseEvent, error) {
	ev, err := s.r.Next()
	return sseEvent{id: ev.ID, data: ev.Data, retry: ev.Retry}, err
}

const modernMeta = `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}`

func modernHeaders(method string, name ...string) []string {
	h := []string{"MCP-Protocol-Version: 2026-07-28", "Mcp-Method: " + method}
	if len(name) > 0 {
		h = append(h, "Mcp-Name: "+name[0])
	}
	return h
}

// doErr is do for goroutines: it returns the error instead of failing the test.
func (e *env) doErr(ctx context.Context, body string, extra ...string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	for _, kv := range extra {
		k, v, _ := strings.Cut(kv, ": ")
		req.Header.Set(k, v)
	}
	return e.ts.Client().Do(req)
}
