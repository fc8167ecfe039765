package streamable_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

type countArgs struct {
	N int `json:"n"`
}

// progressServer has a tool that reports progress n times, one step per tick of the step channel.
func progressServer(step <-chan struct{}) *server.Server {
	s := server.New("t", "1", nil)
	server.Tool(s, "count", "reports progress", func(ctx context.Context, in countArgs) (string, error) {
		for i := 1; i <= in.N; i++ {
			select {
			case <-step:
			case <-ctx.Done():
				return "", ctx.Err()
			}
			_ = server.Progress(ctx, float64(i), float64(in.N), "")
		}
		return "counted", nil
	})
	return s
}

// TestResumeAfterCut: a tool sends 10 progress notifications; the connection is cut after 3; the client
// resumes with Last-Event-ID and gets exactly the other 7 and the result, none twice.
func TestResumeAfterCut(t *testing.T) {
	step := make(chan struct{})
	e := newEnv(t, progressServer(step), nil)
	sid := e.initialize(mcp.Version20251125)
	ctx, cut := context.WithCancel(context.Background())
	// The response headers come with the first notification, which waits for the first step.
	go func() { step <- struct{}{} }()
	resp := e.do(ctx, "POST", `{"jsonrpc":"2.0","id":42,"method":"tools/call","params":{"name":"count","arguments":{"n":10},"_meta":{"progressToken":"tok"}}}`,
		"Content-Type: application/json", "Accept: application/json, text/event-stream", "Mcp-Session-Id: "+sid)
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("a request that sends notifications is answered with %q, want an SSE stream", ct)
	}
	sse := newSSE(resp.Body)
	prime, err := sse.next()
	if err != nil || prime.id == "" || !prime.retry || prime.data != "" {
		t.Fatalf("priming event = %+v, %v", prime, err)
	}
	var lastID string
	seen := map[string]bool{}
	for i := 1; i <= 3; i++ {
		if i > 1 {
			step <- struct{}{}
		}
		ev, err := sse.next()
		if err != nil || !strings.Contains(ev.data, fmt.Sprintf(`"progress":%d`, i)) {
			t.Fatalf("event %d = %+v, %v", i, ev, err)
		}
		lastID = ev.id
		seen[ev.data] = true
	}
	cut()
	resp.Body.Close()
	// The tool goes on: a legacy client's disconnect is not a cancellation.
	for range 7 {
		step <- struct{}{}
	}
	time.Sleep(50 * time.Millisecond)

	get := e.do(context.Background(), "GET", "", "Mcp-Session-Id: "+sid, "Accept: text/event-stream", "Last-Event-ID: "+lastID)
	defer get.Body.Close()
	if get.StatusCode != 200 {
		t.Fatalf("resume: %d", get.StatusCode)
	}
	rs := newSSE(get.Body)
	var progress []string
	for {
		ev, err := rs.next()
		if err != nil {
			t.Fatalf("resumed stream ended early after %v: %v", progress, err)
		}
		if seen[ev.data] {
			t.Fatalf("event delivered twice: %s", ev.data)
		}
		seen[ev.data] = true
		if strings.Contains(ev.data, `"id":42`) {
			if !strings.Contains(ev.data, "counted") {
				t.Fatalf("result = %s", ev.data)
			}
			break
		}
		progress = append(progress, ev.data)
	}
	if len(progress) != 7 || !strings.Contains(progress[0], `"progress":4`) || !strings.Contains(progress[6], `"progress":10`) {
		t.Fatalf("resumed progress = %v", progress)
	}
}

// TestResumeFollowsLiveStream: the resumed GET keeps following a request still running.
func TestResumeFollowsLiveStream(t *testing.T) {
	step := make(chan struct{})
	e := newEnv(t, progressServer(step), nil)
	sid := e.initialize(mcp.Version20251125)
	ctx, cut := context.WithCancel(context.Background())
	go func() { step <- struct{}{} }()
	resp := e.do(ctx, "POST", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"count","arguments":{"n":4},"_meta":{"progressToken":1}}}`,
		"Content-Type: application/json", "Accept: application/json, text/event-stream", "Mcp-Session-Id: "+sid)
	sse := newSSE(resp.Body)
	_, _ = sse.next() // priming
	ev, err := sse.next()
	if err != nil {
		t.Fatal(err)
	}
	cut()
	resp.Body.Close()
	time.Sleep(20 * time.Millisecond)
	get := e.do(context.Background(), "GET", "", "Mcp-Session-Id: "+sid, "Accept: text/event-stream", "Last-Event-ID: "+ev.id)
	defer get.Body.Close()
	rs := newSSE(get.Body)
	for i := 2; i <= 4; i++ {
		step <- struct{}{}
		ev, err := rs.next()
		if err != nil || !strings.Contains(ev.data, fmt.Sprintf(`"progress":%d`, i)) {
			t.Fatalf("live event %d = %+v, %v", i, ev, err)
		}
	}
	if ev, err := rs.next(); err != nil || !strings.Contains(ev.data, "counted") {
		t.Fatalf("result = %+v, %v", ev, err)
	}
}

// TestModernDropCancelsHandler: closing a 2026-07-28 response stream cancels the handler's context.
func TestModernDropCancelsHandler(t *testing.T) {
	started := make(chan struct{})
	cancelled := make(chan error, 1)
	s := server.New("t", "1", nil)
	server.Tool(s, "wait", "waits", func(ctx context.Context, in struct{}) (string, error) {
		close(started)
		<-ctx.Done()
		cancelled <- ctx.Err()
		return "", ctx.Err()
	})
	e := newEnv(t, s, nil)
	ctx, drop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		req := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"wait",` + modernMeta + `}}`
		resp, err := e.doErr(ctx, req, modernHeaders("tools/call", "wait")...)
		if err == nil {
			resp.Body.Close()
		}
	}()
	<-started
	drop()
	select {
	case err := <-cancelled:
		if err == nil {
			t.Fatal("handler context ended without an error")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("dropping the stream did not cancel the handler")
	}
	<-done
}

