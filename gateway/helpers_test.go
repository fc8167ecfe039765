package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/gateway"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/transport/memory"
	"github.com/mcpkit/mcpkit/transport/stdio"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// childEnv makes the test binary a stdio upstream (the fixture demo) instead of running the tests.
const childEnv = "MCPKIT_GATEWAY_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		if err := newDemo().ServeStdio(context.Background()); err != nil && !errors.Is(err, context.Canceled) {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	goleak.VerifyTestMain(m)
}

// newDemo is the demo with what the gateway tests need beside it: completions for the prompt and the
// template, "touch" (tells subscribers command://ping changed), "slow" (waits until cancelled) and "roots".
func newDemo() *server.Server {
	s := demo.New()
	s.CompletePromptArgument("review_code", "code", func(ctx context.Context, value string, _ map[string]string) ([]string, error) {
		return []string{value + "()", value + "[]"}, nil
	})
	s.CompleteResourceVariable("greeting://{name}", "name", func(ctx context.Context, value string, _ map[string]string) ([]string, error) {
		return []string{value + "nn", value + "lice"}, nil
	})
	server.Tool(s, "touch", "Tell subscribers command://ping changed", func(ctx context.Context, _ struct{}) (string, error) {
		s.ResourceUpdated("command://ping")
		return "touched", nil
	})
	server.Tool(s, "slow", "Wait until cancelled", func(ctx context.Context, _ struct{}) (string, error) {
		<-ctx.Done()
		slowEnded.Add(1)
		return "", ctx.Err()
	})
	server.Tool(s, "log", "Log at debug and at error", func(ctx context.Context, _ struct{}) (string, error) {
		server.Log(ctx).Debug("dbg")
		server.Log(ctx).Error("err")
		return "logged", nil
	})
	server.Tool(s, "roots", "List the client's roots", func(ctx context.Context, _ struct{}) (string, error) {
		roots, err := server.Roots(ctx)
		if err != nil {
			return "", err
		}
		var uris []string
		for _, r := range roots {
			uris = append(uris, r.URI)
		}
		return strings.Join(uris, ","), nil
	})
	return s
}

// slowEnded counts the "slow" calls of in-process upstreams whose context ended (they were cancelled).
var slowEnded atomic.Int64

// fixture is an upstream a test can take down and bring back: Dial fails while it is down.
type fixture interface {
	dial(ctx context.Context, opts client.Options) (*client.Session, error)
	// kill takes the upstream down abruptly (pipes closed, child killed, HTTP server closed).
	kill()
	// revive lets it be dialled again.
	revive()
	dials() int
}

// memUp is an in-process upstream over memory pipes.
type memUp struct {
	srv     *server.Server
	version string
	n       atomic.Int32

	mu    sync.Mutex
	down  bool
	conns []interface{ Close() error }
	wg    sync.WaitGroup
	ctx   context.Context
}

func newMemUp(t testing.TB, srv *server.Server, version string) *memUp {
	ctx, cancel := context.WithCancel(context.Background())
	m := &memUp{srv: srv, version: version, ctx: ctx}
	t.Cleanup(func() {
		cancel()
		m.wg.Wait()
	})
	return m
}

func (m *memUp) dial(ctx context.Context, opts client.Options) (*client.Session, error) {
	m.mu.Lock()
	if m.down {
		m.mu.Unlock()
		return nil, errors.New("memUp: down")
	}
	a, b := memory.Pipe()
	m.conns = append(m.conns, a)
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		_ = m.srv.Serve(m.ctx, a)
	}()
	m.mu.Unlock()
	m.n.Add(1)
	opts.ProtocolVersion = m.version
	s, err := client.Connect(ctx, b, &opts)
	if err != nil {
		_ = b.Close()
	}
	return s, err
}

func (m *memUp) kill() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.down = true
	for _, c := range m.conns {
		_ = c.Close()
	}
	m.conns = nil
}

func (m *memUp) revive() {
	m.mu.Lock()
	m.down = false
	m.mu.Unlock()
}

func (m *memUp) dials() int { return int(m.n.Load()) }

// stdioUp is a child process (this test binary as the fixture demo) per connection.
type stdioUp struct {
	version string
	n       atomic.Int32

	mu   sync.Mutex
	down bool
	cmds []*exec.Cmd
}

func newStdioUp(version string) *stdioUp { return &stdioUp{version: version} }

func (s *stdioUp) dial(ctx context.Context, opts client.Options) (*client.Session, error) {
	s.mu.Lock()
	if s.down {
		s.mu.Unlock()
		return nil, errors.New("stdioUp: down")
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childEnv+"=1")
	stream, err := stdio.Command(cmd, stdio.CommandOptions{})
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	s.cmds = append(s.cmds, cmd)
	s.mu.Unlock()
	s.n.Add(1)
	opts.ProtocolVersion = s.version
	sess, err := client.Connect(ctx, stream, &opts)
	if err != nil {
		_ = stream.Close()
	}
	return sess, err
}

