package server_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"go.uber.org/goleak"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/transport/memory"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// serve runs s on one end of an in-memory pipe and returns the other end; everything stops at cleanup.
func serve(t *testing.T, s *server.Server) jsonrpc.Stream { return serveB(t, s) }

func serveB(t testing.TB, s *server.Server) jsonrpc.Stream {
	t.Helper()
	a, b := memory.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, a) }()
	t.Cleanup(func() {
		cancel()
		b.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("Serve did not return")
		}
	})
	return b
}

// connect serves s and connects a client with opts.
func connect(t *testing.T, s *server.Server, opts *client.Options) *client.Session {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sess, err := client.Connect(ctx, serve(t, s), opts)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { sess.Close() })
	return sess
}

// wire is a raw JSON-RPC peer for checking exact bytes.
type wire struct {
	t *testing.T
	s jsonrpc.Stream
}

func rawPeer(t *testing.T, s *server.Server) *wire {
	return &wire{t: t, s: serve(t, s)}
}

func (w *wire) send(msg string) {
	w.t.Helper()
	if err := w.s.Write(context.Background(), []byte(msg)); err != nil {
		w.t.Fatalf("write: %v", err)
	}
}

// recv returns the next message decoded into a generic map.
func (w *wire) recv() map[string]any {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	b, err := w.s.Read(ctx)
	if err != nil {
		w.t.Fatalf("read: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		w.t.Fatalf("server sent invalid JSON %s: %v", b, err)
	}
	return m
}

// roundTrip sends a request and returns the response, skipping notifications.
func (w *wire) roundTrip(msg string) map[string]any {
	w.t.Helper()
	w.send(msg)
	for {
		m := w.recv()
		if _, isNote := m["method"]; isNote {
			continue
		}
		return m
	}
}

func errCode(m map[string]any) int {
	e, ok := m["error"].(map[string]any)
	if !ok {
		return 0
	}
	return int(e["code"].(float64))
}

func errMessage(m map[string]any) string {
	e, _ := m["error"].(map[string]any)
	s, _ := e["message"].(string)
	return s
}

func result(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	r, ok := m["result"].(map[string]any)
	if !ok {
		t.Fatalf("no result in %v", m)
	}
	return r
}

const modernMeta = `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"}}`

func legacyInit(w *wire, version string) map[string]any {
	res := w.roundTrip(`{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"` + version + `","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	w.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	return res
}

func rpcCode(err error) int64 {
	var e *jsonrpc.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// recvRaw returns the next message as text.
func (w *wire) recvRaw() string {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	b, err := w.s.Read(ctx)
	if err != nil {
		w.t.Fatalf("read: %v", err)
	}
	return string(b)
}
