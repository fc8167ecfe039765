package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport/sse"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// connect connects our client to the bridge's /mcp in version, with header on every
// request and an elicitation handler that accepts book_trip's alternative.
func (b *stdioBridge) connect(ctx context.Context, t *testing.T, version string, header http.Header) *client.Session {
	t.Helper()
	stream, err := streamable.NewClient(b.base+"/mcp", &streamable.ClientOptions{Header: header})
	if err != nil {
		t.Fatal(err)
	}
	sess, err := client.Connect(ctx, stream, &client.Options{ProtocolVersion: version,
		OnElicit: func(ctx context.Context, p *mcp.ElicitParams) (*mcp.ElicitResult, error) {
			return &mcp.ElicitResult{Action: mcp.ElicitActionAccept, Content: jsontext.Value(`{"checkAlternative":true}`)}, nil
		}})
	if err != nil {
		t.Fatalf("%s: connect: %v", version, err)
	}
	t.Cleanup(func() { _ = sess.Close() })
	return sess
}

// add calls add(i, 1000) and checks the answer.
func add(ctx context.Context, sess *client.Session, i int) error {
	res, err := sess.CallTool(ctx, "add", map[string]int{"a": i, "b": 1000})
	if err != nil {
		return err
	}
	if res.IsError || res.Content[0].Text != strconv.Itoa(i+1000) {
		return fmt.Errorf("add(%d, 1000) = %+v", i, res)
	}
	return nil
}