func (s *stdioUp) kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = true
	for _, c := range s.cmds {
		if c.Process != nil {
			_ = c.Process.Kill()
		}
	}
	s.cmds = nil
}

func (s *stdioUp) revive() {
	s.mu.Lock()
	s.down = false
	s.mu.Unlock()
}

func (s *stdioUp) dials() int { return int(s.n.Load()) }

// httpUp is a server on a loopback port over Streamable HTTP; kill closes the server, revive serves it
// again on the same address.
type httpUp struct {
	t       testing.TB
	srv     *server.Server
	version string
	addr    string
	n       atomic.Int32
	hc      *http.Client // sends the clients' requests (nil: http.DefaultClient)

	mu     sync.Mutex
	hs     *http.Server
	h      *streamable.Handler
	served chan struct{}
}

func newHTTPUp(t testing.TB, srv *server.Server, version string) *httpUp {
	u := &httpUp{t: t, srv: srv, version: version, addr: "127.0.0.1:0"}
	u.revive()
	t.Cleanup(u.kill)
	return u
}

func (u *httpUp) revive() {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.hs != nil {
		return
	}
	var ln net.Listener
	var err error
	for range 50 { // the port may linger a moment after kill
		if ln, err = net.Listen("tcp", u.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		u.t.Errorf("httpUp: listen %s: %v", u.addr, err)
		return
	}
	u.addr = ln.Addr().String()
	u.h = u.srv.Handler(nil)
	u.hs = &http.Server{Handler: u.h, ReadHeaderTimeout: 5 * time.Second}
	u.served = make(chan struct{})
	go func(hs *http.Server, done chan struct{}) {
		defer close(done)
		_ = hs.Serve(ln)
	}(u.hs, u.served)
}

func (u *httpUp) kill() {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.hs == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = u.h.Close(ctx)
	_ = u.hs.Close()
	<-u.served
	u.hs = nil
}

func (u *httpUp) dial(ctx context.Context, opts client.Options) (*client.Session, error) {
	u.mu.Lock()
	addr := u.addr
	u.mu.Unlock()
	u.n.Add(1)
	c, err := streamable.NewClient("http://"+addr+"/", &streamable.ClientOptions{HTTPClient: u.hc})
	if err != nil {
		return nil, err
	}
	opts.ProtocolVersion = u.version
	sess, err := client.Connect(ctx, c, &opts)
	if err != nil {
		_ = c.Close()
	}
	return sess, err
}

func (u *httpUp) dials() int { return int(u.n.Load()) }

// fastOptions make losses noticed and reconnections tried quickly.
func fastOptions() *gateway.Options {
	return &gateway.Options{
		PingInterval: 50 * time.Millisecond, PingTimeout: 10 * time.Second,
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
		ConnectTimeout: 10 * time.Second,
		Logger:         slog.New(slog.DiscardHandler),
	}
}

// newGateway builds a gateway with opts and applies cfg; it is closed when the test ends.
func newGateway(t testing.TB, opts *gateway.Options, cfg gateway.Config) *gateway.Gateway {
	t.Helper()
	g := gateway.New("gw", "test", opts)
	t.Cleanup(func() {
		if err := g.Close(); err != nil {
			t.Errorf("gateway Close: %v", err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := g.Apply(ctx, cfg); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	return g
}

// connectDown connects a downstream client to the gateway's server over a memory pipe.
func connectDown(t testing.TB, g *gateway.Gateway, version string, opts client.Options) *client.Session {
	t.Helper()
	a, b := memory.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Server().Serve(ctx, a) }()
	opts.ProtocolVersion = version
	cctx, ccancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer ccancel()
	s, err := client.Connect(cctx, b, &opts)
	if err != nil {
		cancel()
		<-done
		t.Fatalf("connect downstream %s: %v", version, err)
	}
	t.Cleanup(func() {
		s.Close()
		cancel()
		<-done
	})
	return s
}

// toolNames lists the downstream tools, sorted.
func toolNames(ctx context.Context, s *client.Session) ([]string, error) {
	var names []string
	for tool, err := range s.Tools(ctx) {
		if err != nil {
			return nil, err
		}
		names = append(names, tool.Name)
	}
	slices.Sort(names)
	return names, nil
}

// waitFor polls cond until it holds or ctx ends.
func waitFor(t testing.TB, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// upstreamOf makes the Upstream named name dialling f.
func upstreamOf(name string, f fixture) gateway.Upstream {
	return gateway.Upstream{Name: name, Dial: f.dial, Fingerprint: name}
}
