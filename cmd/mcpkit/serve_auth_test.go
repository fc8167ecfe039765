package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/oauth2"

	"github.com/mcpkit/mcpkit/auth/authserver"
	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/client/oauth"
	"github.com/mcpkit/mcpkit/internal/servicetest"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// testIssuer is an authorization server on 127.0.0.1 publishing RFC 8414 metadata and a JWKS, and minting
// RS256 access tokens with its key.
type testIssuer struct {
	ts  *httptest.Server
	key *rsa.PrivateKey
}

func newTestIssuer(t *testing.T) *testIssuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	is := &testIssuer{key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/oauth-authorization-server", func(w http.ResponseWriter, r *http.Request) {
		self := "http://" + r.Host // this server's URL (is.ts is set after the server starts)
		_ = json.NewEncoder(w).Encode(map[string]string{"issuer": self, "jwks_uri": self + "/jwks"})
	})
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	is.ts = httptest.NewServer(mux)
	t.Cleanup(is.ts.Close)
	return is
}

func (is *testIssuer) token(t *testing.T, sub, aud, scope string) string {
	t.Helper()
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: is.key}, (&jose.SignerOptions{}).WithType("at+jwt").WithHeader("kid", "k1"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tok, err := jwt.Signed(sig).Claims(jwt.Claims{Issuer: is.ts.URL, Subject: sub, Audience: jwt.Audience{aud},
		IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(time.Hour))}).
		Claims(map[string]any{"scope": scope, "client_id": "test"}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestServeAuth: `mcpkit serve --auth-issuer … --auth-audience … --auth-scope …` publishes the
// protected-resource metadata, answers 401 with resource_metadata without a token, 403 insufficient_scope
// for a token without the scope, refuses a token for another audience, and serves a valid token.
func TestServeAuth(t *testing.T) {
	is := newTestIssuer(t)
	addr, _ := servicetest.Listening(t, "mcpkit serve --auth-issuer", binary, func(addr string) []string {
		return []string{"serve", "--addr", addr, "--auth-issuer", is.ts.URL, "--auth-audience", "http://" + addr + "/mcp", "--auth-scope", "mcp:tools"}
	})
	resource := "http://" + addr + "/mcp"
	resp, err := http.Get("http://" + addr + "/.well-known/oauth-protected-resource/mcp")
	if err != nil {
		t.Fatal(err)
	}
	var md map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&md)
	resp.Body.Close()
	if md["resource"] != resource || !strings.Contains(strings.Join(strings.Fields(jsonString(md["authorization_servers"])), ""), is.ts.URL) {
		t.Fatalf("metadata: %v", md)
	}
	call := func(token string) *http.Response {
		body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":2,"b":3},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}`
		req, _ := http.NewRequest(http.MethodPost, resource, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("MCP-Protocol-Version", "2026-07-28")
		req.Header.Set("Mcp-Method", "tools/call")
		req.Header.Set("Mcp-Name", "add")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	r := call("")
	r.Body.Close()
	if r.StatusCode != http.StatusUnauthorized || !strings.Contains(r.Header.Get("WWW-Authenticate"), `resource_metadata="http://`+addr+`/.well-known/oauth-protected-resource/mcp"`) {
		t.Fatalf("no token: %d %q", r.StatusCode, r.Header.Get("WWW-Authenticate"))
	}
	r = call(is.token(t, "ann", resource, "other"))
	r.Body.Close()
	if r.StatusCode != http.StatusForbidden || !strings.Contains(r.Header.Get("WWW-Authenticate"), `scope="mcp:tools"`) {
		t.Fatalf("token without the scope: %d %q", r.StatusCode, r.Header.Get("WWW-Authenticate"))
	}
	r = call(is.token(t, "ann", "http://elsewhere.example/mcp", "mcp:tools"))
	r.Body.Close()
	if r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("token for another audience: %d", r.StatusCode)
	}
	r = call(is.token(t, "ann", resource, "mcp:tools"))
	b, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != http.StatusOK || !strings.Contains(string(b), `"5"`) && !strings.Contains(string(b), `:5`) {
		t.Fatalf("valid token: %d %s", r.StatusCode, b)
	}
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestServeAuthUsage: the auth flags without --auth-issuer, or with --stdio, are usage errors that say why.
func TestServeAuthUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--auth-scope", "x"}, "need --auth-issuer"},
		{[]string{"serve", "--stdio", "--auth-issuer", "https://as.example"}, "a stdio server takes its credentials from its environment"},
		{[]string{"serve", "--stdio", "--dev-auth"}, "a stdio server takes its credentials from its environment"},
		{[]string{"serve", "--dev-auth", "--auth-issuer", "https://as.example"}, "it excludes --auth-issuer"},
	} {
		_, stderr, code := mcpkit(t, tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want usage error saying %q", tc.args, code, stderr, tc.want)
		}
	}
}

