package main

import (
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/metrics/metricstest"
)

// writeDemoGatewayConfig writes a host config file whose one server, "demo", is `mcpkit serve --stdio`
// with args added, and env (a JSON object, or "") as its environment.
func writeDemoGatewayConfig(t *testing.T, env string, args ...string) string {
	t.Helper()
	argv := `"serve", "--stdio"`
	for _, a := range args {
		argv += ", " + strconv.Quote(a)
	}
	entry := `"command": ` + strconv.Quote(binary) + `, "args": [` + argv + `]`
	if env != "" {
		entry += `, "env": ` + env
	}
	path := filepath.Join(t.TempDir(), "mcp.json")
	if err := os.WriteFile(path, []byte(`{"mcpServers": {"demo": {`+entry+`}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestGatewayMetrics: `mcpkit gateway --metrics` serves /metrics beside /mcp; after the scripted workload
// of TestServeMetrics on the upstream's demo__add, in both eras, the gateway's request counts are exactly
// that workload.
func TestGatewayMetrics(t *testing.T) {
	gw := startGateway(t, "--config", writeDemoGatewayConfig(t, ""), "--poll", "1h", "--metrics")
	checkWorkloadMetrics(t, gw.base, "demo__add")
}

// TestGatewayRateLimit: `mcpkit gateway --rate-limit 0.01:2 --metrics` lets a caller send two requests
// at once and answers the third (within the 100 s a token takes) 429 with the -32000 error; /healthz and
// /metrics are not limited, and the refusal is counted.
func TestGatewayRateLimit(t *testing.T) {
	gw := startGateway(t, "--config", writeDemoGatewayConfig(t, ""), "--poll", "1h", "--rate-limit", "0.01:2", "--metrics")
	url := gw.base + "/mcp"
	initBody := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`
	for i := range 2 {
		if status, _, body := post(t, url, "", initBody); status != http.StatusOK {
			t.Fatalf("initialize %d within the burst: %d %s", i, status, body)
		}
	}
	if status, _, body := post(t, url, "", initBody); status != http.StatusTooManyRequests || !strings.Contains(body, `"code":-32000`) {
		t.Fatalf("third initialize: %d %s, want 429 and -32000 (serve's answer: TestServeRateLimit checks its Retry-After)", status, body)
	}
	for range 3 {
		if status, _ := getProbe(t, gw.base+"/healthz"); status != http.StatusOK {
			t.Fatalf("/healthz limited: %d", status)
		}
	}
	got := samples(t, gw.base+"/metrics")
	if v := metricstest.Sum(got, "mcp_ratelimit_refused_total"); v != 1 {
		t.Errorf("mcp_ratelimit_refused_total = %v, want 1", v)
	}
	if v := metricstest.Sum(got, "mcp_server_requests_total", "method", "initialize"); v != 2 {
		t.Errorf("initialize requests = %v, want the 2 admitted", v)
	}
}

// TestGatewayOTel: `mcpkit gateway --otel` exports, to the OTLP/HTTP collector the standard variables
// name, the spans of its downstream server and of its upstream session; the upstream (`mcpkit serve
// --stdio --otel`, OTEL_SERVICE_NAME=upstream from its config entry's env) exports its own to the same
// collector. In both downstream eras one trace runs: our client's span → the gateway's server span of
// tools/call demo__add → the gateway's client span of tools/call add → the upstream's server span.
func TestGatewayOTel(t *testing.T) {
	recv := startCollector(t, "gateway") // the upstream child inherits the variables, but its service name
	gw := startGateway(t, "--config", writeDemoGatewayConfig(t, `{"OTEL_SERVICE_NAME": "upstream"}`, "--otel"), "--poll", "1h", "--otel")
	tp, exp := testTracer(t)
	for _, v := range []string{mcp.Version20251125, mcp.Version20260728} {
		t.Run(v, func(t *testing.T) {
			traceID, clientSpan := tracedAdd(t, gw.base+"/mcp", v, "demo__add", tp, exp)
			want := []struct {
				service, name string
				kind          tracepb.Span_SpanKind
				version       string
			}{
				{"gateway", "tools/call demo__add", tracepb.Span_SPAN_KIND_SERVER, v},
				{"gateway", "tools/call add", tracepb.Span_SPAN_KIND_CLIENT, ""},
				{"upstream", "tools/call add", tracepb.Span_SPAN_KIND_SERVER, ""},
			}
			var chain []*tracepb.Span
			for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
				chain = chain[:0]
				for _, w := range want {
					if s := recv.findFrom(traceID, w.service, w.name, w.kind); s != nil {
						chain = append(chain, s)
					}
				}
				if len(chain) == len(want) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("trace %s: %d of the %d spans exported in 15 s:\n%s", traceID, len(chain), len(want), recv.dump())
				}
			}
			parent := clientSpan
			for i, s := range chain {
				if p := hex.EncodeToString(s.ParentSpanId); p != parent {
					t.Errorf("%s %s (%v): parent %s, want %s", want[i].service, s.Name, s.Kind, p, parent)
				}
				parent = hex.EncodeToString(s.SpanId)
				if got := spanAttr(s, "mcp.method.name"); got != "tools/call" {
					t.Errorf("%s %s: mcp.method.name %q", want[i].service, s.Name, got)
				}
				if w := want[i].version; w != "" && spanAttr(s, "mcp.protocol.version") != w {
					t.Errorf("%s %s: mcp.protocol.version %q, want %q", want[i].service, s.Name, spanAttr(s, "mcp.protocol.version"), w)
				}
			}
			if tool := spanAttr(chain[0], "gen_ai.tool.name"); tool != "demo__add" {
				t.Errorf("gateway server span: gen_ai.tool.name %q", tool)
			}
			if tool := spanAttr(chain[2], "gen_ai.tool.name"); tool != "add" {
				t.Errorf("upstream server span: gen_ai.tool.name %q", tool)
			}
			if tr := spanAttr(chain[2], "network.transport"); tr != "pipe" {
				t.Errorf("upstream server span: network.transport %q, want pipe", tr)
			}
		})
	}
	recv.mu.Lock()
	defer recv.mu.Unlock()
	if len(recv.refused) > 0 {
		t.Errorf("the collector refused: %v", recv.refused)
	}
}

// findFrom returns the exported span of trace traceID named name, of kind k, from service (any service
// when ""), nil until it arrived.
func (r *otlpReceiver) findFrom(traceID, service, name string, k tracepb.Span_SpanKind) *tracepb.Span {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.spans {
		if (service == "" || s.service == service) && s.span.Name == name && s.span.Kind == k && hex.EncodeToString(s.span.TraceId) == traceID {
			return s.span
		}
	}
	return nil
}

// dump lists the spans received, for a failure message.
func (r *otlpReceiver) dump() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	for _, s := range r.spans {
		b.WriteString("  " + s.service + " " + s.span.Name + " " + s.span.Kind.String() + " trace " + hex.EncodeToString(s.span.TraceId) +
			" span " + hex.EncodeToString(s.span.SpanId) + " parent " + hex.EncodeToString(s.span.ParentSpanId) + "\n")
	}
	return b.String()
}
