package interop

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/mcpkit/mcpkit/internal/syncbuf"
)

// TestAuthMcpRemote: mcp-remote 0.15.1 (a stdio-to-HTTP bridge with its own OAuth client) reaches `mcpkit
// serve --dev-auth --auth-scope mcp:tools`: the first request gets 401, mcp-remote discovers the
// development authorization server, registers, starts its loopback callback server (127.0.0.1 with --host)
// and "opens a browser" — xdg-open (bundled with its `open` dependency) finds no desktop and runs $BROWSER,
// here interop/node/authbrowser.mjs, which GETs the authorization URL and follows the auto-approve redirect
// to the callback — then redeems the code, and a tools/call sent over its stdio is answered.
func TestAuthMcpRemote(t *testing.T) {
	node := peers(t)
	proxy := filepath.Join(os.Getenv("MCPKIT_PEERS"), "node_modules", "mcp-remote", "dist", "proxy.js")
	if _, err := os.Stat(proxy); err != nil {
		missingPeer(t, "mcp-remote is not installed (scripts/peers.sh pins mcp-remote@0.15.1): %v", err)
	}
	d := startProtectedDemo(t, freeLoopbackAddr(t), "--dev-auth", "--auth-scope", "mcp:tools")
	issuer := d.devIssuer(t)

	dir := t.TempDir()
	browserLog := filepath.Join(dir, "browser.log")
	script, _ := filepath.Abs(filepath.Join("node", "authbrowser.mjs"))
	browser := filepath.Join(dir, "browser")
	if err := os.WriteFile(browser, []byte(fmt.Sprintf("#!/bin/sh\nexec %q %q \"$1\"\n", node, script)), 0o755); err != nil {
		t.Fatal(err)
	}
	callback := freeLoopbackAddr(t)
	port := callback[strings.LastIndexByte(callback, ':')+1:]

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, proxy, d.base+"/mcp", port, "--host", "127.0.0.1", "--allow-http")
	var env []string
	for _, kv := range os.Environ() {
		switch strings.SplitN(kv, "=", 2)[0] {
		case "DISPLAY", "WAYLAND_DISPLAY", "XDG_CURRENT_DESKTOP", "DESKTOP_SESSION", "KDE_FULL_SESSION", "GNOME_DESKTOP_SESSION_ID", "BROWSER", "HOME":
			continue
		}
		env = append(env, kv)
	}
	cmd.Env = append(env, "HOME="+dir, "MCP_REMOTE_CONFIG_DIR="+filepath.Join(dir, "mcp-auth"),
		"BROWSER="+browser, "MCPKIT_AUTHBROWSER_LOG="+browserLog)
	stderr := &syncbuf.Buffer{}
	cmd.Stderr = stderr
	dieWithParent(cmd)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	lines := make(chan []byte, 16)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
		for sc.Scan() {
			lines <- append([]byte(nil), sc.Bytes()...)
		}
	}()
	t.Cleanup(func() {
		_ = stdin.Close()
		_ = cmd.Process.Kill()
		for range lines { // until the reader sees the end of stdout
		}
		<-done
		if t.Failed() {
			b, _ := os.ReadFile(browserLog)
			t.Logf("mcp-remote said:\n%s\nthe browser saw:\n%s", stderr.String(), b)
		}
	})
	go func() { _ = cmd.Wait(); close(done) }()

	send := func(msg string) {
		if _, err := io.WriteString(stdin, msg+"\n"); err != nil {
			t.Fatalf("writing to mcp-remote: %v", err)
		}
	}
	// await returns the response with id, skipping notifications and server requests.
	await := func(id int) map[string]jsontext.Value {
		t.Helper()
		for {
			select {
			case line, ok := <-lines:
				if !ok {
					t.Fatalf("mcp-remote closed its stdout before answering request %d", id)
				}
				var m map[string]jsontext.Value
				if err := json.Unmarshal(line, &m); err != nil {
					continue // not JSON-RPC
				}
				if string(m["id"]) == fmt.Sprint(id) && m["method"] == nil {
					return m
				}
			case <-ctx.Done():
				t.Fatalf("no answer to request %d: %v", id, ctx.Err())
			}
		}
	}
	send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"mcpkit-interop","version":"1.0.0"}}}`)
	init := await(1)
	if init["error"] != nil {
		t.Fatalf("initialize failed: %s", init["error"])
	}
	send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	send(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"add","arguments":{"a":5,"b":10}}}`)
	call := await(2)
	var res struct {
		Content []struct {
			Text string `json:"text"`
		} `json:"content"`
	}
	if err := json.Unmarshal(call["result"], &res); err != nil || len(res.Content) == 0 || res.Content[0].Text != "15" {
		t.Fatalf("tools/call through mcp-remote: %s (%v)", call["result"], err)
	}
	// The token came from the flow: the browser stand-in was used, and reached the callback with a code.
	b, err := os.ReadFile(browserLog)
	if err != nil {
		t.Fatalf("the browser stand-in was never run: %v", err)
	}
	hops := string(b)
	if !strings.Contains(hops, "302 "+issuer+"/") || !strings.Contains(hops, "200 http://127.0.0.1:"+port+"/oauth/callback?code=") {
		t.Fatalf("the browser did not go from the authorization server to the callback with a code:\n%s", hops)
	}
	t.Logf("browser hops:\n%s", hops)
}
