package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// startExample serves the example of cfg on a fresh 127.0.0.1 port and returns its base URL and the example.
func startExample(t testing.TB, cfg config) (string, *example) {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	cfg.addr = ts.Listener.Addr().String()
	ex, err := setup(context.Background(), cfg)
	if err != nil {
		ts.Close()
		t.Fatal(err)
	}
	t.Cleanup(ex.close)
	return serveOn(t, ts, ex), ex
}

// serveExample serves ex on a fresh 127.0.0.1 port and returns its base URL.
func serveExample(t testing.TB, ex *example) string {
	t.Helper()
	return serveOn(t, httptest.NewUnstartedServer(nil), ex)
}

func serveOn(t testing.TB, ts *httptest.Server, ex *example) string {
	h, closeH := ex.handler()
	ts.Config.Handler = h
	ts.Start()
	t.Cleanup(func() {
		ts.Close()
		closeH()
	})
	return ts.URL
}

// answer is what one HTTP request got.
type answer struct {
	status    int
	challenge string // WWW-Authenticate
	body      map[string]any
}

// rpc posts one 2026-07-28 (stateless) request to base's /mcp with header name: value (none when value is
// empty).
func rpc(t testing.TB, client *http.Client, base, header, value, method, name string, args any) answer {
	t.Helper()
	params := map[string]any{"_meta": map[string]any{
		"io.modelcontextprotocol/protocolVersion":    "2026-07-28",
		"io.modelcontextprotocol/clientCapabilities": map[string]any{},
	}}
	if name != "" {
		params["name"] = name
		params["arguments"] = args
	}
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
	req, _ := http.NewRequest(http.MethodPost, base+"/mcp", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("MCP-Protocol-Version", "2026-07-28")
	req.Header.Set("Mcp-Method", method)
	if name != "" {
		req.Header.Set("Mcp-Name", name)
	}
	if value != "" {
		req.Header.Set(header, value)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	a := answer{status: resp.StatusCode, challenge: resp.Header.Get("WWW-Authenticate")}
	_ = json.Unmarshal(raw, &a.body)
	return a
}

// signer issues JWT access tokens of a test issuer whose key set is in a file.
type signer struct {
	issuer string
	key    *rsa.PrivateKey
	jwks   string // the key set's file
}

// newSigner makes a signing key and writes its public key set to a file of dir.
func newSigner(t testing.TB, issuer string) *signer {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: k.Public(), KeyID: "k1", Algorithm: string(jose.RS256), Use: "sig"}}}
	b, _ := json.Marshal(set)
	f := filepath.Join(t.TempDir(), "jwks.json")
	if err := os.WriteFile(f, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return &signer{issuer: issuer, key: k, jwks: f}
}

// token returns an access token of s for subject, audience aud and scopes.
func (s *signer) token(t testing.TB, subject, aud string, scopes ...string) string {
	t.Helper()
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: s.key},
		(&jose.SignerOptions{}).WithType("at+jwt").WithHeader(jose.HeaderKey("kid"), "k1"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tok, err := jwt.Signed(sig).Claims(map[string]any{
		"iss": s.issuer, "sub": subject, "aud": aud, "client_id": "test-client",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "scope": strings.Join(scopes, " "),
	}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
