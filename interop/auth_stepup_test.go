package interop

import (
	"context"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/mcpkit/mcpkit/auth"
	"github.com/mcpkit/mcpkit/auth/authserver"
	"github.com/mcpkit/mcpkit/internal/syncbuf"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// startScopedServer serves, on 127.0.0.1 for the test's lifetime, a Go server whose tool "read" needs only
// the base scope mcp:tools (every request needs it) and whose tool "write" also needs User.Write, behind
// auth.Middleware with JWTs of a development authorization server (in this process, auto-approve). It
// returns the /mcp URL and the issuer.
func startScopedServer(t *testing.T) (endpoint, issuer string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	endpoint = "http://" + ln.Addr().String() + "/mcp"
	as, err := authserver.Listen("127.0.0.1:0", authserver.Options{AutoApprove: true, Resources: []string{endpoint}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = as.Close() })
	v, err := auth.NewJWTVerifier(auth.JWTOptions{Issuer: as.Issuer(), Audience: endpoint, JWKSURL: as.Issuer() + "/keys"})
	if err != nil {
		t.Fatal(err)
	}
	s := server.New("scoped", "1.0.0", nil)
	type none struct{}
	server.Tool(s, "read", "Read", func(ctx context.Context, _ none) (*mcp.CallToolResult, error) {
		p, _ := auth.PrincipalFrom(ctx)
		return mcp.TextResult("read by " + p.Subject), nil
	})
	server.Tool(s, "write", "Write", func(ctx context.Context, _ none) (*mcp.CallToolResult, error) {
		p, _ := auth.PrincipalFrom(ctx)
		return mcp.TextResult("written by " + p.Subject + " with " + strings.Join(p.Scopes, " ")), nil
	})
	s.RequireToolScopes("write", "User.Write")
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	md := auth.ProtectedResourceMetadata{Resource: endpoint, AuthorizationServers: []string{as.Issuer()}, ScopesSupported: []string{"mcp:tools", "User.Write"}}
	h := streamable.NewHandler(s, nil)
	mux := http.NewServeMux()
	if err := auth.RegisterMetadata(mux, md); err != nil {
		t.Fatal(err)
	}
	mux.Handle("/mcp", auth.Middleware(h, auth.MiddlewareOptions{Verifier: v, Resource: endpoint, Scopes: []string{"mcp:tools"}}))
	hs := &http.Server{Handler: mux}
	go hs.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = h.Close(ctx)
		_ = hs.Shutdown(ctx)
		_ = s.Close()
	})
	return endpoint, as.Issuer()
}

// TestAuthTypeScriptClientStepUp: @modelcontextprotocol/client 2.4.0 authorizes for the 401's scope
// (mcp:tools), calls "read", then calls "write", which needs User.Write too: the server answers 403
// insufficient_scope naming both scopes, the SDK's step-up asks the authorization server again for the
// union (our provider takes the code headlessly), and the call goes through with the new token — in a
// 2025-11-25 session and pinned to 2026-07-28.
func TestAuthTypeScriptClientStepUp(t *testing.T) {
	node := peers(t)
	script, _ := filepath.Abs(filepath.Join("node", "authclient.mjs"))
	endpoint, issuer := startScopedServer(t)
	for _, mode := range []string{"v2-legacy", "v2-modern"} {
		t.Run(mode, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, node, script, endpoint, mode, "stepup")
			var stderr syncbuf.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("node: %v\n%s\n%s", err, out, stderr.String())
			}
			var r struct {
				OK          bool     `json:"ok"`
				Error       string   `json:"error"`
				Read        string   `json:"read"`
				StepUp      string   `json:"stepUpError"`
				Scopes      []string `json:"authorizationScopes"`
				Write       string   `json:"write"`
				CallbackIss []string `json:"callbackIss"`
			}
			if err := json.Unmarshal(out, &r); err != nil {
				t.Fatalf("output %q: %v", out, err)
			}
			if !r.OK {
				t.Fatalf("the TypeScript client failed: %s\n%s", r.Error, stderr.String())
			}
			t.Logf("%s: %s", mode, out)
			if r.Read != "read by dev-user" {
				t.Errorf("read = %q", r.Read)
			}
			if r.StepUp != "UnauthorizedError" {
				t.Errorf("the first write ended with %q, want UnauthorizedError (step-up authorization started)", r.StepUp)
			}
			if len(r.Scopes) != 2 || !strings.Contains(" "+r.Scopes[0]+" ", " mcp:tools ") || strings.Contains(r.Scopes[0], "User.Write") ||
				!strings.Contains(" "+r.Scopes[1]+" ", " mcp:tools ") || !strings.Contains(" "+r.Scopes[1]+" ", " User.Write ") {
				t.Errorf("authorization requests asked for %q; want mcp:tools, then mcp:tools and User.Write", r.Scopes)
			}
			if !strings.HasPrefix(r.Write, "written by dev-user with ") || !strings.Contains(r.Write, "User.Write") {
				t.Errorf("write = %q, want it done with User.Write", r.Write)
			}
			for _, iss := range r.CallbackIss {
				if iss != issuer {
					t.Errorf("callback iss %q, want %q", iss, issuer)
				}
			}
		})
	}
}
