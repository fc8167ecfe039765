package metrics_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/metrics"
	"github.com/mcpkit/mcpkit/metrics/metricstest"
	"github.com/mcpkit/mcpkit/transport/sse"
)

const modernMeta = `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}`

// TestScrapeCountsWorkload: a scripted workload over three transports in two eras — Streamable HTTP at
// 2026-07-28, stdio in a 2025-11-25 session and HTTP+SSE (2024-11-05) — with a known number of successful
// tools/call, tool errors (isError results) and unknown methods (-32601, refused before any middleware).
// /metrics, scraped after, counts each exactly, by method, era, transport and outcome, and nothing else.
func TestScrapeCountsWorkload(t *testing.T) {
	const (
		httpOK, httpToolErr, httpUnknown    = 7, 3, 2
		stdioOK, stdioToolErr, stdioUnknown = 5, 4, 6
		sseOK, sseToolErr, sseUnknown       = 2, 1, 3
	)
	s := newServer()
	m := metrics.New(nil)
	m.Instrument(s)
	h := s.Handler(nil)
	mux := http.NewServeMux()
	mux.Handle("/mcp", m.WrapHTTP("streamable", h))
	mux.Handle("/metrics", m.Handler())
	legacy := sse.NewHandler(s, nil)
	mux.Handle("/sse", m.WrapHTTP("sse", legacy.SSE()))
	mux.Handle("/messages", m.WrapHTTP("sse", legacy.Messages()))
	hs := httptest.NewServer(mux)
	defer hs.Close()
	defer h.Close(context.Background())
	defer legacy.Close(context.Background())
	m.Transports(h, legacy)

	post := func(method, name, params string) (int, string) {
		t.Helper()
		body := fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":%q,"params":{%s%s}}`, method, params, modernMeta)
		req, _ := http.NewRequest(http.MethodPost, hs.URL+"/mcp", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("MCP-Protocol-Version", "2026-07-28")
		req.Header.Set("Mcp-Method", method)
		if name != "" {
			req.Header.Set("Mcp-Name", name)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for range httpOK {
		if status, body := post("tools/call", "add", `"name":"add","arguments":{"a":1,"b":2},`); status != 200 || strings.Contains(body, `"isError":true`) || !strings.Contains(body, `"result"`) {
			t.Fatalf("add over HTTP: %d %s", status, body)
		}
	}
	for range httpToolErr {
		if status, body := post("tools/call", "fail", `"name":"fail","arguments":{"a":1,"b":2},`); status != 200 || !strings.Contains(body, `"isError":true`) {
			t.Fatalf("fail over HTTP: %d %s", status, body)
		}
	}
	for i := range httpUnknown {
		method := fmt.Sprintf("no/such-%d", i) // every unknown name is one "other" series
		if status, body := post(method, "", ""); !strings.Contains(body, `"code":-32601`) {
			t.Fatalf("%s over HTTP: %d %s", method, status, body)
		}
	}

	conn := serveStdio(t, s)
	ctx := context.Background()
	if _, err := conn.CallRaw(ctx, mcp.MethodInitialize, jsontext.Value(`{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}`)); err != nil {
		t.Fatal(err)
	}
	if err := conn.NotifyRaw(ctx, mcp.MethodNotificationInitialized, nil); err != nil {
		t.Fatal(err)
	}
	for range stdioOK {
		res, err := conn.CallRaw(ctx, mcp.MethodToolsCall, jsontext.Value(`{"name":"add","arguments":{"a":1,"b":2}}`))
		if err != nil || strings.Contains(string(res), `"isError":true`) {
			t.Fatalf("add over stdio: %s %v", res, err)
		}
	}
	for range stdioToolErr {
		res, err := conn.CallRaw(ctx, mcp.MethodToolsCall, jsontext.Value(`{"name":"fail","arguments":{"a":1,"b":2}}`))
		if err != nil || !strings.Contains(string(res), `"isError":true`) {
			t.Fatalf("fail over stdio: %s %v", res, err)
		}
	}
	for i := range stdioUnknown {
		_, err := conn.CallRaw(ctx, fmt.Sprintf("no/such-%d", i), nil)
		if e, ok := err.(*jsonrpc.Error); !ok || e.Code != mcp.CodeMethodNotFound {
			t.Fatalf("unknown method over stdio: %v", err)
		}
	}

	// HTTP+SSE: requests are POSTed, answers come on the session's stream.
	stream := openSSESession(t, hs.URL)
	stream.call(t, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`, `"result"`)
	stream.notify(t, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	for range sseOK {
		stream.call(t, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}}`, `"text":"3"`)
	}
	for range sseToolErr {
		stream.call(t, `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"fail","arguments":{"a":1,"b":2}}}`, `"isError":true`)
	}
	for range sseUnknown {
		stream.call(t, `{"jsonrpc":"2.0","id":4,"method":"no/such"}`, `"code":-32601`)
	}

	got := metricstest.Scrape(t, hs.URL+"/metrics")
	const req = "mcp_server_requests_total"
	for _, c := range []struct {
		want   float64
		labels []string
	}{
		{httpOK, []string{"method", "tools/call", "era", "modern", "transport", "streamable", "outcome", "ok"}},
		{httpToolErr, []string{"method", "tools/call", "era", "modern", "transport", "streamable", "outcome", "tool_error"}},
		{httpUnknown, []string{"method", "other", "era", "modern", "transport", "streamable", "outcome", "method_not_found"}},
		{1, []string{"method", "initialize", "era", "legacy", "transport", "stdio", "outcome", "ok"}},
		{stdioOK, []string{"method", "tools/call", "era", "legacy", "transport", "stdio", "outcome", "ok"}},
		{stdioToolErr, []string{"method", "tools/call", "era", "legacy", "transport", "stdio", "outcome", "tool_error"}},
		{stdioUnknown, []string{"method", "other", "era", "legacy", "transport", "stdio", "outcome", "method_not_found"}},
		{1, []string{"method", "initialize", "era", "legacy", "transport", "sse", "outcome", "ok"}},
		{sseOK, []string{"method", "tools/call", "era", "legacy", "transport", "sse", "outcome", "ok"}},
		{sseToolErr, []string{"method", "tools/call", "era", "legacy", "transport", "sse", "outcome", "tool_error"}},
		{sseUnknown, []string{"method", "other", "era", "legacy", "transport", "sse", "outcome", "method_not_found"}},
		// Nothing else was asked.
		{httpOK + httpToolErr + httpUnknown + 1 + stdioOK + stdioToolErr + stdioUnknown + 1 + sseOK + sseToolErr + sseUnknown, nil},
		{httpOK + httpToolErr + httpUnknown, []string{"transport", "streamable"}},
	} {
		if v := metricstest.Sum(got, req, c.labels...); v != c.want {
			t.Errorf("%s%v = %v, want %v", req, c.labels, v, c.want)
		}
	}
	// The latency histogram counted every request once; nothing is in flight.
	if v := metricstest.Sum(got, "mcp_server_request_duration_seconds_count", "method", "tools/call", "era", "legacy", "transport", "stdio"); v != stdioOK+stdioToolErr {
		t.Errorf("legacy tools/call latency count = %v, want %d", v, stdioOK+stdioToolErr)
	}
	if v := metricstest.Sum(got, "mcp_server_request_duration_seconds_count"); v != httpOK+httpToolErr+httpUnknown+1+stdioOK+stdioToolErr+stdioUnknown+1+sseOK+sseToolErr+sseUnknown {
		t.Errorf("latency count = %v", v)
	}
	if v := metricstest.Sum(got, "mcp_server_requests_in_flight"); v != 0 {
		t.Errorf("in flight after the workload = %v", v)
	}
	// The stdio connection is one session; the 2026-07-28 requests opened none.
	if v := metricstest.Sum(got, "mcp_server_sessions", "transport", "stream"); v != 1 {
		t.Errorf("stream sessions = %v, want 1", v)
	}
	if v := metricstest.Sum(got, "mcp_server_sessions", "transport", "streamable"); v != 0 {
		t.Errorf("streamable sessions = %v, want 0", v)
	}
	// The HTTP+SSE session holds one session and one open stream.
	if v := metricstest.Sum(got, "mcp_server_sessions", "transport", "sse"); v != 1 {
		t.Errorf("sse sessions = %v, want 1", v)
	}
	if v := metricstest.Sum(got, "mcp_server_streams_open", "transport", "sse"); v != 1 {
		t.Errorf("sse streams open = %v, want 1", v)
	}
	stream.close()
}
