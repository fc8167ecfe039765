package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/gateway"
	"github.com/mcpkit/mcpkit/internal/redistest"
	"github.com/mcpkit/mcpkit/internal/servicetest"
	"github.com/mcpkit/mcpkit/internal/syncbuf"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport/sse"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// writeGatewayConfig writes a host config file: "demo" is `mcpkit serve --stdio` (with demoGateway as its
// "gateway" member when not empty), "web" the Streamable HTTP server at webURL pinned to 2026-07-28, "old"
// the same server's HTTP+SSE endpoint.
func writeGatewayConfig(t *testing.T, path, webURL, demoGateway string) {
	t.Helper()
	demoEntry := `"command": ` + strconv.Quote(binary) + `, "args": ["serve", "--stdio"]`
	if demoGateway != "" {
		demoEntry += `, "gateway": ` + demoGateway
	}
	src := `{
  // a host config file, comments and all
  "mcpServers": {
    "demo": {` + demoEntry + `},
    "web": {"url": ` + strconv.Quote(webURL) + `, "gateway": {"timeout": "5s", "protocolEra": "modern"}},
    "old": {"type": "sse", "url": ` + strconv.Quote(strings.TrimSuffix(webURL, "/mcp")+"/sse") + `}
  }
}`
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
}

func gatewayTools(ctx context.Context, t *testing.T, sess *client.Session) []string {
	t.Helper()
	var names []string
	for tool, err := range sess.Tools(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tool.Name)
	}
	slices.Sort(names)
	return names
}

// gatewayProc is a running `mcpkit gateway`.
type gatewayProc = listening

// startGateway runs `mcpkit gateway ARGS --addr` on a free loopback port (startListening).
func startGateway(t *testing.T, args ...string) *gatewayProc {
	t.Helper()
	return startListening(t, "the gateway", append([]string{"gateway"}, args...)...)
}