// TestServeDevAuth: `mcpkit serve --dev-auth` starts the development authorization server on its own
// loopback port, names it in the protected-resource metadata and warns that it auto-approves; a client
// that discovers it from there gets a token headlessly (authorization code + PKCE, resource = the demo)
// and calls a tool, while a request without a token gets 401.
func TestServeDevAuth(t *testing.T) {
	addr, proc := servicetest.Listening(t, "mcpkit serve --dev-auth", binary, func(addr string) []string {
		return []string{"serve", "--addr", addr, "--dev-auth"}
	})
	resource := "http://" + addr + "/mcp"
	var md struct {
		Resource             string   `json:"resource"`
		AuthorizationServers []string `json:"authorization_servers"`
	}
	getJSON(t, "http://"+addr+"/.well-known/oauth-protected-resource/mcp", &md)
	if md.Resource != resource || len(md.AuthorizationServers) != 1 || !strings.HasPrefix(md.AuthorizationServers[0], "http://127.0.0.1:") {
		t.Fatalf("metadata: %+v", md)
	}
	issuer := md.AuthorizationServers[0]
	if !strings.Contains(proc.Output(), "AUTO-APPROVES") || !strings.Contains(proc.Output(), issuer) {
		t.Errorf("no auto-approve warning naming %s:\n%s", issuer, proc.Output())
	}
	var asmd struct {
		AuthorizationEndpoint string `json:"authorization_endpoint"`
		TokenEndpoint         string `json:"token_endpoint"`
	}
	getJSON(t, issuer+"/.well-known/oauth-authorization-server", &asmd)
	cfg := oauth2.Config{ClientID: authserver.TestClientID, RedirectURL: authserver.TestRedirectURI,
		Endpoint: oauth2.Endpoint{AuthURL: asmd.AuthorizationEndpoint, TokenURL: asmd.TokenEndpoint, AuthStyle: oauth2.AuthStyleInParams}}
	verifier := oauth2.GenerateVerifier()
	next := cfg.AuthCodeURL("state1", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("resource", resource))
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 10 * time.Second}
	var code string
	for i := 0; i < 5 && code == ""; i++ { // the auto-approving server redirects to the client at once (maybe through a hop)
		resp, err := noFollow.Get(next)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, err := resp.Location()
		if err != nil {
			t.Fatalf("authorization step %d: %d without Location", i, resp.StatusCode)
		}
		if strings.HasPrefix(loc.String(), authserver.TestRedirectURI) {
			code = loc.Query().Get("code")
			break
		}
		next = loc.String()
	}
	if code == "" {
		t.Fatal("no authorization code")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tok, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier), oauth2.SetAuthURLParam("resource", resource))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		token string
		want  int
	}{{"", http.StatusUnauthorized}, {tok.AccessToken, http.StatusOK}} {
		body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":2,"b":3},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}`
		req, _ := http.NewRequest(http.MethodPost, resource, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("MCP-Protocol-Version", "2026-07-28")
		req.Header.Set("Mcp-Method", "tools/call")
		req.Header.Set("Mcp-Name", "add")
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Fatalf("token %t: %d %s, want %d", c.token != "", resp.StatusCode, b, c.want)
		}
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// TestServeDevAuthOurClient: mcpkit's own client logs in to `mcpkit serve --dev-auth` with client/oauth
// (the 401 names the protected-resource metadata, the authorization server is discovered from it, the client
// registers dynamically and runs code + PKCE with the resource headlessly) and calls a tool, in both eras;
// a second session with the same token store needs no new login.
func TestServeDevAuthOurClient(t *testing.T) {
	addr, _ := servicetest.Listening(t, "mcpkit serve --dev-auth", binary, func(addr string) []string {
		return []string{"serve", "--addr", addr, "--dev-auth"}
	})
	store := &oauth.MemoryStore{}
	var logins atomic.Int32
	headless := oauth.Headless(nil)
	for _, version := range []string{mcp.Version20251125, mcp.Version20260728} {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		tr := oauth.NewTransport(oauth.Config{Store: store, Authorize: func(ctx context.Context, authURL string) (*url.URL, error) {
			logins.Add(1)
			return headless(ctx, authURL)
		}})
		stream, err := streamable.NewClient("http://"+addr+"/mcp", &streamable.ClientOptions{HTTPClient: &http.Client{Transport: tr}})
		if err != nil {
			t.Fatal(err)
		}
		sess, err := client.Connect(ctx, stream, &client.Options{ProtocolVersion: version})
		if err != nil {
			cancel()
			t.Fatalf("%s: connect through the login: %v", version, err)
		}
		res, err := sess.CallTool(ctx, "add", map[string]int{"a": 2, "b": 3})
		if err != nil || len(res.Content) == 0 || res.Content[0].Text != "5" {
			t.Errorf("%s: add = %+v, %v", version, res, err)
		}
		sess.Close()
		cancel()
	}
	if n := logins.Load(); n != 1 {
		t.Errorf("%d logins, want 1 (the second session uses the stored token)", n)
	}
}
