package sse_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport/sse"
)

func dial(t *testing.T, ts *httptest.Server, path string, opts *sse.ClientOptions) *sse.Client {
	t.Helper()
	if opts == nil {
		opts = &sse.ClientOptions{}
	}
	opts.HTTPClient = ts.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := sse.Dial(ctx, ts.URL+path, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestClientSession runs whole sessions over the HTTP+SSE client against the demo server: pinned to
// 2024-11-05 and negotiated, with progress and logs.
func TestClientSession(t *testing.T) {
	h, ts := newServer(t)
	for _, version := range []string{mcp.Version20241105, ""} {
		t.Run("version="+version, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c := dial(t, ts, "/sse", &sse.ClientOptions{Header: http.Header{"X-Test": {"1"}}})
			if !strings.HasPrefix(c.MessageURL(), ts.URL+"/messages?session_id=") {
				t.Fatalf("message URL %q", c.MessageURL())
			}
			var mu sync.Mutex
			var logs []string
			s, err := client.Connect(ctx, c, &client.Options{ProtocolVersion: version, LogLevel: mcp.LevelInfo,
				OnLog: func(_ context.Context, p *mcp.LoggingMessageParams) {
					mu.Lock()
					logs = append(logs, string(p.Data))
					mu.Unlock()
				}})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if version != "" && s.ProtocolVersion() != version {
				t.Errorf("protocol %s, want %s", s.ProtocolVersion(), version)
			}
			res, err := s.CallTool(ctx, "add", map[string]int{"a": 5, "b": 10})
			if err != nil || res.IsError || !strings.Contains(textOf(res), "15") {
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
			if h.Sessions() != 1 {
				t.Errorf("server sessions = %d", h.Sessions())
			}
			s.Close()
			waitSessions(t, h, 0) // Close ends the GET, which ends the server's session
		})
	}
}

func textOf(r *mcp.CallToolResult) string {
	if r == nil || len(r.Content) == 0 {
		return ""
	}
	return r.Content[0].Text
}

// TestDialErrors: each way a dial can fail names what went wrong.
func TestDialErrors(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{}`))
	})
	mux.HandleFunc("/silent", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
		_, _ = w.Write([]byte(": hello\n\n"))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	mux.HandleFunc("/short", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = w.Write([]byte(": bye\n\n"))
	})
	mux.HandleFunc("/foreign", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = w.Write([]byte("event: endpoint\ndata: http://other.example:9/messages\n\n"))
	})
	ts := httptest.NewServer(mux)
	defer ts.Close()
	for _, tt := range []struct{ path, want string }{
		{"/missing", "HTTP 404"},
		{"/json", `Content-Type "application/json", not text/event-stream`},
		{"/silent", "no endpoint event"},
		{"/short", "ended before its endpoint event"},
		{"/foreign", "another origin"},
	} {
		t.Run(tt.path, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c, err := sse.Dial(ctx, ts.URL+tt.path, &sse.ClientOptions{HTTPClient: ts.Client(), EndpointTimeout: 200 * time.Millisecond})
			if err == nil {
				c.Close()
				t.Fatal("dial succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q does not say %q", err, tt.want)
			}
		})
	}
	if _, err := sse.Dial(context.Background(), "ftp://x/sse", nil); err == nil || !strings.Contains(err.Error(), "http://") {
		t.Errorf("ftp URL: %v", err)
	}
	// The caller's context bounds the dial too.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := sse.Dial(ctx, ts.URL+"/silent", &sse.ClientOptions{HTTPClient: ts.Client()}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("ctx deadline: %v", err)
	}
}

// TestClientServerEnds: when the server ends the stream, the session ends with ErrStreamClosed and
// nothing waits forever.
func TestClientServerEnds(t *testing.T) {
	h, ts := newServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := client.Connect(ctx, dial(t, ts, "/sse", nil), &client.Options{ProtocolVersion: mcp.Version20241105})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_ = h.Close(ctx)
	select {
	case <-s.Done():
	case <-ctx.Done():
		t.Fatal("the session did not end with its stream")
	}
	if _, err := s.ListTools(ctx, ""); !errors.Is(err, jsonrpc.ErrClosed) || !errors.Is(err, sse.ErrStreamClosed) {
		t.Errorf("call after the stream ended: %v", err)
	}
}

// TestClientPostFailure: a request whose POST fails gets an error response (the server's JSON-RPC error
// when it sent one) instead of hanging; the session goes on.
func TestClientPostFailure(t *testing.T) {
	legacy := sse.NewHandler(demo.New(), nil)
	var fail sync.Map // method → status
	mux := http.NewServeMux()
	mux.Handle("/sse", legacy.SSE())
	mux.HandleFunc("/messages", func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		body := string(raw)
		for _, m := range []string{"tools/list", "prompts/list"} {
			if v, ok := fail.LoadAndDelete(m); ok && strings.Contains(body, `"method":"`+m+`"`) {
				if v.(int) == 502 {
					http.Error(w, "bad gateway", http.StatusBadGateway)
				} else {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(v.(int))
					_, _ = w.Write([]byte(`{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"quota exceeded"}}`))
				}
				return
			}
		}
		r.Body = io.NopCloser(strings.NewReader(body))
		legacy.Messages().ServeHTTP(w, r)
	})
	ts := httptest.NewServer(mux)
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = legacy.Close(ctx)
		ts.CloseClientConnections()
		ts.Close()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := client.Connect(ctx, dial(t, ts, "/sse", nil), &client.Options{ProtocolVersion: mcp.Version20241105})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fail.Store("tools/list", 502)
	_, err = s.ListTools(ctx, "")
	var rpcErr *jsonrpc.Error
	if !errors.As(err, &rpcErr) || rpcErr.Code != jsonrpc.CodeInternalError || !strings.Contains(rpcErr.Message, "HTTP 502") ||
		string(rpcErr.Data) != `{"httpStatus":502}` {
		t.Fatalf("tools/list over a 502: %v", err)
	}
	fail.Store("prompts/list", 429)
	_, err = s.ListPrompts(ctx, "")
	if !errors.As(err, &rpcErr) || rpcErr.Code != -32001 || rpcErr.Message != "quota exceeded" {
		t.Fatalf("prompts/list over a 429 with a JSON-RPC body: %v", err)
	}
	if _, err := s.ListTools(ctx, ""); err != nil {
		t.Fatalf("the session did not survive: %v", err)
	}
}
