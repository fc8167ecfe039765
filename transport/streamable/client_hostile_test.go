package streamable_test

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
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// hostileServer is a fake legacy Streamable HTTP server on 127.0.0.1: it initializes properly and then
// answers tools/call the way a test case scripts.
type hostileServer struct {
	ts      *httptest.Server
	done    chan struct{} // closed at the end of the case: handlers still blocked return
	answers atomic.Int64  // the client's responses to server-to-client requests
	gone    atomic.Int64  // tools/call handlers that saw the client go away
	onCall  func(s *hostileServer, m *jsonrpc.Message, w http.ResponseWriter, r *http.Request)
	check   func(t *testing.T)
	inits   atomic.Int64
	// onReinit, when set, answers the initialize requests after the first.
	onReinit func(w http.ResponseWriter)
}

func newHostileServer(setup func(s *hostileServer)) *hostileServer {
	s := &hostileServer{done: make(chan struct{})}
	setup(s)
	s.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodDelete:
			return
		case http.MethodGet:
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		body, _ := io.ReadAll(r.Body)
		m, err := jsonrpc.DecodeMessage(body)
		switch {
		case err != nil:
			w.WriteHeader(400)
		case m.IsResponse():
			s.answers.Add(1)
			w.WriteHeader(202)
		case m.IsNotification():
			w.WriteHeader(202)
		case m.Method == mcp.MethodInitialize && s.inits.Add(1) > 1 && s.onReinit != nil:
			s.onReinit(w)
		case m.Method == mcp.MethodInitialize:
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Mcp-Session-Id", "sid-1")
			fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{"protocolVersion":"2025-06-18","capabilities":{"tools":{}},"serverInfo":{"name":"hostile","version":"1"}}}`, m.ID.Raw())
		default:
			s.onCall(s, m, w, r)
		}
	}))
	return s
}

func (s *hostileServer) close() {
	close(s.done)
	s.ts.CloseClientConnections()
	s.ts.Close()
}

// sse starts an event-stream answer.
func sseStart(w http.ResponseWriter) func(string) bool {
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(200)
	return func(text string) bool {
		if _, err := io.WriteString(w, text); err != nil {
			return false
		}
		return http.NewResponseController(w).Flush() == nil
	}
}

func okResult(id jsonrpc.ID) string {
	return fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"result":{"content":[{"type":"text","text":"ok"}]}}`, id.Raw())
}

