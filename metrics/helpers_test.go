package metrics_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/transport/stdio"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type addArgs struct {
	A int `json:"a"`
	B int `json:"b"`
}

// newServer returns a server with two tools: add (answers) and fail (its handler errs: an isError result).
func newServer() *server.Server {
	s := server.New("metrics-test", "1", nil)
	server.Tool(s, "add", "adds", func(ctx context.Context, in addArgs) (int, error) { return in.A + in.B, nil })
	server.Tool(s, "fail", "fails", func(ctx context.Context, in addArgs) (int, error) { return 0, errors.New("no") })
	return s
}

// serveStdio serves s over the stdio framing on a pair of pipes and returns a JSON-RPC connection to it;
// everything stops at cleanup.
func serveStdio(t *testing.T, s *server.Server) *jsonrpc.Conn {
	t.Helper()
	toServer, fromClient := io.Pipe()
	toClient, fromServer := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, stdio.NewStream(toServer, fromServer, stdio.Options{})) }()
	conn := jsonrpc.NewConn(stdio.NewStream(toClient, fromClient, stdio.Options{}), jsonrpc.ConnOptions{})
	conn.Start()
	t.Cleanup(func() {
		conn.Close()
		cancel()
		fromClient.Close()
		fromServer.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("Serve did not return")
		}
		conn.Wait()
	})
	return conn
}

// sseSession is an HTTP+SSE client session driven by hand: the /sse stream's lines, and the endpoint its
// POSTs go to.
type sseSession struct {
	resp     *http.Response
	lines    chan string
	endpoint string
}

// openSSESession opens base+"/sse" and reads the endpoint event.
func openSSESession(t *testing.T, base string) *sseSession {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/sse", nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		t.Fatalf("GET /sse: %d", resp.StatusCode)
	}
	s := &sseSession{resp: resp, lines: make(chan string, 64)}
	go func() {
		defer close(s.lines)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data:"); ok {
				s.lines <- strings.TrimSpace(d)
			}
		}
	}()
	s.endpoint = base + s.next(t)
	return s
}

// next returns the next event's data.
func (s *sseSession) next(t *testing.T) string {
	t.Helper()
	select {
	case l, ok := <-s.lines:
		if !ok {
			t.Fatal("the /sse stream ended")
		}
		return l
	case <-time.After(5 * time.Second):
		t.Fatal("no event on the /sse stream within 5 s")
		return ""
	}
}

// notify POSTs a notification (202).
func (s *sseSession) notify(t *testing.T, body string) {
	t.Helper()
	resp, err := http.Post(s.endpoint, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST %s: %d", body, resp.StatusCode)
	}
}

// call POSTs a request and checks that its answer on the stream contains every want.
func (s *sseSession) call(t *testing.T, body string, want ...string) {
	t.Helper()
	s.notify(t, body)
	answer := s.next(t)
	for _, w := range want {
		if !strings.Contains(answer, w) {
			t.Fatalf("%s answered %s, want %s in it", body, answer, w)
		}
	}
}

// close ends the stream and waits for its reader.
func (s *sseSession) close() {
	s.resp.Body.Close()
	for range s.lines {
	}
}
