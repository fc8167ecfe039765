package streamable_test

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

// TestServerClosesStream (SSE polling): a tool closes its POST stream after the priming event and one
// notification; the response ends while the tool goes on, and a GET with Last-Event-ID delivers the rest
// and the result.
func TestServerClosesStream(t *testing.T) {
	s := server.New("t", "1", nil)
	closed := make(chan bool, 1)
	release := make(chan struct{})
	server.Tool(s, "poll", "", func(ctx context.Context, _ struct{}) (string, error) {
		_ = server.Progress(ctx, 1, 2, "before")
		closed <- server.CloseStream(ctx, 250*time.Millisecond)
		<-release
		_ = server.Progress(ctx, 2, 2, "after")
		return "done", nil
	})
	e := newEnv(t, s, nil)
	sid := e.initialize(mcp.Version20251125)
	resp := e.do(context.Background(), "POST", `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"poll","arguments":{},"_meta":{"progressToken":"p"}}}`,
		"Content-Type: application/json", "Accept: application/json, text/event-stream", "Mcp-Session-Id: "+sid)
	if !<-closed {
		t.Fatal("CloseStream reported false on a legacy Streamable HTTP request")
	}
	body, err := io.ReadAll(resp.Body) // ends: the server closed the response
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	events := newSSE(strings.NewReader(string(body)))
	var lastID string
	for {
		ev, err := events.next()
		if err != nil {
			break
		}
		if ev.id != "" {
			lastID = ev.id
		}
		if strings.Contains(ev.data, `"id":7`) {
			t.Fatalf("the result arrived on the closed stream: %s", body)
		}
	}
	if lastID == "" || !strings.Contains(string(body), "before") || !strings.Contains(string(body), "retry: 250") {
		t.Fatalf("closed stream = %q", body)
	}
	close(release)
	get := e.do(context.Background(), "GET", "", "Mcp-Session-Id: "+sid, "Accept: text/event-stream", "Last-Event-ID: "+lastID)
	defer get.Body.Close()
	rs := newSSE(get.Body)
	var got []string
	for {
		ev, err := rs.next()
		if err != nil {
			t.Fatalf("resumed stream ended after %v: %v", got, err)
		}
		if ev.data == "" {
			continue
		}
		got = append(got, ev.data)
		if strings.Contains(ev.data, `"id":7`) {
			break
		}
	}
	if len(got) != 2 || !strings.Contains(got[0], "after") || !strings.Contains(got[1], "done") {
		t.Fatalf("resumed events = %v", got)
	}
}

// TestCloseStreamRefusedWhereNotResumable: 2026-07-28 requests cannot be resumed, so CloseStream does
// nothing there and the answer arrives normally.
func TestCloseStreamRefusedWhereNotResumable(t *testing.T) {
	s := server.New("t", "1", nil)
	server.Tool(s, "poll", "", func(ctx context.Context, _ struct{}) (bool, error) {
		return server.CloseStream(ctx, 0), nil
	})
	e := newEnv(t, s, nil)
	resp := e.do(context.Background(), "POST", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"poll","arguments":{},`+
		`"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}`,
		append([]string{"Content-Type: application/json", "Accept: application/json, text/event-stream"}, modernHeaders("tools/call", "poll")...)...)
	m := readJSON(t, resp)
	if !strings.Contains(toJSON(m), `"result":false`) {
		t.Fatalf("modern CloseStream = %v", m)
	}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestNotificationsBeforeGetStream: list_changed sent while a legacy session has no GET stream yet are kept
// (a few) and delivered when the client opens it.
func TestNotificationsBeforeGetStream(t *testing.T) {
	s := server.New("t", "1", nil)
	e := newEnv(t, s, nil)
	sid := e.initialize(mcp.Version20251125)
	server.Tool(s, "late", "", func(ctx context.Context, _ struct{}) (string, error) { return "", nil })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	get := e.do(ctx, "GET", "", "Mcp-Session-Id: "+sid, "Accept: text/event-stream")
	defer get.Body.Close()
	rs := newSSE(get.Body)
	for {
		ev, err := rs.next()
		if err != nil {
			t.Fatalf("GET stream ended without the early notification: %v", err)
		}
		if strings.Contains(ev.data, "notifications/tools/list_changed") {
			return
		}
	}
}
