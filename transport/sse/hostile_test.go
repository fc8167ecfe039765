package sse_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/internal/httptestx"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport/sse"
)

// hostile is a fake HTTP+SSE server on 127.0.0.1 whose stream and message endpoint a test case scripts.
// It answers initialize properly, so that each case reaches the behaviour it tests.
type hostile struct {
	ts     *httptest.Server
	events chan string // raw text written to the stream, as is
	posts  atomic.Int64
	// beforeEndpoint runs on the stream before the endpoint event; returning false ends the stream.
	beforeEndpoint func(w io.Writer, flush func(), r *http.Request) bool
	// onCall answers a request other than initialize; nil leaves it unanswered (after 202).
	onCall func(h *hostile, m *jsonrpc.Message, w http.ResponseWriter)
	// answers counts the client's responses (to server-to-client requests).
	answers atomic.Int64
	// check, when set, runs after the call.
	check func(t *testing.T, h *hostile)
	done  chan struct{} // closed when the test ends: handlers still blocked return
}

func (h *hostile) tsDone() <-chan struct{} { return h.done }

func newHostile(t *testing.T, setup func(h *hostile)) *hostile {
	t.Helper()
	h := &hostile{events: make(chan string, 64), done: make(chan struct{})}
	if setup != nil {
		setup(h)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/sse", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
		flush := func() { _ = http.NewResponseController(w).Flush() }
		if h.beforeEndpoint != nil && !h.beforeEndpoint(w, flush, r) {
			return
		}
		_, _ = io.WriteString(w, "event: endpoint\ndata: /messages?session_id=x\n\n")
		flush()
		for {
			select {
			case ev := <-h.events:
				if _, err := io.WriteString(w, ev); err != nil {
					return
				}
				flush()
			case <-r.Context().Done():
				return
			}
		}
	})
	mux.HandleFunc("/messages", func(w http.ResponseWriter, r *http.Request) {
		h.posts.Add(1)
		body, _ := io.ReadAll(r.Body)
		m, err := jsonrpc.DecodeMessage(body)
		switch {
		case err != nil:
			w.WriteHeader(400)
		case m.IsResponse():
			h.answers.Add(1)
			w.WriteHeader(202)
		case m.IsNotification():
			w.WriteHeader(202)
		case m.Method == mcp.MethodInitialize:
			w.WriteHeader(202)
			h.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"result":{"protocolVersion":"2024-11-05","capabilities":{"tools":{}},"serverInfo":{"name":"hostile","version":"1"}}}`, m.ID.Raw()))
		case h.onCall != nil:
			h.onCall(h, m, w)
		default:
			w.WriteHeader(202)
		}
	})
	h.ts = httptest.NewServer(mux)
	return h
}

// send queues one message event (until the stream is gone).
func (h *hostile) send(msg string) { h.raw("data: " + msg + "\n\n") }

func (h *hostile) raw(text string) {
	select {
	case h.events <- text:
	case <-h.done:
	}
}

func (h *hostile) close() {
	close(h.done)
	h.ts.CloseClientConnections()
	h.ts.Close()
}

func callResult(id jsonrpc.ID) string {
	return fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"result":{"content":[{"type":"text","text":"ok"}]}}`, id.Raw())
}

