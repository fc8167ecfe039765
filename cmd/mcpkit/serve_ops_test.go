package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/internal/redistest"
	"github.com/mcpkit/mcpkit/internal/servicetest"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/metrics/metricstest"
)

// getProbe GETs url and returns the status and body.
func getProbe(t *testing.T, url string) (int, string) {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

// samples reads a /metrics page into series → value.
func samples(t *testing.T, url string) map[string]float64 {
	t.Helper()
	status, body := getProbe(t, url)
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d", url, status)
	}
	return metricstest.Parse(t, strings.NewReader(body))
}

// TestServeMetrics: `mcpkit serve --metrics` serves /healthz, /readyz and /metrics beside /mcp; after a
// scripted workload in both eras (tools/call answered, tools/call refused by the tool's input schema — an
// isError result —, unknown methods), /metrics counts exactly that.
func TestServeMetrics(t *testing.T) {
	base := strings.TrimSuffix(serveHTTP(t, "--metrics"), "/mcp")
	if status, body := getProbe(t, base+"/healthz"); status != 200 || body != `{"status":"ok"}` {
		t.Fatalf("/healthz: %d %s", status, body)
	}
	if status, body := getProbe(t, base+"/readyz"); status != 200 || body != `{"status":"ready"}` {
		t.Fatalf("/readyz: %d %s", status, body)
	}
	checkWorkloadMetrics(t, base, "add")
}

// checkWorkloadMetrics runs a scripted workload on the MCP endpoint at base+"/mcp", in both eras, calling
// tool (which adds a and b): answered calls, calls refused by the tool's input schema (an isError
// result), unknown methods; then it scrapes base+"/metrics" and checks that the request counts are
// exactly that, one legacy session open and nothing in flight.
func checkWorkloadMetrics(t *testing.T, base, tool string) {
	t.Helper()
	url := base + "/mcp"
	const okN, errN, unknownN = 4, 3, 2
	meta := `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}`
	for i := range okN {
		status, _, body := postModern(t, url, tool, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"`+tool+`","arguments":{"a":`+strconv.Itoa(i)+`,"b":1},`+meta+`}}`)
		if status != 200 || strings.Contains(body, `"isError":true`) {
			t.Fatalf("modern %s: %d %s", tool, status, body)
		}
	}
	for range errN {
		status, _, body := postModern(t, url, tool, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"`+tool+`","arguments":{"a":"x","b":1},`+meta+`}}`)
		if status != 200 || !strings.Contains(body, `"isError":true`) {
			t.Fatalf("modern %s with a bad argument: %d %s", tool, status, body)
		}
	}
	for range unknownN {
		status, _, body := post(t, url, "", `{"jsonrpc":"2.0","id":1,"method":"no/such","params":{`+meta+`}}`, "MCP-Protocol-Version", "2026-07-28", "Mcp-Method", "no/such")
		if !strings.Contains(body, `"code":-32601`) {
			t.Fatalf("modern unknown method: %d %s", status, body)
		}
	}
	status, sid, body := post(t, url, "", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	if status != 200 || sid == "" {
		t.Fatalf("initialize: %d %s", status, body)
	}
	post(t, url, sid, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	for range okN {
		if status, _, body := post(t, url, sid, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"`+tool+`","arguments":{"a":1,"b":2}}}`); status != 200 || strings.Contains(body, `"isError":true`) {
			t.Fatalf("legacy %s: %d %s", tool, status, body)
		}
	}
	for range errN {
		if status, _, body := post(t, url, sid, `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"`+tool+`","arguments":{"a":"x"}}}`); status != 200 || !strings.Contains(body, `"isError":true`) {
			t.Fatalf("legacy %s with a bad argument: %d %s", tool, status, body)
		}
	}
	for range unknownN {
		if _, _, body := post(t, url, sid, `{"jsonrpc":"2.0","id":4,"method":"no/such"}`); !strings.Contains(body, `"code":-32601`) {
			t.Fatalf("legacy unknown method: %s", body)
		}
	}

	got := samples(t, base+"/metrics")
	for _, c := range []struct {
		want   float64
		labels []string
	}{
		{okN, []string{"era", "modern", "method", "tools/call", "outcome", "ok", "transport", "streamable"}},
		{errN, []string{"era", "modern", "method", "tools/call", "outcome", "tool_error", "transport", "streamable"}},
		{unknownN, []string{"era", "modern", "method", "other", "outcome", "method_not_found", "transport", "streamable"}},
		{1, []string{"era", "legacy", "method", "initialize", "outcome", "ok"}},
		{okN, []string{"era", "legacy", "method", "tools/call", "outcome", "ok", "transport", "streamable"}},
		{errN, []string{"era", "legacy", "method", "tools/call", "outcome", "tool_error", "transport", "streamable"}},
		{unknownN, []string{"era", "legacy", "method", "other", "outcome", "method_not_found", "transport", "streamable"}},
		{2*(okN+errN+unknownN) + 1, nil},
	} {
		if v := metricstest.Sum(got, "mcp_server_requests_total", c.labels...); v != c.want {
			t.Errorf("mcp_server_requests_total%v = %v, want %v", c.labels, v, c.want)
		}
	}
	if v := metricstest.Sum(got, "mcp_server_sessions", "transport", "streamable"); v != 1 {
		t.Errorf("streamable sessions = %v, want 1", v)
	}
	if v := metricstest.Sum(got, "mcp_server_requests_in_flight"); v != 0 {
		t.Errorf("in flight = %v, want 0", v)
	}
}

// TestServeReadyzDraining: after SIGTERM, while a call still runs (the node drains), /readyz answers 503
// draining and /healthz still 200; the call then finishes and the node exits 0.
func TestServeReadyzDraining(t *testing.T) {
	n := startNode(t, "--drain-timeout", "10s")
	base := n.target.String()
	url := base + "/mcp"
	if status, _ := getProbe(t, base+"/readyz"); status != 200 {
		t.Fatalf("/readyz before SIGTERM: %d", status)
	}
	status, sid, body := post(t, url, "", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	if status != http.StatusOK || sid == "" {
		t.Fatalf("initialize: %d %s", status, body)
	}
	post(t, url, sid, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	// wait runs 3 s, a progress notification every 100 ms: the drain lasts as long.
	call := openSSE(t, http.MethodPost, url, sid, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"wait","arguments":{"seconds":3},"_meta":{"progressToken":"t"}}}`)
	select {
	case <-call: // the call runs: its first event arrived
	case <-time.After(10 * time.Second):
		t.Fatal("wait sent nothing within 10 s")
	}
	if err := n.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	draining := false
	for i := 0; i < 200 && !draining; i++ {
		status, body := getProbe(t, base+"/readyz")
		switch {
		case status == 503 && body == `{"status":"draining"}`:
			draining = true
		case status == 200:
			time.Sleep(5 * time.Millisecond) // the signal has not landed yet
		default:
			t.Fatalf("/readyz during the drain: %d %s", status, body)
		}
	}
	if !draining {
		t.Fatal("/readyz kept answering ready after SIGTERM")
	}
	if status, _ := getProbe(t, base+"/healthz"); status != 200 {
		t.Fatalf("/healthz during the drain: %d, want 200 (alive)", status)
	}
	for range call { // the call finishes
	}
	if code := exitCode(t, n.cmd, 15*time.Second); code != 0 {
		t.Fatalf("exit %d after the drain", code)
	}
}