// probe GETs path on the bridge and returns the status.
func (b *stdioBridge) probe(t *testing.T, path string) int {
	t.Helper()
	resp, err := http.Get(b.base + path)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// waitProbe polls path (bounded) until it answers want.
func (b *stdioBridge) waitProbe(t *testing.T, path string, want int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := b.probe(t, path)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s answers %d, want %d", path, got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestBridgeStdioAuth: `bridge --stdio --auth-issuer` puts serve's resource-server authorization in front:
// the protected-resource metadata is served, /mcp and /sse answer 401 with a WWW-Authenticate naming it
// without a token and a foreign audience's token, a valid token is served in both eras, and the probes need
// no token.
func TestBridgeStdioAuth(t *testing.T) {
	is := newTestIssuer(t)
	b := startStdioBridge(t, "--auth-issuer", is.ts.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resource := b.base + "/mcp"
	good := is.token(t, "alice", resource, "")
	for _, tc := range []struct {
		name, method, path, token string
	}{
		{"no token", http.MethodPost, "/mcp", ""},
		{"no token", http.MethodGet, "/sse", ""},
		{"another audience", http.MethodPost, "/mcp", is.token(t, "alice", "http://other.example/mcp", "")},
	} {
		req, err := http.NewRequestWithContext(ctx, tc.method, b.base+tc.path, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"ping"}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if tc.token != "" {
			req.Header.Set("Authorization", "Bearer "+tc.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		challenge := resp.Header.Get("WWW-Authenticate")
		if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(challenge, "Bearer ") ||
			!strings.Contains(challenge, `resource_metadata="`+b.base+"/.well-known/oauth-protected-resource/mcp") {
			t.Errorf("%s %s, %s: %d, WWW-Authenticate %q; want 401 naming the metadata", tc.method, tc.path, tc.name, resp.StatusCode, challenge)
		}
	}
	var md struct {
		Resource             string   `json:"resource"`
		AuthorizationServers []string `json:"authorization_servers"`
	}
	getJSON(t, b.base+"/.well-known/oauth-protected-resource/mcp", &md)
	if md.Resource != resource || len(md.AuthorizationServers) != 1 || md.AuthorizationServers[0] != is.ts.URL {
		t.Errorf("protected-resource metadata %+v", md)
	}
	header := http.Header{"Authorization": {"Bearer " + good}}
	for i, version := range []string{mcp.Version20251125, mcp.Version20260728} {
		if err := add(ctx, b.connect(ctx, t, version, header), i); err != nil {
			t.Errorf("%s with a token: %v", version, err)
		}
	}
	stream, err := sse.Dial(ctx, b.base+"/sse", &sse.ClientOptions{Header: header})
	if err != nil {
		t.Fatalf("/sse with a token: %v", err)
	}
	sess, err := client.Connect(ctx, stream, &client.Options{ProtocolVersion: mcp.Version20241105})
	if err != nil {
		t.Fatalf("/sse with a token: %v", err)
	}
	defer sess.Close()
	if err := add(ctx, sess, 7); err != nil {
		t.Errorf("/sse with a token: %v", err)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if got := b.probe(t, path); got != http.StatusOK {
			t.Errorf("%s without a token: %d, want 200", path, got)
		}
	}
}

// TestBridgeStdioRestart: /healthz and /readyz answer 200; the child serving 2026-07-28 requests is
// killed: /readyz answers 503 and a request fails at once with the reason while it is down (the restart
// waits --restart-delay), then a new child is started, /readyz answers 200 again and the same client's
// requests are served, a round of elicitation included.
func TestBridgeStdioRestart(t *testing.T) {
	b := startStdioBridge(t, "--restart-delay", "3s")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b.waitChildren(t, 1)
	if h, r := b.probe(t, "/healthz"), b.probe(t, "/readyz"); h != http.StatusOK || r != http.StatusOK {
		t.Fatalf("/healthz %d, /readyz %d; want 200, 200", h, r)
	}
	sess := b.connect(ctx, t, mcp.Version20260728, nil)
	if err := add(ctx, sess, 1); err != nil {
		t.Fatal(err)
	}
	old := b.childPIDs(t)
	if err := syscall.Kill(old[0], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	b.waitProbe(t, "/readyz", http.StatusServiceUnavailable)
	// A request that races the death (sent before the bridge has seen the child's connection end) fails
	// with the connection's own error; once the bridge has seen it, with the restart reason. Either way
	// at once: never a hang, never a success while no child runs (--restart-delay keeps it down 3 s).
	const restarting = "the stdio server is not running (the server process exited); it is being restarted"
	for attempt := 0; ; attempt++ {
		cctx, ccancel := context.WithTimeout(ctx, 10*time.Second)
		err := add(cctx, sess, 2)
		timedOut := cctx.Err()
		ccancel()
		if err == nil || timedOut != nil {
			t.Fatalf("a request while the child is down: %v (context %v); want a failure at once", err, timedOut)
		}
		if strings.Contains(err.Error(), restarting) {
			break
		}
		if attempt == 20 || !strings.Contains(err.Error(), "closed") && !strings.Contains(err.Error(), "broken pipe") {
			t.Fatalf("a request while the child is down (attempt %d): %v; want the restart reason", attempt, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.waitProbe(t, "/readyz", http.StatusOK)
	b.waitChildren(t, 1)
	if now := b.childPIDs(t); now[0] == old[0] {
		t.Fatalf("the child is still pid %d", now[0])
	}
	if err := add(ctx, sess, 3); err != nil {
		t.Fatalf("after the restart: %v", err)
	}
	res, err := sess.CallTool(ctx, "book_trip", map[string]string{"date": demo.FullDate})
	if err != nil || res.Content[0].Text != "[SUCCESS] Booked for 2024-12-26" {
		t.Fatalf("book_trip after the restart = %+v, %v", res, err)
	}
	if got := b.probe(t, "/healthz"); got != http.StatusOK {
		t.Errorf("/healthz %d", got)
	}
}

// TestBridgeStdioPool: with --pool 3, three children serve 2026-07-28 requests from the start; 60 calls,
// 20 at a time, are all answered; elicitation rounds (whose retry may land on another child of the pool:
// they share the key ring sealing requestState) succeed; tasks run at the bridge are polled and fetched
// across the pool (one task store); a legacy session still gets its own child.
func TestBridgeStdioPool(t *testing.T) {
	for _, era := range []string{"auto", "legacy"} {
		t.Run("children="+era, func(t *testing.T) { testBridgeStdioPool(t, era) })
	}
}

// testBridgeStdioPool runs TestBridgeStdioPool with the children reached in era (--protocol-era): tasks run
// at the bridge for a legacy child's tools only (a 2026-07-28 child lists no taskSupport).
func testBridgeStdioPool(t *testing.T, era string) {
	b := startStdioBridge(t, "--pool", "3", "--protocol-era", era)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b.waitChildren(t, 3)
	sess := b.connect(ctx, t, mcp.Version20260728, nil)
	const calls, width = 60, 20
	errs := make([]error, calls)
	sem := make(chan struct{}, width)
	var wg sync.WaitGroup
	for i := range calls {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			errs[i] = add(ctx, sess, i)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("call %d: %v", i, err)
		}
	}
	for i := range 6 {
		res, err := sess.CallTool(ctx, "book_trip", map[string]string{"date": demo.FullDate})
		if err != nil || res.Content[0].Text != "[SUCCESS] Booked for 2024-12-26" {
			t.Fatalf("book_trip %d through the pool = %+v, %v", i, res, err)
		}
	}
	// A task runs at the bridge (in one child's proxy); its polls and result land on any child of the
	// pool, which share the task store.
	for i := range 3 {
		if era != "legacy" {
			break
		}
		h, err := sess.CallToolAsTask(ctx, "process_files", map[string]any{"files": 2, "label": strconv.Itoa(i)}, nil)
		if err != nil || h.ID() == "" {
			t.Fatalf("process_files as a task through the pool: %v (task %q)", err, h.ID())
		}
		res, err := h.Result(ctx)
		if err != nil || res.Content[0].Text != "processed 2 files ("+strconv.Itoa(i)+")" {
			t.Fatalf("task %d through the pool = %+v, %v", i, res, err)
		}
	}
	if n := b.children(t); n != 3 {
		t.Errorf("%d children after the calls, want 3", n)
	}
	legacy := b.connect(ctx, t, mcp.Version20251125, nil)
	if err := add(ctx, legacy, 5); err != nil {
		t.Fatal(err)
	}
	b.waitChildren(t, 4)
}
