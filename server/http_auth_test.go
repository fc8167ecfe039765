package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/mcpkit/mcpkit/internal/syncbuf"

	"github.com/mcpkit/mcpkit/auth"
)

// TestAuthenticateOption: HTTPOptions.Authenticate with the auth package's middleware protects both
// endpoints (401 without a token), and a scoped tool called without its scope gets the 403 step-up answer
// naming the middleware's metadata URL, which the middleware passes on in the context.
func TestAuthenticateOption(t *testing.T) {
	s := New("t", "1", nil)
	Tool(s, "delete_user", "", func(ctx context.Context, _ struct{}) (string, error) { return "deleted", nil })
	s.RequireToolScopes("delete_user", "User.Write")
	tokens := auth.NewStaticTokens(map[string]auth.Principal{
		"reader": {Subject: "ann", Scopes: []string{"User.Read"}},
		"writer": {Subject: "ann", Scopes: []string{"User.Read", "User.Write"}},
	})
	const meta = "http://127.0.0.1/.well-known/oauth-protected-resource/mcp"
	addr := serveTest(t, s, HTTPOptions{Authenticate: func(next http.Handler) http.Handler {
		return auth.Middleware(next, auth.MiddlewareOptions{Verifier: tokens, ResourceMetadataURL: meta})
	}})
	body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"delete_user","arguments":{},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}`
	call := func(token string) *http.Response {
		req, _ := http.NewRequest("POST", "http://"+addr+"/mcp", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("MCP-Protocol-Version", "2026-07-28")
		req.Header.Set("Mcp-Method", "tools/call")
		req.Header.Set("Mcp-Name", "delete_user")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	if r := call(""); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("no token: %d", r.StatusCode)
	}
	r := call("reader")
	c := r.Header.Get("WWW-Authenticate")
	if r.StatusCode != http.StatusForbidden || !strings.Contains(c, `error="insufficient_scope"`) || !strings.Contains(c, `scope="User.Write"`) ||
		!strings.Contains(c, `resource_metadata="`+meta+`"`) {
		t.Fatalf("reader: %d %q", r.StatusCode, c)
	}
	if r := call("writer"); r.StatusCode != http.StatusOK {
		t.Fatalf("writer: %d", r.StatusCode)
	}
	resp, err := http.Get("http://" + addr + "/sse")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("GET /sse without a token: %d", resp.StatusCode)
	}
}

// TestScopesWithoutAuthenticationWarn: a server that declares scopes and is served over HTTP without
// Authenticate says at start, once, that the scopes are not enforced.
func TestScopesWithoutAuthenticationWarn(t *testing.T) {
	logs := &syncbuf.Buffer{}
	s := New("t", "1", &Options{Logger: slog.New(slog.NewTextHandler(logs, nil))})
	s.RequireToolScopes("x", "s")
	for range 2 {
		answered(t, serveTest(t, s, HTTPOptions{}))
	}
	if n := strings.Count(logs.String(), "scopes are not enforced"); n != 1 {
		t.Fatalf("%d warnings, want 1:\n%s", n, logs.String())
	}
	quiet := &syncbuf.Buffer{}
	s2 := New("t", "1", &Options{Logger: slog.New(slog.NewTextHandler(quiet, nil))})
	answered(t, serveTest(t, s2, HTTPOptions{}))
	if strings.Contains(quiet.String(), "scopes are not enforced") {
		t.Fatalf("warned without scopes:\n%s", quiet.String())
	}
}

// answered waits for the server at addr to answer one request: it is serving, past its start-up logs.
func answered(t *testing.T, addr string) {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/mcp")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}