// TestGatewayCommand runs `mcpkit gateway` on a config file naming a stdio child (`mcpkit serve --stdio`)
// and a Streamable HTTP server (`mcpkit serve`), and drives it with our client over /mcp in both eras and
// over /sse: both upstreams' tools by their namespaced names, a template read, /readyz with the upstreams'
// states, /healthz, the Host and Origin checks, a reload on SIGHUP, the HTTP upstream killed (its tools go, /readyz shows it
// down), and SIGTERM ending it with exit 0.
func TestGatewayCommand(t *testing.T) {
	webAddr, webProc := servicetest.Listening(t, "mcpkit serve", binary, func(addr string) []string { return []string{"serve", "--addr", addr} })
	cfgPath := filepath.Join(t.TempDir(), "mcp.json")
	writeGatewayConfig(t, cfgPath, "http://"+webAddr+"/mcp", "")
	gw := startGateway(t, "--config", cfgPath, "--poll", "1h", "--ping-interval", "100ms")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	for _, version := range []string{mcp.Version20251125, mcp.Version20260728} {
		stream, err := streamable.NewClient(gw.base+"/mcp", nil)
		if err != nil {
			t.Fatal(err)
		}
		sess, err := client.Connect(ctx, stream, &client.Options{ProtocolVersion: version})
		if err != nil {
			t.Fatalf("%s: %v", version, err)
		}
		tools := gatewayTools(ctx, t, sess)
		for _, want := range []string{"demo__add", "demo__book_trip", "web__add", "web__echo", "old__add"} {
			if !slices.Contains(tools, want) {
				t.Fatalf("%s: tools %v lack %s", version, tools, want)
			}
		}
		for _, ns := range []string{"demo", "web", "old"} {
			res, err := sess.CallTool(ctx, ns+"__add", map[string]int{"a": 40, "b": 2})
			if err != nil || res.IsError || res.Content[0].Text != "42" {
				t.Fatalf("%s: %s__add = %+v, %v", version, ns, res, err)
			}
			read, err := sess.ReadResource(ctx, ns+"+greeting://Ann")
			if err != nil || read.Contents[0].Text != "Hello, Ann!" {
				t.Fatalf("%s: read %s+greeting://Ann = %+v, %v", version, ns, read, err)
			}
		}
		sess.Close()
	}
	stream, err := sse.Dial(ctx, gw.base+"/sse", nil)
	if err != nil {
		t.Fatal(err)
	}
	sseSess, err := client.Connect(ctx, stream, &client.Options{ProtocolVersion: mcp.Version20241105})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := sseSess.CallTool(ctx, "web__add", map[string]int{"a": 1, "b": 2}); err != nil || res.Content[0].Text != "3" {
		t.Fatalf("over /sse: web__add = %+v, %v", res, err)
	}
	sseSess.Close()

	resp, err := http.Get(gw.base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"name":"demo","state":"up","version":"`) ||
		!strings.Contains(string(body), `"name":"web","state":"up","version":"2026-07-28"`) ||
		!strings.Contains(string(body), `"name":"old","state":"up"`) {
		t.Fatalf("/readyz: %d %s", resp.StatusCode, body)
	}
	req, _ := http.NewRequest(http.MethodPost, gw.base+"/mcp", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"ping"}`))
	req.Host = "evil.example"
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a foreign Host: %v %v, want 403", resp, err)
	} else {
		resp.Body.Close()
	}
	req, _ = http.NewRequest(http.MethodPost, gw.base+"/mcp", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"ping"}`))
	req.Header.Set("Origin", "http://evil.example")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a foreign Origin: %v %v, want 403", resp, err)
	} else {
		resp.Body.Close()
	}
	if resp, err := http.Get(gw.base + "/healthz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}

	// Reload on SIGHUP (the poll is an hour): demo's add is denied from now on, web is untouched.
	writeGatewayConfig(t, cfgPath, "http://"+webAddr+"/mcp", `{"deny": ["add"]}`)
	if err := gw.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	stream2, err := streamable.NewClient(gw.base+"/mcp", nil)
	if err != nil {
		t.Fatal(err)
	}
	sess, err := client.Connect(ctx, stream2, &client.Options{ProtocolVersion: mcp.Version20260728})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	for {
		tools := gatewayTools(ctx, t, sess)
		if !slices.Contains(tools, "demo__add") && slices.Contains(tools, "demo__echo") && slices.Contains(tools, "web__add") {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the reload never took effect: %v", tools)
		case <-time.After(50 * time.Millisecond):
		}
	}
	if !strings.Contains(gw.proc.Output(), "reloaded "+cfgPath+" (SIGHUP)") {
		t.Fatalf("no reload logged:\n%s", gw.proc.Output())
	}

	// The HTTP upstream dies: its tools go, /readyz still answers 200 and shows it down, the stdio
	// upstream keeps serving.
	webProc.Kill()
	for {
		tools := gatewayTools(ctx, t, sess)
		if !slices.Contains(tools, "web__add") {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the dead upstream's tools stay: %v", tools)
		case <-time.After(50 * time.Millisecond):
		}
	}
	if res, err := sess.CallTool(ctx, "demo__echo", map[string]string{"message": "still here"}); err != nil || res.IsError {
		t.Fatalf("demo__echo with web down = %+v, %v", res, err)
	}
	resp, err = http.Get(gw.base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"name":"web","state":"`) || strings.Contains(string(body), `"name":"web","state":"up"`) {
		t.Fatalf("/readyz with web down: %d %s", resp.StatusCode, body)
	}

	if err := gw.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-gw.proc.Done():
	case <-ctx.Done():
		t.Fatal("the gateway did not stop on SIGTERM")
	}
	if code := gw.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("the gateway exited %d on SIGTERM, want 0:\n%s", code, gw.proc.Output())
	}
}

