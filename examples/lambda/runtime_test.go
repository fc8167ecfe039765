package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/internal/servicetest"
)

// runtimeAPI is a stand-in for the Lambda Runtime API (the HTTP interface a custom runtime polls): it hands
// the function one queued event per GET .../invocation/next and collects what the function posts back.
type runtimeAPI struct {
	events  chan invocation
	results chan string // the response body, or "error: " + the error body
}

type invocation struct {
	id      string
	payload []byte
}

func (rt *runtimeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	const prefix = "/2018-06-01/runtime/invocation/"
	switch {
	case r.Method == http.MethodGet && r.URL.Path == prefix+"next":
		select {
		case inv := <-rt.events:
			h := w.Header()
			h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
			h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(30*time.Second).UnixMilli(), 10))
			h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:eu-west-1:123456789012:function:mcp")
			h.Set("Lambda-Runtime-Trace-Id", "Root=1-6565f2a1-0b1c2d3e4f5a6b7c8d9e0f1a;Parent=53995c3f42cd8ad8;Sampled=1")
			_, _ = w.Write(inv.payload)
		case <-r.Context().Done(): // the test ended: the function waits for an event that never comes
		}
	case r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, prefix):
		b, _ := io.ReadAll(r.Body)
		if strings.HasSuffix(r.URL.Path, "/error") {
			b = append([]byte("error: "), b...)
		}
		w.WriteHeader(http.StatusAccepted)
		rt.results <- string(b)
	default:
		http.Error(w, "not part of this fake runtime API", http.StatusNotFound)
	}
}

// TestRuntimeLoop: the example built as a Lambda custom runtime binary (bootstrap, -tags lambda.norpc)
// serves invocations from a Runtime API, as on Lambda: a legacy initialize, notifications/initialized and
// tools/call on the session it opened (one instance, memory store), and a 2026-07-28 tools/call.
func TestRuntimeLoop(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "bootstrap")
	if out, err := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	rt := &runtimeAPI{events: make(chan invocation, 1), results: make(chan string, 1)}
	api := httptest.NewServer(rt)
	t.Cleanup(func() {
		api.CloseClientConnections()
		api.Close()
	})
	t.Setenv("AWS_LAMBDA_RUNTIME_API", strings.TrimPrefix(api.URL, "http://"))
	t.Setenv("REDIS_URL", "")
	p, err := servicetest.Start(bin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Kill)

	n := 0
	invoke := func(body string, headers map[string]string) (status int, respHeaders map[string]string, respBody string) {
		t.Helper()
		n++
		h := map[string]string{"content-type": "application/json", "accept": "application/json, text/event-stream",
			"host": "abc.lambda-url.eu-west-1.on.aws"}
		for k, v := range headers {
			h[strings.ToLower(k)] = v
		}
		ev, _ := json.Marshal(map[string]any{"version": "2.0", "rawPath": "/mcp", "headers": h,
			"requestContext": map[string]any{"http": map[string]string{"method": "POST", "path": "/mcp", "protocol": "HTTP/1.1", "sourceIp": "198.51.100.1"}},
			"body":           body, "isBase64Encoded": false})
		rt.events <- invocation{id: "req-" + strconv.Itoa(n), payload: ev}
		select {
		case out := <-rt.results:
			var res struct {
				StatusCode int               `json:"statusCode"`
				Headers    map[string]string `json:"headers"`
				Body       string            `json:"body"`
			}
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatalf("invocation %d: %s", n, out)
			}
			return res.StatusCode, res.Headers, res.Body
		case <-p.Done():
			t.Fatalf("the function exited: %s", p.Output())
		case <-time.After(20 * time.Second):
			t.Fatalf("invocation %d: no answer in 20 s; function output: %s", n, p.Output())
		}
		return 0, nil, ""
	}

	status, h, body := invoke(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}`, nil)
	sid := h["Mcp-Session-Id"]
	if status != 200 || sid == "" || !strings.Contains(body, `"protocolVersion":"2025-11-25"`) {
		t.Fatalf("initialize: %d %v %s", status, h, body)
	}
	session := map[string]string{"Mcp-Session-Id": sid, "Mcp-Protocol-Version": "2025-11-25"}
	if status, _, body = invoke(`{"jsonrpc":"2.0","method":"notifications/initialized"}`, session); status != 202 {
		t.Fatalf("initialized: %d %s", status, body)
	}
	if status, _, body = invoke(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"add","arguments":{"a":5,"b":10}}}`, session); status != 200 || !strings.Contains(body, `"15"`) {
		t.Fatalf("legacy tools/call: %d %s", status, body)
	}
	status, _, body = invoke(`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2},`+
		`"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}`,
		map[string]string{"Mcp-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "add"})
	if status != 200 || !strings.Contains(body, `"3"`) || !strings.Contains(body, `"resultType":"complete"`) {
		t.Fatalf("2026-07-28 tools/call: %d %s", status, body)
	}
}