// TestListChangedOnGetStream: a legacy session's GET stream carries list_changed.
func TestListChangedOnGetStream(t *testing.T) {
	s := server.New("t", "1", nil)
	e := newEnv(t, s, nil)
	sid := e.initialize(mcp.Version20251125)
	get := e.do(context.Background(), "GET", "", "Mcp-Session-Id: "+sid, "Accept: text/event-stream")
	defer get.Body.Close()
	rs := newSSE(get.Body)
	if _, err := rs.next(); err != nil { // priming
		t.Fatal(err)
	}
	server.Tool(s, "late", "added while serving", func(ctx context.Context, in struct{}) (string, error) { return "", nil })
	ev, err := rs.next()
	if err != nil || !strings.Contains(ev.data, "notifications/tools/list_changed") {
		t.Fatalf("event = %+v, %v", ev, err)
	}
}

// TestSubscriptionsListen: acknowledgement first, then only the opted-in notifications, tagged with the
// subscription id.
func TestSubscriptionsListen(t *testing.T) {
	s := server.New("t", "1", nil)
	e := newEnv(t, s, &streamable.Options{KeepAlive: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	resp := e.do(ctx, "POST", `{"jsonrpc":"2.0","id":"sub-1","method":"subscriptions/listen","params":{"notifications":{"promptsListChanged":true,"resourceSubscriptions":["a://1"]},`+modernMeta+`}}`,
		append(modernHeaders("subscriptions/listen"), "Content-Type: application/json", "Accept: application/json, text/event-stream")...)
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("listen: %d %v", resp.StatusCode, readJSON(t, resp))
	}
	rs := newSSE(resp.Body)
	ack, err := rs.next()
	if err != nil || !strings.Contains(ack.data, "notifications/subscriptions/acknowledged") || !strings.Contains(ack.data, `"io.modelcontextprotocol/subscriptionId":"sub-1"`) {
		t.Fatalf("ack = %+v, %v", ack, err)
	}
	server.Tool(s, "x", "not asked for", func(ctx context.Context, in struct{}) (string, error) { return "", nil })
	s.ResourceUpdated("b://2") // not asked for
	server.Prompt(s, "p", "asked for", func(ctx context.Context, in struct{}) (string, error) { return "", nil })
	s.ResourceUpdated("a://1")
	ev, err := rs.next()
	if err != nil || !strings.Contains(ev.data, "notifications/prompts/list_changed") || !strings.Contains(ev.data, `"sub-1"`) {
		t.Fatalf("first notification = %+v, %v (tools/list_changed must not leak)", ev, err)
	}
	ev, err = rs.next()
	if err != nil || !strings.Contains(ev.data, "notifications/resources/updated") || !strings.Contains(ev.data, "a://1") {
		t.Fatalf("second notification = %+v, %v", ev, err)
	}
	_ = jsontext.Value(nil)
}

// TestLegacyCancellation: notifications/cancelled ends the handler's context and the request gets no
// response.
func TestLegacyCancellation(t *testing.T) {
	started := make(chan struct{})
	cancelled := make(chan error, 1)
	s := server.New("t", "1", nil)
	server.Tool(s, "wait", "waits", func(ctx context.Context, in struct{}) (string, error) {
		close(started)
		<-ctx.Done()
		cancelled <- ctx.Err()
		return "late", nil
	})
	e := newEnv(t, s, nil)
	sid := e.initialize(mcp.Version20251125)
	type answer struct {
		status int
		body   string
	}
	got := make(chan answer, 1)
	go func() {
		resp, err := e.doErr(context.Background(), `{"jsonrpc":"2.0","id":"w1","method":"tools/call","params":{"name":"wait"}}`, "Mcp-Session-Id: "+sid)
		if err != nil {
			got <- answer{status: -1, body: err.Error()}
			return
		}
		defer resp.Body.Close()
		b := new(strings.Builder)
		_, _ = io.Copy(b, resp.Body)
		got <- answer{resp.StatusCode, b.String()}
	}()
	<-started
	r := e.post(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"w1","reason":"user"}}`, "Mcp-Session-Id: "+sid)
	r.Body.Close()
	select {
	case err := <-cancelled:
		if err == nil {
			t.Fatal("no context error")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("notifications/cancelled did not cancel the handler")
	}
	a := <-got
	if a.status != 202 || strings.Contains(a.body, "late") {
		t.Fatalf("cancelled request answered %d %q; want 202 and no response", a.status, a.body)
	}
}