// TestGatewayConfigReloadOnChange: watchGatewayConfig applies a file whose modification time changed, and
// keeps the running configuration when the new file is invalid.
func TestGatewayConfigReloadOnChange(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mcp.json")
	write := func(src string) {
		if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	entry := `{"command": ` + strconv.Quote(binary) + `, "args": ["serve", "--stdio"]}`
	write(`{"mcpServers": {"one": ` + entry + `}}`)
	f := &gatewayFlags{config: path}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg, err := loadGatewayConfig(ctx, f, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	g := gateway.New("gw", "test", nil)
	defer g.Close()
	if err := g.Apply(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	var log syncbuf.Buffer
	wctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		watchGatewayConfig(wctx, g, f, nil, 20*time.Millisecond, &log)
	}()
	defer func() { stop(); <-done }()
	names := func() string {
		var n []string
		for _, s := range g.Status() {
			n = append(n, s.Name+":"+string(s.State))
		}
		return strings.Join(n, ",")
	}
	if got := names(); got != "one:up" {
		t.Fatalf("status %s", got)
	}
	time.Sleep(30 * time.Millisecond) // a later modification time
	write(`{"mcpServers": {"one": ` + entry + `, "two": ` + entry + `}}`)
	for names() != "one:up,two:up" {
		select {
		case <-ctx.Done():
			t.Fatalf("status %s after the file changed", names())
		case <-time.After(20 * time.Millisecond):
		}
	}
	write(`{"mcpServers": {"bad_name": ` + entry + `}}`)
	for !strings.Contains(log.String(), `upstream name "bad_name"`) {
		select {
		case <-ctx.Done():
			t.Fatal("the invalid file was not reported")
		case <-time.After(20 * time.Millisecond):
		}
	}
	if got := names(); got != "one:up,two:up" {
		t.Fatalf("status %s after an invalid file, want the running configuration", got)
	}
	if s := log.String(); !strings.Contains(s, `upstream name "bad_name": character '_'`) {
		t.Fatalf("the refusal does not say why: %s", s)
	}
}

// TestGatewayRefusals: a wrong command line or configuration stops `mcpkit gateway` at once with a message
// naming the flag, file, server and rule.
func TestGatewayRefusals(t *testing.T) {
	dir := t.TempDir()
	file := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := file("good.json", `{"mcpServers": {"demo": {"command": "true"}}}`)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"gateway", "--addr", "127.0.0.1:0"}, exitUsage, "--config FILE is required"},
		{[]string{"gateway", "--config", good, "--addr", "0.0.0.0:0"}, exitUsage, "not a loopback address"},
		{[]string{"gateway", "--config", filepath.Join(dir, "missing.json"), "--addr", "127.0.0.1:0"}, exitError, "--config: open"},
		{[]string{"gateway", "--config", good, "--server", "nope", "--addr", "127.0.0.1:0"}, exitError, `--server "nope": ` + good + ` has no such server; it has: demo`},
		{[]string{"gateway", "--config", file("under.json", `{"mcpServers": {"my_server": {"command": "true"}}}`), "--addr", "127.0.0.1:0"}, exitError, `upstream name "my_server": character '_'`},
		{[]string{"gateway", "--config", file("member.json", `{"mcpServers": {"a": {"command": "true", "gateway": {"timout": "1s"}}}}`), "--addr", "127.0.0.1:0"}, exitError, `server "a": "gateway"`},
		{[]string{"gateway", "--config", file("timeout.json", `{"mcpServers": {"a": {"command": "true", "gateway": {"timeout": "soon"}}}}`), "--addr", "127.0.0.1:0"}, exitError, `"gateway"."timeout": want a duration`},
		{[]string{"gateway", "--config", file("era.json", `{"mcpServers": {"a": {"command": "true", "gateway": {"protocolEra": "old"}}}}`), "--addr", "127.0.0.1:0"}, exitError, `"gateway"."protocolEra"`},
		{[]string{"gateway", "--config", file("off.json", `{"mcpServers": {"a": {"command": "true", "gateway": {"disabled": true}}}}`), "--addr", "127.0.0.1:0"}, exitError, "no server to serve"},
		{[]string{"gateway", "--config", file("coll.json", `{"mcpServers": {"a": {"command": "true"}, "b": {"command": "true", "gateway": {"name": "A"}}}}`), "--addr", "127.0.0.1:0"}, exitError, `collides with upstream "a"`},
		{[]string{"gateway", "--config", good, "--separator", "/", "--addr", "127.0.0.1:0"}, exitError, `separator "/"`},
		{[]string{"gateway", "--config", good, "--addr", "127.0.0.1:0", "--redis", "redis://user:secret@127.0.0.1:1/0"}, exitError, "Redis does not answer"},
	} {
		_, stderr, code := mcpkit(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("mcpkit %q: exit %d (want %d); stderr:\n%s\nwant it to contain %q", tc.args, code, tc.code, stderr, tc.want)
		}
		if strings.Contains(stderr, "secret") {
			t.Errorf("mcpkit %q shows the password:\n%s", tc.args, stderr)
		}
	}
}