// TestServeReadyzRedisDown: `mcpkit serve --redis` is ready while Redis answers and 503 naming redis once
// the redis-server is killed; alive all along.
func TestServeReadyzRedisDown(t *testing.T) {
	rs := redistest.Start(t)
	base := strings.TrimSuffix(serveHTTP(t, "--redis", rs.URL(0), "--metrics"), "/mcp")
	if status, body := getProbe(t, base+"/readyz"); status != 200 {
		t.Fatalf("/readyz with Redis up: %d %s", status, body)
	}
	rs.Stop()
	if status, body := getProbe(t, base+"/readyz"); status != 503 || body != `{"status":"unavailable","failed":["redis"]}` {
		t.Fatalf("/readyz with Redis killed: %d %s", status, body)
	}
	if status, _ := getProbe(t, base+"/healthz"); status != 200 {
		t.Fatalf("/healthz with Redis killed: %d", status)
	}
	// A session can no longer be created: the store's failures are counted.
	post(t, base+"/mcp", "", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	got := samples(t, base+"/metrics")
	if v := metricstest.Sum(got, "mcp_store_operations_total", "store", "redis", "outcome", "error"); v < 1 {
		t.Errorf("store errors counted with Redis killed: %v, want ≥ 1", v)
	}
	if v := metricstest.Sum(got, "mcp_server_refused_total", "transport", "streamable", "limit", "store_unavailable"); v < 1 {
		t.Errorf("store_unavailable refusals: %v, want ≥ 1", v)
	}
}

// TestServeRateLimit: `mcpkit serve --rate-limit 0.5:2` lets a burst of 2 through, answers the third 429
// with Retry-After (a token every 2 s), and lets one through again once the bucket refilled. The probes are
// not limited.
func TestServeRateLimit(t *testing.T) {
	url := serveHTTP(t, "--rate-limit", "0.5:2", "--metrics")
	base := strings.TrimSuffix(url, "/mcp")
	meta := `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}`
	call := func() (int, string, http.Header) {
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"jsonrpc":"2.0","id":"r1","method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2},`+meta+`}}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("MCP-Protocol-Version", "2026-07-28")
		req.Header.Set("Mcp-Method", "tools/call")
		req.Header.Set("Mcp-Name", "add")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}
	var refused http.Header
	var body string
	for i := 0; i < 4 && refused == nil; i++ { // a burst of 2; a third within 2 s is refused
		status, b, h := call()
		switch status {
		case http.StatusOK:
		case http.StatusTooManyRequests:
			refused, body = h, b
		default:
			t.Fatalf("call %d: %d %s", i+1, status, b)
		}
	}
	if refused == nil {
		t.Fatal("no 429 after four calls at --rate-limit 0.5:2")
	}
	retry, err := strconv.Atoi(refused.Get("Retry-After"))
	if err != nil || retry < 1 || !strings.Contains(body, `"id":"r1"`) || !strings.Contains(body, `"code":-32000`) {
		t.Fatalf("429: Retry-After %q, body %s", refused.Get("Retry-After"), body)
	}
	for range 5 { // probes and /metrics are outside the limit
		if status, _ := getProbe(t, base+"/readyz"); status != 200 {
			t.Fatalf("/readyz while limited: %d", status)
		}
	}
	time.Sleep(time.Duration(retry) * time.Second)
	if status, b, _ := call(); status != http.StatusOK {
		t.Fatalf("after Retry-After (%d s): %d %s", retry, status, b)
	}
	if v := metricstest.Sum(samples(t, base+"/metrics"), "mcp_ratelimit_refused_total"); v != 1 {
		t.Errorf("mcp_ratelimit_refused_total = %v, want 1", v)
	}
}

// TestServeOpsFlagRefusals: --metrics with --stdio and a malformed --rate-limit are usage errors.
func TestServeOpsFlagRefusals(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--stdio", "--metrics"},
		{"serve", "--addr", "127.0.0.1:0", "--rate-limit", "0"},
		{"serve", "--addr", "127.0.0.1:0", "--rate-limit", "5:x"},
	} {
		if _, stderr, code := mcpkit(t, args...); code != exitUsage || stderr == "" {
			t.Errorf("%v: exit %d, want %d; stderr:\n%s", args, code, exitUsage, stderr)
		}
	}
}

