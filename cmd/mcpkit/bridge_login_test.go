package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/auth/authserver"
	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/client/oauth"
	"github.com/mcpkit/mcpkit/internal/servicetest"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport/stdio"
)

// TestBridgeURLLogin: `mcpkit bridge URL` in front of `mcpkit serve --auth-issuer` (the development
// authorization server in process, its authorization requests counted). The first start has no stored
// token: the bridge runs the login itself, printing the authorization URL on stderr (--no-browser); the
// test plays the browser (it fetches the URL, which auto-approves, and follows the redirect to the bridge's
// loopback listener), and a tool call through the bridge succeeds. The token is kept where mcpkit login
// keeps it: the second start makes no authorization request; with the access token expired, the third
// refreshes it and makes none either. stdout carries only the protocol (the client reads it). A login no
// one completes is offered once and ends the bridge (exit 1) after --login-timeout.
func TestBridgeURLLogin(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + ln.Addr().String()
	as, err := authserver.New(authserver.Options{Issuer: issuer, AutoApprove: true})
	if err != nil {
		t.Fatal(err)
	}
	var authorizations atomic.Int32
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/authorize" {
			authorizations.Add(1)
		}
		as.Handler().ServeHTTP(w, r)
	}), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Close() })

	addr, _ := servicetest.Listening(t, "mcpkit serve --auth-issuer", binary, func(addr string) []string {
		return []string{"serve", "--addr", addr, "--auth-issuer", issuer}
	})
	target := "http://" + addr + "/mcp"
	cfg := t.TempDir()
	port, err := servicetest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	redirect := fmt.Sprintf("http://127.0.0.1:%d/callback", port)
	args := []string{"bridge", target, "--no-browser", "--redirect-url", redirect}

	stderr := bridgeCallAdd(t, cfg, args)
	if n := authorizations.Load(); n != 1 {
		t.Fatalf("first start: %d authorization requests, want 1; bridge stderr:\n%s", n, stderr)
	}
	if !strings.Contains(stderr, "Open this URL to authorize:\n  "+issuer+"/authorize?") {
		t.Errorf("the authorization URL is not on stderr:\n%s", stderr)
	}
	tokens := filepath.Join(cfg, "mcpkit", "tokens.json")
	fi, err := os.Stat(tokens)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v %v", fi, err)
	}

	stderr = bridgeCallAdd(t, cfg, args)
	if n := authorizations.Load(); n != 1 || strings.Contains(stderr, "Open this URL") {
		t.Fatalf("second start: %d authorization requests in all, want 1 (the stored token); stderr:\n%s", n, stderr)
	}

	// Expire the access token: the bridge refreshes it, with no new authorization.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	store := &oauth.FileStore{Path: tokens}
	keys, err := store.Keys(ctx)
	if err != nil || len(keys) != 1 {
		t.Fatalf("stored keys %v, %v", keys, err)
	}
	tok, err := store.Load(ctx, keys[0])
	if err != nil || tok.RefreshToken == "" {
		t.Fatalf("stored token %+v, %v: no refresh token", tok, err)
	}
	tok.Expiry = time.Now().Add(-time.Minute)
	if err := store.Save(ctx, keys[0], tok); err != nil {
		t.Fatal(err)
	}
	stderr = bridgeCallAdd(t, cfg, args)
	if n := authorizations.Load(); n != 1 || strings.Contains(stderr, "Open this URL") {
		t.Fatalf("expired token: %d authorization requests in all, want 1 (a refresh); stderr:\n%s", n, stderr)
	}
	if nt, _ := store.Load(ctx, keys[0]); nt == nil || nt.AccessToken == tok.AccessToken || !nt.Valid() {
		t.Errorf("the expired token was not refreshed: %+v", nt)
	}

	// Nothing stored and no one opens the URL: the login is offered once (not again for the initialize
	// fallback), and after --login-timeout the bridge exits 1 before serving.
	port2, err := servicetest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	_, stderr, code := mcpkitIn(t, "", []string{"XDG_CONFIG_HOME=" + t.TempDir()}, "", "bridge", target, "--no-browser",
		"--login-timeout", "1s", "--redirect-url", fmt.Sprintf("http://127.0.0.1:%d/callback", port2))
	if code != 1 || strings.Count(stderr, "Open this URL to authorize:") != 1 || !strings.Contains(stderr, "waiting for the authorization redirect") {
		t.Errorf("login not completed: exit %d (want 1), stderr:\n%s", code, stderr)
	}
}

// bridgeCallAdd starts the bridge with args and XDG_CONFIG_HOME=cfg, plays the user's browser if it
// prints an authorization URL, calls add through it as a 2025-11-25 host, stops it and returns its stderr.
func bridgeCallAdd(t *testing.T, cfg string, args []string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var buf bytes.Buffer
	browser := &browserStandIn{w: &buf, urls: make(chan string, 1)}
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+cfg)
	stream, err := stdio.Command(cmd, stdio.CommandOptions{Stderr: browser, ExitTimeout: 15 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	browserDone := make(chan error, 1)
	go func() {
		select {
		case u := <-browser.urls:
			browserDone <- approve(ctx, u)
		case <-ctx.Done():
			browserDone <- nil
		}
	}()
	sess, err := client.Connect(ctx, stream, &client.Options{ProtocolVersion: mcp.Version20251125})
	if err != nil {
		stream.Close()
		t.Fatalf("connect through the bridge: %v; stderr:\n%s", err, browser.String())
	}
	res, err := sess.CallTool(ctx, "add", map[string]int{"a": 2, "b": 3})
	if err != nil || res.IsError || res.Content[0].Text != "5" {
		t.Errorf("add through the bridge = %+v, %v", res, err)
	}
	sess.Close()
	if err := stream.Close(); err != nil {
		t.Errorf("the bridge did not exit cleanly on stdin EOF: %v", err)
	}
	cancel()
	if err := <-browserDone; err != nil {
		t.Errorf("the browser stand-in: %v", err)
	}
	return browser.String()
}

// approve is the user's browser: it fetches the authorization URL (the server auto-approves) and follows
// the redirect to the bridge's loopback listener.
func approve(ctx context.Context, authURL string) error {
	cb, err := oauth.Headless(nil)(ctx, authURL)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cb.String(), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the callback answered %s", resp.Status)
	}
	return nil
}

// browserStandIn collects the bridge's stderr and sends on urls the first authorization URL printed.
type browserStandIn struct {
	mu   sync.Mutex
	w    *bytes.Buffer
	urls chan string
	sent bool
}

func (b *browserStandIn) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.w.Write(p)
	if !b.sent {
		s := b.w.String()
		if i := strings.Index(s, "Open this URL to authorize:\n  "); i >= 0 {
			rest := s[i+len("Open this URL to authorize:\n  "):]
			if j := strings.IndexByte(rest, '\n'); j >= 0 {
				b.sent = true
				b.urls <- rest[:j]
			}
		}
	}
	return len(p), nil
}

func (b *browserStandIn) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.w.String()
}
