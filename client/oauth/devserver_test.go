package oauth_test

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/auth"
	"github.com/mcpkit/mcpkit/auth/authserver"
	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/client/oauth"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/transport/sse"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// freeAddr returns a 127.0.0.1 address nothing listens on right now.
func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestDevServerLoginAndStepUp: the client registers and logs in at the development authorization server
// (auto-approve), calls a tool of a server protected by auth.Middleware with a JWT verifier, then calls a
// tool that needs a wider scope: the 403 insufficient_scope answer makes it log in again for that scope.
func TestDevServerLoginAndStepUp(t *testing.T) {
	addr := freeAddr(t)
	resource := "http://" + addr + "/mcp"
	as, err := authserver.Listen("127.0.0.1:0", authserver.Options{AutoApprove: true, Resources: []string{resource}})
	if err != nil {
		t.Fatal(err)
	}
	defer as.Close()
	v, err := auth.NewJWTVerifier(auth.JWTOptions{Issuer: as.Issuer(), Audience: resource, JWKSURL: as.Issuer() + "/keys"})
	if err != nil {
		t.Fatal(err)
	}
	md := auth.ProtectedResourceMetadata{Resource: resource, AuthorizationServers: []string{as.Issuer()}, ScopesSupported: []string{"mcp:read"}}
	s := server.New("protected", "1", nil)
	server.Tool(s, "add", "", func(_ context.Context, in struct{ A, B int }) (int, error) { return in.A + in.B, nil })
	server.Tool(s, "admin", "", func(context.Context, struct{}) (string, error) { return "done", nil })
	s.RequireToolScopes("admin", "mcp:admin")
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	served := make(chan error, 1)
	go func() {
		served <- s.ListenAndServeContext(ctx, addr, &server.HTTPOptions{Authenticate: func(next http.Handler) http.Handler {
			mux := http.NewServeMux()
			if err := auth.RegisterMetadata(mux, md); err != nil {
				t.Error(err)
			}
			mux.Handle("/", auth.Middleware(next, auth.MiddlewareOptions{Verifier: v, Resource: resource, Scopes: []string{"mcp:read"}}))
			return mux
		}})
	}()
	defer func() { cancel(); <-served }()
	for i := 0; i < 100; i++ { // wait for the listener (bounded: 100 short dials)
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		time.Sleep(20 * time.Millisecond)
	}

	var logins atomic.Int32
	headless := oauth.Headless(nil)
	authorize := func(ctx context.Context, u string) (*url.URL, error) {
		logins.Add(1)
		return headless(ctx, u)
	}
	tr := oauth.NewTransport(oauth.Config{Authorize: authorize})
	ct, err := streamable.NewClient(resource, &streamable.ClientOptions{HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		t.Fatal(err)
	}
	sess, err := client.Connect(ctx, ct, &client.Options{ClientInfo: mcp.Implementation{Name: "t", Version: "1"}})
	if err != nil {
		t.Fatalf("connect through the login: %v", err)
	}
	defer sess.Close()
	if _, err := sess.CallTool(ctx, "add", map[string]int{"A": 2, "B": 3}); err != nil {
		t.Fatalf("add: %v", err)
	}
	if logins.Load() != 1 {
		t.Fatalf("%d logins before the step-up, want 1", logins.Load())
	}
	res, err := sess.CallTool(ctx, "admin", struct{}{})
	if err != nil {
		t.Fatalf("admin after the step-up: %v", err)
	}
	if res.IsError {
		t.Fatalf("admin: tool error %+v", res)
	}
	if logins.Load() != 2 {
		t.Fatalf("%d logins, want 2 (one step-up)", logins.Load())
	}

	// The HTTP+SSE transport with a new Transport: its GET /sse gets the 401 and logs in; its POSTs carry
	// the token.
	tr2 := oauth.NewTransport(oauth.Config{Authorize: authorize})
	st, err := sse.Dial(ctx, "http://"+addr+"/sse", &sse.ClientOptions{HTTPClient: &http.Client{Transport: tr2}})
	if err != nil {
		t.Fatalf("HTTP+SSE dial with the token: %v", err)
	}
	sess2, err := client.Connect(ctx, st, &client.Options{ClientInfo: mcp.Implementation{Name: "t", Version: "1"}})
	if err != nil {
		t.Fatalf("connect over HTTP+SSE: %v", err)
	}
	defer sess2.Close()
	if _, err := sess2.CallTool(ctx, "add", map[string]int{"A": 1, "B": 1}); err != nil {
		t.Fatalf("add over HTTP+SSE: %v", err)
	}
	if logins.Load() != 3 {
		t.Fatalf("%d logins after HTTP+SSE, want 3", logins.Load())
	}
}
