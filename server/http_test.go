package server

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// serveTest runs serveListener on a loopback port until the test ends and returns its address.
func serveTest(t *testing.T, s *Server, o HTTPOptions) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if o.Path == "" {
		o.Path, o.SSEPath, o.MessagesPath = "/mcp", "/sse", "/messages"
	}
	o.ShutdownTimeout = 5 * time.Second
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.serveListener(ctx, ln, &o) }()
	t.Cleanup(func() { cancel(); <-done })
	return ln.Addr().String()
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second)) // the test's own bound against a hang
	return c
}

const pingReq = "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/list\r\nContent-Length: %d\r\n\r\n"

func pingRequest() string {
	body := `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}`
	return strings.Replace(pingReq, "%d", strconv.Itoa(len(body)), 1) + body
}

// TestSlowBodyIsCut: a body that never completes gets 400 after BodyReadTimeout instead of holding its
// connection forever (ListenAndServe had no body timeout).
func TestSlowBodyIsCut(t *testing.T) {
	addr := serveTest(t, New("t", "1", nil), HTTPOptions{BodyReadTimeout: 100 * time.Millisecond})
	c := dial(t, addr)
	if _, err := io.WriteString(c, strings.Replace(pingReq, "%d", "100", 1)+`{"jsonrpc"`); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer to a stalled body: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("status %d, want 400", resp.StatusCode)
	}
}

// TestIdleConnectionClosed: a keep-alive connection idle longer than IdleTimeout is closed.
func TestIdleConnectionClosed(t *testing.T) {
	addr := serveTest(t, New("t", "1", nil), HTTPOptions{IdleTimeout: 100 * time.Millisecond})
	c := dial(t, addr)
	if _, err := io.WriteString(c, pingRequest()); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("ping: %v %v", resp, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("idle connection: read %v, want EOF (closed by the server)", err)
	}
}

// TestSSEOutlivesBodyTimeout: the body deadline is lifted once the body is read: a stream stays open
// past it and still delivers.
func TestSSEOutlivesBodyTimeout(t *testing.T) {
	s := New("t", "1", nil)
	addr := serveTest(t, s, HTTPOptions{BodyReadTimeout: 50 * time.Millisecond})
	c := dial(t, addr)
	body := `{"jsonrpc":"2.0","id":"l","method":"subscriptions/listen","params":{"notifications":{"toolsListChanged":true},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}`
	req := strings.Replace(strings.Replace(pingReq, "%d", strconv.Itoa(len(body)), 1), "Mcp-Method: tools/list", "Mcp-Method: subscriptions/listen", 1) + body
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("listen: %v %v", resp, err)
	}
	rd := bufio.NewReader(resp.Body)
	waitFor := func(what string) {
		for {
			line, err := rd.ReadString('\n')
			if err != nil {
				t.Fatalf("waiting for %s: %v", what, err)
			}
			if strings.Contains(line, what) {
				return
			}
		}
	}
	waitFor("subscriptions/acknowledged")
	time.Sleep(200 * time.Millisecond) // four body timeouts
	Tool(s, "late", "", func(ctx context.Context, _ struct{}) (string, error) { return "", nil })
	waitFor("tools/list_changed")
}

// TestConnectionCap: past MaxConns, a new connection is served only once another closes.
func TestConnectionCap(t *testing.T) {
	addr := serveTest(t, New("t", "1", nil), HTTPOptions{MaxConns: 2})
	var conns []net.Conn
	for range 2 {
		c := dial(t, addr)
		if _, err := io.WriteString(c, pingRequest()); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		conns = append(conns, c)
	}
	third := dial(t, addr) // the kernel accepts it; the server does not take it yet
	if _, err := io.WriteString(third, pingRequest()); err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		resp, err := http.ReadResponse(bufio.NewReader(third), nil)
		if err == nil {
			resp.Body.Close()
		}
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("a third connection was served while two were open (%v)", err)
	case <-time.After(100 * time.Millisecond):
	}
	conns[0].Close()
	if err := <-got; err != nil {
		t.Fatalf("third connection after one closed: %v", err)
	}
}