// TestGatewayRedisNodes runs two `mcpkit gateway --redis` processes on one Redis with the same config (a
// stdio demo each): a legacy session initialized on the first is served by the second, and a 2026-07-28
// requestState sealed on the first (book_trip asks the user) is answered on the second.
func TestGatewayRedisNodes(t *testing.T) {
	rs := redistest.Start(t)
	cfgPath := filepath.Join(t.TempDir(), "mcp.json")
	src := `{"mcpServers": {"demo": {"command": ` + strconv.Quote(binary) + `, "args": ["serve", "--stdio"]}}}`
	if err := os.WriteFile(cfgPath, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	a := startGateway(t, "--config", cfgPath, "--redis", rs.URL(0))
	b := startGateway(t, "--config", cfgPath, "--redis", rs.URL(0))
	status, sid, body := post(t, a.base+"/mcp", "", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	if status != http.StatusOK || sid == "" {
		t.Fatalf("initialize on A: %d, session %q, %s", status, sid, body)
	}
	if status, _, body := post(t, a.base+"/mcp", sid, `{"jsonrpc":"2.0","method":"notifications/initialized"}`); status != http.StatusAccepted {
		t.Fatalf("initialized on A: %d %s", status, body)
	}
	status, _, body = post(t, b.base+"/mcp", sid, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"demo__add","arguments":{"a":5,"b":10}}}`)
	if status != http.StatusOK || !strings.Contains(body, `"text":"15"`) {
		t.Fatalf("tools/call on B with A's session: %d %s", status, body)
	}
	meta := `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{"elicitation":{}}}`
	status, _, body = postModern(t, a.base+"/mcp", "demo__book_trip", `{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"demo__book_trip","arguments":{"date":"2024-12-25"},`+meta+`}}`)
	var first struct {
		Result struct {
			RequestState  string                     `json:"requestState"`
			InputRequests map[string]json.RawMessage `json:"inputRequests"`
		} `json:"result"`
	}
	if err := json.Unmarshal([]byte(body), &first); status != http.StatusOK || err != nil || first.Result.RequestState == "" || len(first.Result.InputRequests) != 1 {
		t.Fatalf("demo__book_trip on A: %d %s (%v)", status, body, err)
	}
	var key string
	for k := range first.Result.InputRequests {
		key = k
	}
	state, _ := json.Marshal(first.Result.RequestState)
	retry := `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"demo__book_trip","arguments":{"date":"2024-12-25"},` +
		`"inputResponses":{` + strconv.Quote(key) + `:{"action":"accept","content":{"checkAlternative":true}}},"requestState":` + string(state) + `,` + meta + `}}`
	status, _, body = postModern(t, b.base+"/mcp", "demo__book_trip", retry)
	if status != http.StatusOK || !strings.Contains(body, "Booked for 2024-12-26") {
		t.Fatalf("demo__book_trip retried on B with A's requestState: %d %s", status, body)
	}
}

// TestGatewaySIGHUPWhileStarting: a SIGHUP that comes while the gateway is still connecting to its
// upstreams (here one that accepts the connection and never answers: up to the 30 s connect timeout) does
// not kill it. Before, SIGHUP was caught only once the first connections were made, and until then its
// default action ended the process.
func TestGatewaySIGHUPWhileStarting(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan net.Conn, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		for {
			select {
			case c := <-accepted:
				c.Close()
			default:
				return
			}
		}
	})
	path := filepath.Join(t.TempDir(), "mcp.json")
	if err := os.WriteFile(path, []byte(`{"mcpServers": {"hang": {"url": "http://`+ln.Addr().String()+`/mcp"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	port, err := servicetest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "gateway", "--config", path, "--addr", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	p, err := servicetest.StartCmd(cmd)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Kill()
	select {
	case c := <-accepted: // the gateway is connecting to its upstream
		accepted <- c
	case <-p.Done():
		t.Fatalf("the gateway exited: %s", p.Output())
	case <-time.After(20 * time.Second):
		t.Fatal("the gateway did not connect to its upstream")
	}
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.Done():
		t.Fatalf("a SIGHUP while connecting ended the gateway: %s", p.Output())
	case <-time.After(500 * time.Millisecond):
	}
}