// TestServeStdioRateLimit: `mcpkit serve --stdio --rate-limit 0.001:5` answers 5 of 20 piped requests and
// refuses the other 15 in band with -32000 and data.retryAfter (no token comes back within the run).
func TestServeStdioRateLimit(t *testing.T) {
	var input bytes.Buffer
	for i := range 20 {
		fmt.Fprintf(&input, `{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":1},%s}}`+"\n", i, modernMeta)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "serve", "--stdio", "--rate-limit", "0.001:5")
	cmd.Stdin = &input
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v; stderr:\n%s", err, stderr.String())
	}
	ok, limited := 0, 0
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		m, err := jsonrpc.DecodeMessage(sc.Bytes())
		switch {
		case err != nil:
			t.Fatalf("reply %s: %v", sc.Bytes(), err)
		case m.Error == nil:
			ok++
		case m.Error.Code == jsonrpc.CodeOverloaded && strings.Contains(string(m.Error.Data), `"retryAfter":`):
			limited++
		default:
			t.Fatalf("reply %s", sc.Bytes())
		}
	}
	if ok != 5 || limited != 15 {
		t.Fatalf("%d answered, %d limited; want 5 and 15", ok, limited)
	}
}

// TestServeMetricsAuthRefusals: with --dev-auth, requests without a token or with a bad one are refused by
// the auth middleware and counted by reason; the probes and /metrics need no token.
func TestServeMetricsAuthRefusals(t *testing.T) {
	addr, _ := servicetest.Listening(t, "mcpkit serve --dev-auth --metrics", binary, func(addr string) []string {
		return []string{"serve", "--addr", addr, "--dev-auth", "--metrics"}
	})
	base := "http://" + addr
	init := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`
	for range 3 {
		if status, _, _ := post(t, base+"/mcp", "", init); status != http.StatusUnauthorized {
			t.Fatalf("without a token: %d, want 401", status)
		}
	}
	if status, _, _ := post(t, base+"/mcp", "", init, "Authorization", "Bearer not-a-jwt"); status != http.StatusUnauthorized {
		t.Fatalf("with a bad token: %d, want 401", status)
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		if status, body := getProbe(t, base+p); status != 200 {
			t.Fatalf("%s behind --dev-auth: %d %s", p, status, body)
		}
	}
	got := samples(t, base+"/metrics")
	if v := metricstest.Sum(got, "mcp_auth_refused_total", "reason", "missing_token"); v != 3 {
		t.Errorf("missing_token refusals = %v, want 3", v)
	}
	if v := metricstest.Sum(got, "mcp_auth_refused_total", "reason", "invalid_token"); v != 1 {
		t.Errorf("invalid_token refusals = %v, want 1", v)
	}
	if v := metricstest.Sum(got, "mcp_server_requests_total"); v != 0 {
		t.Errorf("%v requests reached the server, want 0", v)
	}
}