// TestClientHostileServer is the Streamable HTTP client against servers that misbehave: each case ends with
// a working call or a clear error, within the client's size limits, and leaves no goroutine behind.
func TestClientHostileServer(t *testing.T) {
	const limit = 1 << 20
	cases := []struct {
		name    string
		setup   func(s *hostileServer)
		callErr string // "" means the call must succeed
		short   bool   // the call's context ends after 200ms
	}{
		{name: "malformed SSE around the answer", setup: func(s *hostileServer) {
			s.onCall = func(s *hostileServer, m *jsonrpc.Message, w http.ResponseWriter, r *http.Request) {
				send := sseStart(w)
				send("garbage without colon\n\x00\xff\xfe\n:comment\nretry: x\nid\nevent\n\n")
				send("data: {not json\n\ndata: [1,2\n\n")
				send("event: other\ndata: " + okResult(jsonrpc.Int64ID(999)) + "\n\n")
				send("data: " + okResult(m.ID) + "\n\n")
			}
		}},
		{name: "malformed SSE, then the end", setup: func(s *hostileServer) {
			s.onCall = func(s *hostileServer, m *jsonrpc.Message, w http.ResponseWriter, r *http.Request) {
				send := sseStart(w)
				send("data: {not json\n\n\x00\x01\x02\r\r\n")
			}
		}, callErr: "closed the event stream before the response"},
		{name: "endless stream without the answer", setup: func(s *hostileServer) {
			s.onCall = func(s *hostileServer, m *jsonrpc.Message, w http.ResponseWriter, r *http.Request) {
				send := sseStart(w)
				for i := 0; send(fmt.Sprintf(": keep-alive\nid: %d\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":\"none\",\"progress\":%d}}\n\n", i, i)); i++ {
				}
				s.gone.Add(1)
			}
			s.check = func(t *testing.T) {
				httptestx.WaitFor(t, "the server to see the stream closed", func() bool { return s.gone.Load() == 1 })
			}
		}, callErr: "context deadline exceeded", short: true},
		{name: "huge event", setup: func(s *hostileServer) {
			s.onCall = func(s *hostileServer, m *jsonrpc.Message, w http.ResponseWriter, r *http.Request) {
				send := sseStart(w)
				send("data: " + strings.Repeat("x", 2*limit) + "\n\n")
			}
		}, callErr: "larger than the limit of 1048576 bytes"},
		{name: "endless line", setup: func(s *hostileServer) {
			s.onCall = func(s *hostileServer, m *jsonrpc.Message, w http.ResponseWriter, r *http.Request) {
				send := sseStart(w)
				chunk := strings.Repeat("y", 64<<10)
				for send(chunk) {
				}
			}
		}, callErr: "larger than the limit of 1048576 bytes"},
		{name: "huge JSON answer", setup: func(s *hostileServer) {
			s.onCall = func(s *hostileServer, m *jsonrpc.Message, w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				chunk := strings.Repeat(" ", 64<<10)
				for {
					if _, err := io.WriteString(w, chunk); err != nil {
						return
					}
				}
			}
		}, callErr: "larger than the limit of 1048576 bytes"},
		{name: "session lost, huge answer to the new initialize", setup: func(s *hostileServer) {
			s.onCall = func(s *hostileServer, m *jsonrpc.Message, w http.ResponseWriter, r *http.Request) {
				http.Error(w, "no such session", http.StatusNotFound)
			}
			s.onReinit = func(w http.ResponseWriter) {
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, `{"jsonrpc":"2.0","id":1,"result":{"x":"`+strings.Repeat("x", 2*limit)+`"}}`)
			}
		}, callErr: "larger than the limit of 1048576 bytes"},
		{name: "malformed JSON answer", setup: func(s *hostileServer) {
			s.onCall = func(s *hostileServer, m *jsonrpc.Message, w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, `{"jsonrpc":"2.0","id":`)
			}
		}, callErr: "the answer is not JSON-RPC"},
		{name: "JSON answer to another id", setup: func(s *hostileServer) {
			s.onCall = func(s *hostileServer, m *jsonrpc.Message, w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, okResult(jsonrpc.StringID("someone-else")))
			}
		}, callErr: "holds no response to the request"},
		{name: "wrong Content-Type", setup: func(s *hostileServer) {
			s.onCall = func(s *hostileServer, m *jsonrpc.Message, w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/jsonx"+strings.Repeat("z", 10000))
				io.WriteString(w, okResult(m.ID))
			}
		}, callErr: `Content-Type "application/jsonx`},
		{name: "responses to unknown ids", setup: func(s *hostileServer) {
			s.onCall = func(s *hostileServer, m *jsonrpc.Message, w http.ResponseWriter, r *http.Request) {
				send := sseStart(w)
				for i := range 1000 {
					send("data: " + okResult(jsonrpc.StringID(fmt.Sprint("nobody-", i))) + "\n\n")
				}
				send("data: " + okResult(m.ID) + "\n\n")
			}
		}},
		{name: "flood of server-to-client requests", setup: func(s *hostileServer) {
			s.onCall = func(s *hostileServer, m *jsonrpc.Message, w http.ResponseWriter, r *http.Request) {
				send := sseStart(w)
				for i := range 2000 {
					send(fmt.Sprintf("data: {\"jsonrpc\":\"2.0\",\"id\":\"s%d\",\"method\":\"ping\"}\n\n", i))
				}
				send("data: " + okResult(m.ID) + "\n\n")
			}
			s.check = func(t *testing.T) {
				// Every ping is answered (a result, or an overload error past the client's queue): none lost.
				httptestx.WaitFor(t, "the answers to 2,000 pings", func() bool { return s.answers.Load() == 2000 })
			}
		}},
		{name: "redirect to another origin", setup: func(s *hostileServer) {
			var reached atomic.Int64
			other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				reached.Add(1)
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, `{}`)
			}))
			s.onCall = func(s *hostileServer, m *jsonrpc.Message, w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Location", other.URL+"/mcp")
				w.WriteHeader(http.StatusTemporaryRedirect)
			}
			s.check = func(t *testing.T) {
				other.Close()
				if n := reached.Load(); n != 0 {
					t.Fatalf("the client followed a redirect to another origin %d times (with Authorization, Mcp-Session-Id and the body)", n)
				}
			}
		}, callErr: "another origin"},
		{name: "never answers", setup: func(s *hostileServer) {
			s.onCall = func(s *hostileServer, m *jsonrpc.Message, w http.ResponseWriter, r *http.Request) {
				select {
				case <-r.Context().Done():
					s.gone.Add(1)
				case <-s.done:
				}
			}
			s.check = func(t *testing.T) {
				httptestx.WaitFor(t, "the server to see the POST abandoned", func() bool { return s.gone.Load() == 1 })
			}
		}, callErr: "context deadline exceeded", short: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			s := newHostileServer(tc.setup)
			defer s.close()
			c, err := streamable.NewClient(s.ts.URL+"/mcp", &streamable.ClientOptions{HTTPClient: s.ts.Client(),
				EraCache: &streamable.EraCache{}, DisableSSEFallback: true, DisableStandaloneStream: true,
				MaxMessageBytes: limit, MaxResumeAttempts: 1, RetryDelay: time.Millisecond,
				Header: http.Header{"Authorization": {"Bearer secret"}}, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			// Bounds against a hang, not timing goals: a loaded CI machine under -race once took 6.6 s to
			// read past 1,000 responses to unknown ids.
			ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
			defer cancel()
			sess, err := client.Connect(ctx, c, &client.Options{ProtocolVersion: mcp.Version20250618, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			cctx, ccancel := context.WithTimeout(ctx, 30*time.Second)
			if tc.short {
				ccancel()
				cctx, ccancel = context.WithTimeout(ctx, 200*time.Millisecond)
			}
			defer ccancel()
			res, err := sess.CallTool(cctx, "t", nil)
			switch {
			case tc.callErr == "" && err != nil:
				t.Fatalf("tools/call: %v", err)
			case tc.callErr == "" && (res == nil || len(res.Content) == 0 || res.Content[0].Text != "ok"):
				t.Fatalf("tools/call: %+v", res)
			case tc.callErr != "" && (err == nil || !strings.Contains(err.Error(), tc.callErr)):
				t.Fatalf("tools/call: %v; want an error saying %q", err, tc.callErr)
			}
			if err != nil {
				t.Logf("error: %.200s", err)
			}
			if s.check != nil {
				s.check(t)
			}
			closed := make(chan struct{})
			go func() { sess.Close(); close(closed) }()
			select {
			case <-closed:
			case <-time.After(5 * time.Second): // a hang guard
				t.Fatal("Close hangs")
			}
		})
	}
}
