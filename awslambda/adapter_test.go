package awslambda_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"go.uber.org/goleak"

	"github.com/mcpkit/mcpkit/awslambda"
	"github.com/mcpkit/mcpkit/internal/redistest"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/store/redis"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The adapter is what lambda.Start takes.
var _ lambda.Handler = (*awslambda.Adapter)(nil)

type addArgs struct {
	A int `json:"a"`
	B int `json:"b"`
}

// instance is one Lambda instance: a server, its Streamable HTTP handler and the adapter around it.
type instance struct {
	a *awslambda.Adapter
}

func newInstance(t *testing.T, opts *streamable.Options) *instance {
	t.Helper()
	s := server.New("lambda", "1", nil)
	server.Tool(s, "add", "adds", func(ctx context.Context, in addArgs) (int, error) { return in.A + in.B, nil })
	server.Tool(s, "chatty", "logs, then answers", func(ctx context.Context, _ struct{}) (string, error) {
		server.Log(ctx).Info("working")
		return "done", nil
	})
	o := streamable.Options{AllowAnyHost: true} // the gateway checks Host
	if opts != nil {
		o = *opts
		o.AllowAnyHost = true
	}
	h := s.Handler(&o)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = h.Close(ctx)
		s.Close()
	})
	return &instance{a: awslambda.New(h, nil)}
}

// event builds an invocation payload from a recorded event (testdata/<kind>.json): the recorded request
// with this method, body and extra headers; the function URL recording carries its body in base64.
func event(t *testing.T, kind, method, body string, headers map[string]string) []byte {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + kind + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	ev["requestContext"].(map[string]any)["http"].(map[string]any)["method"] = method
	hs := ev["headers"].(map[string]any)
	delete(hs, "content-length")
	for k, v := range headers {
		hs[strings.ToLower(k)] = v
	}
	if ev["isBase64Encoded"] == true {
		ev["body"] = base64.StdEncoding.EncodeToString([]byte(body))
	} else {
		ev["body"] = body
	}
	b, _ := json.Marshal(ev)
	return b
}

// invoke runs one invocation and decodes the response event.
func (in *instance) invoke(t *testing.T, payload []byte) events.APIGatewayV2HTTPResponse {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := in.a.Invoke(ctx, payload)
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	var res events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("response %s: %v", out, err)
	}
	return res
}

// resultOf returns the JSON-RPC response in a response body, JSON or SSE.
func resultOf(t *testing.T, res events.APIGatewayV2HTTPResponse) map[string]any {
	t.Helper()
	body := res.Body
	if res.IsBase64Encoded {
		b, _ := base64.StdEncoding.DecodeString(body)
		body = string(b)
	}
	if strings.HasPrefix(res.Headers["Content-Type"], "text/event-stream") {
		var last string
		for _, line := range strings.Split(body, "\n") {
			if d, ok := strings.CutPrefix(line, "data: "); ok && strings.Contains(d, `"id"`) {
				last = d
			}
		}
		body = last
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("HTTP %d body %q: %v", res.StatusCode, body, err)
	}
	return m
}

const modernMeta = `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}`

