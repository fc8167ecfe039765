package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/client/oauth"
	"github.com/mcpkit/mcpkit/internal/servicetest"
)

// TestLoginEndToEnd: against `mcpkit serve --dev-auth`, a verb without a stored token exits 3 and says
// to log in; `mcpkit login URL` runs the flow through the loopback listener with a browser stand-in
// (headless: it follows the authorization server's redirect to the listener), keeps the token 0600;
// inspect in a new process uses it (on /mcp and /sse), refreshes it once it has expired; logout revokes
// and deletes it and the verb exits 3 again.
func TestLoginEndToEnd(t *testing.T) {
	addr, _ := servicetest.Listening(t, "mcpkit serve --dev-auth", binary, func(addr string) []string {
		return []string{"serve", "--addr", addr, "--dev-auth"}
	})
	target := "http://" + addr + "/mcp"
	cfg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfg)
	env := []string{"XDG_CONFIG_HOME=" + cfg}
	tokens := filepath.Join(cfg, "mcpkit", "tokens.json")
	inspect := func() (string, string, int) {
		return mcpkitIn(t, "", env, "", "inspect", "--cli", target, "--method", "tools/list", "--format", "json")
	}
	hint := "run mcpkit login " + target
	if stdout, stderr, code := inspect(); code != 3 || stdout != "" || !strings.Contains(stderr, hint) || !strings.Contains(stderr, `"code":"auth_required"`) {
		t.Fatalf("before login: exit %d, stdout %q, stderr %s", code, stdout, stderr)
	}

	port, err := servicetest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	redirect := fmt.Sprintf("http://127.0.0.1:%d/callback", port)
	var opened []string
	old := openAuthURL
	t.Cleanup(func() { openAuthURL = old })
	openAuthURL = func(w io.Writer) func(string) error {
		return func(authURL string) error { // the user's browser: approve, follow the redirect to mcpkit
			opened = append(opened, authURL)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			cb, err := oauth.Headless(nil)(ctx, authURL)
			if err != nil {
				return err
			}
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, cb.String(), nil)
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
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, errb bytes.Buffer
	if code := run(ctx, []string{"login", target, "--redirect-url", redirect}, &out, &errb); code != 0 {
		t.Fatalf("login: exit %d\n%s%s", code, out.String(), errb.String())
	}
	if len(opened) != 1 || !strings.Contains(opened[0], "redirect_uri="+urlQueryEscape(redirect)) || !strings.Contains(opened[0], "code_challenge_method=S256") {
		t.Errorf("browser opened %q", opened)
	}
	if !strings.HasPrefix(out.String(), "Logged in to "+target+" (authorization server http://127.0.0.1:") || !strings.Contains(out.String(), tokens) {
		t.Errorf("login printed %q", out.String())
	}
	fi, err := os.Stat(tokens)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v %v", fi, err)
	}

	stdout, stderr, code := inspect()
	if code != 0 || !strings.HasPrefix(stdout, `{"result":{"tools":[`) {
		t.Fatalf("after login: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	// The same server's HTTP+SSE endpoint is the same resource: the token works there too.
	if stdout, stderr, code := mcpkitIn(t, "", env, "", "inspect", "--cli", "http://"+addr+"/sse", "--method", "tools/list", "--format", "json"); code != 0 || !strings.HasPrefix(stdout, `{"result":{"tools":[`) {
		t.Errorf("/sse after login: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	// Expire the stored token: the next run refreshes it (as the registered client) and goes on.
	store := &oauth.FileStore{Path: tokens}
	keys, err := store.Keys(ctx)
	if err != nil || len(keys) != 1 {
		t.Fatalf("keys %v %v", keys, err)
	}
	tok, _ := store.Load(ctx, keys[0])
	if tok.RefreshToken == "" {
		t.Fatal("the login kept no refresh token")
	}
	tok.Expiry = time.Now().Add(-time.Minute)
	if err := store.Save(ctx, keys[0], tok); err != nil {
		t.Fatal(err)
	}
	if stdout, stderr, code := inspect(); code != 0 || !strings.HasPrefix(stdout, `{"result":{"tools":[`) {
		t.Fatalf("expired token: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	if nt, _ := store.Load(ctx, keys[0]); nt == nil || nt.AccessToken == tok.AccessToken || !nt.Valid() {
		t.Errorf("the expired token was not refreshed: %+v", nt)
	}
	if len(opened) != 1 {
		t.Errorf("the verbs opened the browser: %q", opened)
	}

	kept, _ := store.Load(ctx, keys[0])
	reg, _ := store.LoadClient(ctx, keys[0].Issuer)
	if kept == nil || reg == nil {
		t.Fatalf("before logout: token %v, registration %v", kept, reg)
	}
	stdout, stderr, code = mcpkitIn(t, "", env, "", "logout", target)
	if code != 0 || stdout != "Revoked at "+keys[0].Issuer+".\nLogged out of "+target+": 1 token(s) deleted from "+tokens+".\n" {
		t.Errorf("logout: exit %d, %q %s", code, stdout, stderr)
	}
	if r, _ := store.LoadClient(ctx, keys[0].Issuer); r != nil {
		t.Errorf("registration kept after logout: %+v", r)
	}
	// The revoked refresh token no longer works at the authorization server.
	if status := refreshStatus(t, keys[0].Issuer, reg.ClientID, kept.RefreshToken, keys[0].Resource); status == http.StatusOK {
		t.Errorf("the refresh token still works after logout (status %d)", status)
	}
	if stdout, stderr, code := inspect(); code != 3 || !strings.Contains(stderr, hint) {
		t.Errorf("after logout: exit %d, stdout %q, stderr %s", code, stdout, stderr)
	}
	if stdout, _, code := mcpkitIn(t, "", env, "", "logout", target); code != 0 || stdout != "No token kept for "+target+".\n" {
		t.Errorf("second logout: exit %d, %q", code, stdout)
	}
}

// TestLoginUsage: login and logout want one http(s) URL (exit 2 otherwise); an unreachable server
// exits 4.
func TestLoginUsage(t *testing.T) {
	env := []string{"XDG_CONFIG_HOME=" + t.TempDir()}
	for _, args := range [][]string{{"login"}, {"login", "a", "b"}, {"logout", "ftp://x/"}, {"login", "mcp.example"}} {
		if _, stderr, code := mcpkitIn(t, "", env, "", args...); code != exitUsage || !strings.Contains(stderr, "Usage:") {
			t.Errorf("%v: exit %d, %s", args, code, stderr)
		}
	}
	port, err := servicetest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	_, stderr, code := mcpkitIn(t, "", env, "", "login", fmt.Sprintf("http://127.0.0.1:%d/mcp", port), "--timeout", "5s")
	if code != 4 || !strings.Contains(stderr, "mcpkit login: ") {
		t.Errorf("unreachable: exit %d, %s", code, stderr)
	}
}

func urlQueryEscape(s string) string { return strings.NewReplacer(":", "%3A", "/", "%2F").Replace(s) }

// refreshStatus redeems a refresh token at issuer's token endpoint and returns the HTTP status.
func refreshStatus(t *testing.T, issuer, clientID, refreshToken, resource string) int {
	t.Helper()
	resp, err := http.Get(issuer + "/.well-known/oauth-authorization-server")
	if err != nil {
		t.Fatal(err)
	}
	var md struct {
		TokenEndpoint string `json:"token_endpoint"`
	}
	err = json.NewDecoder(resp.Body).Decode(&md)
	resp.Body.Close()
	if err != nil || md.TokenEndpoint == "" {
		t.Fatalf("metadata: %v %+v", err, md)
	}
	resp, err = http.PostForm(md.TokenEndpoint, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken},
		"client_id": {clientID}, "resource": {resource}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