// TestHostileServer is the HTTP+SSE client against servers that misbehave: each case ends with a clear
// error or a working session, bounded memory (the reader's and the inbox's limits) and no goroutine left.
func TestHostileServer(t *testing.T) {
	const limit = 1 << 20
	cases := []struct {
		name  string
		setup func(h *hostile)
		// dialErr, when set, is what Dial must fail with.
		dialErr string
		// callErr, when set, is what the tools/call must fail with; "" means it must succeed.
		callErr string
		check   func(t *testing.T, h *hostile)
	}{
		{name: "malformed SSE around the answer", setup: func(h *hostile) {
			h.onCall = func(h *hostile, m *jsonrpc.Message, w http.ResponseWriter) {
				w.WriteHeader(202)
				h.raw("garbage without colon\n\x00\xff\xfe\n:comment\nretry: x\nid\nevent\n\n")
				h.raw("data: {not json\n\n")
				h.raw("data: [1,2\n\n")
				h.raw("event: other\ndata: " + callResult(jsonrpc.Int64ID(999)) + "\n\n")
				h.send(callResult(m.ID))
			}
		}},
		{name: "endless messages before the endpoint", setup: func(h *hostile) {
			h.beforeEndpoint = func(w io.Writer, flush func(), r *http.Request) bool {
				for r.Context().Err() == nil {
					if _, err := io.WriteString(w, "data: {\"jsonrpc\":\"2.0\",\"method\":\"x\"}\n\n"); err != nil {
						return false
					}
					flush()
				}
				return false
			}
		}, dialErr: "messages before its endpoint event"},
		{name: "endless line before the endpoint", setup: func(h *hostile) {
			h.beforeEndpoint = func(w io.Writer, flush func(), r *http.Request) bool {
				chunk := strings.Repeat("a", 64<<10)
				for r.Context().Err() == nil {
					if _, err := io.WriteString(w, chunk); err != nil {
						return false
					}
				}
				return false
			}
		}, dialErr: "exceeds the size limit (limit 1048576 bytes"},
		{name: "huge event", setup: func(h *hostile) {
			h.onCall = func(h *hostile, m *jsonrpc.Message, w http.ResponseWriter) {
				w.WriteHeader(202)
				h.send(`{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"` + strings.Repeat("x", 2*limit) + `"}}`)
			}
		}, callErr: "exceeds the size limit (limit 1048576 bytes"},
		{name: "responses to unknown ids", setup: func(h *hostile) {
			h.onCall = func(h *hostile, m *jsonrpc.Message, w http.ResponseWriter) {
				w.WriteHeader(202)
				for i := range 1000 {
					h.send(callResult(jsonrpc.StringID(fmt.Sprint("nobody-", i))))
				}
				h.send(callResult(m.ID))
			}
		}},
		{name: "flood of server-to-client requests", setup: func(h *hostile) {
			h.onCall = func(h *hostile, m *jsonrpc.Message, w http.ResponseWriter) {
				w.WriteHeader(202)
				go func() {
					for i := range 2000 {
						h.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":"s%d","method":"ping"}`, i))
					}
					h.send(callResult(m.ID))
				}()
			}
		}, check: func(t *testing.T, h *hostile) {
			// Every ping is answered (a result, or an overload error past the client's queue): none lost.
			httptestx.WaitFor(t, "the answers to 2,000 pings", func() bool { return h.answers.Load() == 2000 })
		}},
		{name: "redirect to another origin", setup: func(h *hostile) {
			other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				h.posts.Add(1_000_000) // must never be reached
				w.WriteHeader(202)
			}))
			h.onCall = func(h *hostile, m *jsonrpc.Message, w http.ResponseWriter) {
				http.Redirect(w, &http.Request{Method: "POST"}, other.URL+"/messages?session_id=x", http.StatusTemporaryRedirect)
			}
			h.check = func(t *testing.T, h *hostile) {
				other.Close()
				if h.posts.Load() >= 1_000_000 {
					t.Fatal("the client followed a redirect to another origin (with its headers and body)")
				}
			}
		}, callErr: "another origin"},
		{name: "never answers", setup: func(h *hostile) {
			h.onCall = func(h *hostile, m *jsonrpc.Message, w http.ResponseWriter) { w.WriteHeader(202) }
		}, callErr: context.DeadlineExceeded.Error()},
		{name: "POST never returns", setup: func(h *hostile) {
			h.onCall = func(h *hostile, m *jsonrpc.Message, w http.ResponseWriter) { <-h.tsDone() }
		}, callErr: context.DeadlineExceeded.Error()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			h := newHostile(t, tc.setup)
			defer h.close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			d, err := sse.Dial(ctx, h.ts.URL+"/sse", &sse.ClientOptions{HTTPClient: h.ts.Client(), MaxEventBytes: limit,
				EndpointTimeout: 5 * time.Second, Header: http.Header{"Authorization": {"Bearer secret"}}})
			if tc.dialErr != "" {
				if err == nil {
					d.Close()
					t.Fatal("Dial succeeded")
				}
				if !strings.Contains(err.Error(), tc.dialErr) {
					t.Fatalf("Dial: %v; want an error saying %q", err, tc.dialErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			s, err := client.Connect(ctx, d, &client.Options{ProtocolVersion: mcp.Version20241105, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			cctx, ccancel := context.WithTimeout(ctx, 2*time.Second)
			defer ccancel()
			if strings.Contains(tc.callErr, "deadline") {
				cctx, ccancel = context.WithTimeout(ctx, 200*time.Millisecond)
				defer ccancel()
			}
			res, err := s.CallTool(cctx, "t", nil)
			switch {
			case tc.callErr == "" && err != nil:
				t.Fatalf("tools/call: %v", err)
			case tc.callErr == "" && (res == nil || len(res.Content) == 0 || res.Content[0].Text != "ok"):
				t.Fatalf("tools/call: %+v", res)
			case tc.callErr != "" && (err == nil || !strings.Contains(err.Error(), tc.callErr)):
				t.Fatalf("tools/call: %v; want an error saying %q", err, tc.callErr)
			}
			if tc.check != nil {
				tc.check(t, h)
			}
			if h.check != nil {
				h.check(t, h)
			}
			closed := make(chan struct{})
			go func() { s.Close(); close(closed) }()
			select {
			case <-closed:
			case <-time.After(5 * time.Second): // a hang guard
				t.Fatal("Close hangs")
			}
		})
	}
}