var modernHeaders = map[string]string{"Mcp-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "add"}

// TestStateless: a 2026-07-28 tools/call in one API Gateway HTTP API event and in one function URL event
// (base64 body) is answered in the response event, on a fresh instance each time: no state needed.
func TestStateless(t *testing.T) {
	for _, kind := range []string{"apigw-v2", "function-url"} {
		t.Run(kind, func(t *testing.T) {
			in := newInstance(t, nil)
			res := in.invoke(t, event(t, kind, "POST",
				`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"add","arguments":{"a":2,"b":40},`+modernMeta+`}}`, modernHeaders))
			if res.StatusCode != 200 {
				t.Fatalf("HTTP %d %s", res.StatusCode, res.Body)
			}
			m := resultOf(t, res)
			r, _ := m["result"].(map[string]any)
			if m["id"] != 7.0 || r == nil || !strings.Contains(decoded(res), "42") {
				t.Fatalf("answer %v", m)
			}
			if r["resultType"] != "complete" {
				t.Errorf("resultType %v, want complete", r["resultType"])
			}
		})
	}
}

func decoded(res events.APIGatewayV2HTTPResponse) string {
	if !res.IsBase64Encoded {
		return res.Body
	}
	b, _ := base64.StdEncoding.DecodeString(res.Body)
	return string(b)
}

// legacySession runs initialize on first, then notifications/initialized and tools/call on second (the
// same instance, or another one sharing the store), alternating the two recorded event kinds. It returns
// the status of the call.
func legacySession(t *testing.T, first, second *instance) (int, string) {
	t.Helper()
	res := first.invoke(t, event(t, "function-url", "POST",
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}`, nil))
	sid := res.Headers["Mcp-Session-Id"]
	if res.StatusCode != 200 || sid == "" {
		t.Fatalf("initialize: HTTP %d %v %s", res.StatusCode, res.Headers, res.Body)
	}
	if v := resultOf(t, res)["result"].(map[string]any)["protocolVersion"]; v != "2025-11-25" {
		t.Fatalf("negotiated %v", v)
	}
	h := map[string]string{"Mcp-Session-Id": sid, "Mcp-Protocol-Version": "2025-11-25"}
	res = second.invoke(t, event(t, "apigw-v2", "POST", `{"jsonrpc":"2.0","method":"notifications/initialized"}`, h))
	if res.StatusCode != 202 {
		return res.StatusCode, res.Body
	}
	res = second.invoke(t, event(t, "apigw-v2", "POST",
		`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"add","arguments":{"a":20,"b":22}}}`, h))
	if res.StatusCode != 200 {
		return res.StatusCode, res.Body
	}
	m := resultOf(t, res)
	if m["id"] != 2.0 || !strings.Contains(decoded(res), "42") {
		t.Fatalf("tools/call answer %v", m)
	}
	// DELETE ends the session.
	res = second.invoke(t, event(t, "apigw-v2", "DELETE", "", h))
	if res.StatusCode != 200 && res.StatusCode != 204 {
		t.Errorf("DELETE: HTTP %d %s", res.StatusCode, res.Body)
	}
	return 200, ""
}

// TestLegacyMemory: a legacy session (initialize, initialized, call) on one instance with the memory
// store; a second instance with its own memory store does not know the session (404, which tells a
// client to initialize again): legacy sessions across instances need a shared store.
func TestLegacyMemory(t *testing.T) {
	in := newInstance(t, nil)
	if code, body := legacySession(t, in, in); code != 200 {
		t.Fatalf("same instance: HTTP %d %s", code, body)
	}
	if code, _ := legacySession(t, in, newInstance(t, nil)); code != 404 {
		t.Fatalf("another instance with its own memory store: HTTP %d, want 404", code)
	}
}

// TestLegacyRedis: with the Redis store (a real redis-server), a session opened on one instance is
// served by another: initialize on A, then notifications/initialized, tools/call and DELETE on B.
func TestLegacyRedis(t *testing.T) {
	rs := redistest.Start(t)
	opts := func() *streamable.Options {
		st, err := redis.Open(rs.URL(0), redis.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		return &streamable.Options{Sessions: st.Sessions, Events: st.Events}
	}
	a, b := newInstance(t, opts()), newInstance(t, opts())
	if code, body := legacySession(t, a, b); code != 200 {
		t.Fatalf("session opened on A, used on B: HTTP %d %s", code, body)
	}
}

// TestAdapterEdges: a GET (the standalone SSE stream) is 405 with Allow; an oversize body is 413 before
// the handler; an event that is not an HTTP event of payload 2.0 is an invocation error; a body that is
// not base64 although the event says so is an error too.
func TestAdapterEdges(t *testing.T) {
	in := newInstance(t, nil)
	res := in.invoke(t, event(t, "apigw-v2", "GET", "", nil))
	if res.StatusCode != 405 || res.Headers["Allow"] != "POST, DELETE" {
		t.Errorf("GET: HTTP %d %v", res.StatusCode, res.Headers)
	}
	small := awslambda.New(nil, &awslambda.Options{MaxBodyBytes: 10})
	out, err := small.Invoke(context.Background(), event(t, "apigw-v2", "POST", `{"jsonrpc":"2.0","id":1,"method":"ping"}`, nil))
	if err != nil || !strings.Contains(string(out), `"statusCode":413`) {
		t.Errorf("oversize: %s %v", out, err)
	}
	for _, bad := range []string{`[]`, `{"version":"1.0","httpMethod":"POST"}`, `{"version":"2.0","requestContext":{}}`} {
		if _, err := in.a.Invoke(context.Background(), []byte(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
	ev := event(t, "apigw-v2", "POST", "x", nil)
	ev = []byte(strings.Replace(string(ev), `"isBase64Encoded":false`, `"isBase64Encoded":true`, 1))
	if _, err := in.a.Invoke(context.Background(), ev); err == nil || !strings.Contains(err.Error(), "base64") {
		t.Errorf("bad base64: %v", err)
	}
}

// TestStreamedAnswer: a 2026-07-28 call whose handler sends a log notification first is answered as an
// SSE stream, buffered whole into the response event: the notification, then the result.
func TestStreamedAnswer(t *testing.T) {
	in := newInstance(t, nil)
	h := map[string]string{"Mcp-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "chatty"}
	res := in.invoke(t, event(t, "function-url", "POST", `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"chatty","arguments":{},`+
		`"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/logLevel":"info"}}}`, h))
	body := decoded(res)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Headers["Content-Type"], "text/event-stream") {
		t.Fatalf("HTTP %d %v %s", res.StatusCode, res.Headers, body)
	}
	log, result := strings.Index(body, "notifications/message"), strings.Index(body, `"done"`)
	if log < 0 || result < 0 || log > result {
		t.Fatalf("want the log event, then the result: %s", body)
	}
	if m := resultOf(t, res); m["id"] != 3.0 {
		t.Fatalf("answer %v", m)
	}
}
