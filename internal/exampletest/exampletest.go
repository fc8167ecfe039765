package exampletest

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/internal/exampleserve"
	"github.com/mcpkit/mcpkit/internal/servicetest"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/transport/memory"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// Eras are the protocol versions an example is tested in: a legacy session (server-to-client requests,
// logging/setLevel) and the 2026-07-28 era (per-request _meta, input_required rounds).
var Eras = []string{mcp.Version20251125, mcp.Version20260728}

// Timeout bounds each step of a test: connecting, one call.
const Timeout = 10 * time.Second

// Connect serves s over an in-memory pipe and connects a client to it speaking version; both end when t
// does.
func Connect(t testing.TB, s *server.Server, version string, opts client.Options) *client.Session {
	t.Helper()
	a, b := memory.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, a) }()
	opts.ProtocolVersion = version
	cctx, ccancel := context.WithTimeout(ctx, Timeout)
	defer ccancel()
	sess, err := client.Connect(cctx, b, &opts)
	if err != nil {
		cancel()
		<-done
		t.Fatalf("connect %s: %v", version, err)
	}
	t.Cleanup(func() {
		sess.Close()
		cancel()
		<-done
	})
	return sess
}

// Call calls tool with args and returns the text of its first content block and its isError flag; a
// protocol error or a result without content fails t.
func Call(t testing.TB, sess *client.Session, tool string, args any) (string, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	res, err := sess.CallTool(ctx, tool, args)
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	if len(res.Content) == 0 {
		t.Fatalf("%s: no content: %+v", tool, res)
	}
	return res.Content[0].Text, res.IsError
}

// StartHTTP runs an example's run function with --addr on a free loopback port until t ends (then it
// cancels run's context and waits for run to return, failing t on an error), and returns the base URL
// once the port accepts connections.
func StartHTTP(t testing.TB, run func(ctx context.Context, f exampleserve.Flags) error) string {
	t.Helper()
	base, stop := StartHTTPStoppable(t, run)
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("run: %v", err)
		}
	})
	return base
}

// StartHTTPStoppable is StartHTTP that leaves the stopping to the caller: stop cancels run's context and
// returns what run returned (at once when called again). The caller must call stop before t ends.
func StartHTTPStoppable(t testing.TB, run func(ctx context.Context, f exampleserve.Flags) error) (base string, stop func() error) {
	t.Helper()
	port, err := servicetest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, exampleserve.Flags{Addr: addr}) }()
	var once sync.Once
	var runErr error
	stop = func() error {
		once.Do(func() {
			cancel()
			runErr = <-done
		})
		return runErr
	}
	if err := WaitListening(addr, done); err != nil {
		stop()
		t.Fatal(err)
	}
	return "http://" + addr, stop
}

// WaitListening waits until addr accepts TCP connections (nil), the program serving it ends first (a
// value on stopped, put back for the caller, and an error saying so), or Timeout passes.
func WaitListening(addr string, stopped chan error) error {
	deadline := time.Now().Add(Timeout)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case serr := <-stopped:
			stopped <- serr
			return fmt.Errorf("the example stopped before listening on %s: %v", addr, serr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the example does not listen on %s: %v", addr, err)
		}
	}
}

// ConnectHTTP connects a client to the Streamable HTTP endpoint under base (base+"/mcp") speaking
// version; the session ends when t does.
func ConnectHTTP(t testing.TB, base, version string, opts client.Options) *client.Session {
	t.Helper()
	stream, err := streamable.NewClient(base+"/mcp", nil)
	if err != nil {
		t.Fatal(err)
	}
	return ConnectStream(t, stream, version, opts)
}

// ConnectStream connects a client over stream speaking version (closing stream if that fails); the
// session ends when t does.
func ConnectStream(t testing.TB, stream jsonrpc.Stream, version string, opts client.Options) *client.Session {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	opts.ProtocolVersion = version
	sess, err := client.Connect(ctx, stream, &opts)
	if err != nil {
		stream.Close()
		t.Fatalf("connect %s: %v", version, err)
	}
	t.Cleanup(func() { sess.Close() })
	return sess
}
