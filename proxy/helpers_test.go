package proxy_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/proxy"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/transport/memory"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// rig is the demo behind a proxy: the demo server (upstream), the proxy's session to it, and a downstream
// client of the proxy, all in process over memory pipes.
type rig struct {
	up        *server.Server
	upSession *client.Session
	proxy     *proxy.Proxy
	down      *client.Session
	// started is closed by the "block" tool when it runs; cancelled when its ctx ends.
	started, cancelled chan struct{}
}

// serve runs s on one end of a pipe until the test ends and returns the other end.
func serve(t testing.TB, s *server.Server) jsonrpc.Stream {
	t.Helper()
	a, b := memory.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, a) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return b
}

// newRig connects the proxy to the demo in upVersion and the downstream client to the proxy in
// downVersion with downOpts.
func newRig(t testing.TB, upVersion, downVersion string, downOpts client.Options) *rig {
	t.Helper()
	return newRigOn(t, demo.New(), nil, upVersion, downVersion, downOpts)
}

// newRigOn is newRig with the upstream server given (the demo built with other options) and the proxy's
// options.
func newRigOn(t testing.TB, upstream *server.Server, popts *proxy.Options, upVersion, downVersion string, downOpts client.Options) *rig {
	t.Helper()
	r := &rig{up: upstream, started: make(chan struct{}), cancelled: make(chan struct{})}
	server.Tool(r.up, "block", "Wait until cancelled", func(ctx context.Context, _ struct{}) (string, error) {
		close(r.started)
		<-ctx.Done()
		close(r.cancelled)
		return "", ctx.Err()
	})
	server.Tool(r.up, "roots", "List the client's roots", func(ctx context.Context, _ struct{}) (string, error) {
		roots, err := server.Roots(ctx)
		if err != nil {
			return "", err
		}
		var uris []string
		for _, root := range roots {
			uris = append(uris, root.URI)
		}
		return strings.Join(uris, ","), nil
	})
	server.Tool(r.up, "meta", "Echo the request's _meta extension key and traceparent", func(ctx context.Context, _ struct{}) (string, error) {
		m := server.RequestFrom(ctx).Meta
		if m == nil {
			return "no _meta", nil
		}
		return string(m.Extra["com.example/tenant"]) + " " + string(m.TraceParent), nil
	})
	r.up.CompletePromptArgument("review_code", "code", func(ctx context.Context, value string, _ map[string]string) ([]string, error) {
		return []string{value + "()", value + "[]"}, nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	r.proxy = proxy.New("bridge", "test", popts)
	upStream := serve(t, r.up)
	up, err := client.Connect(ctx, upStream, new(r.proxy.ClientOptions(client.Options{ProtocolVersion: upVersion})))
	if err != nil {
		t.Fatalf("connect upstream %s: %v", upVersion, err)
	}
	t.Cleanup(func() { up.Close() })
	r.upSession = up
	if err := r.proxy.Attach(ctx, up); err != nil {
		t.Fatalf("attach: %v", err)
	}
	runCtx, stopRun := context.WithCancel(context.Background())
	runDone := make(chan error, 1)
	go func() { runDone <- r.proxy.Run(runCtx) }()
	t.Cleanup(func() {
		stopRun()
		if err := <-runDone; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("Run: %v", err)
		}
	})

	downStream := serve(t, r.proxy.Server())
	downOpts.ProtocolVersion = downVersion
	down, err := client.Connect(ctx, downStream, &downOpts)
	if err != nil {
		t.Fatalf("connect downstream %s: %v", downVersion, err)
	}
	t.Cleanup(func() { down.Close() })
	r.down = down
	return r
}
