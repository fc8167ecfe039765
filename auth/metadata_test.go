package auth

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestCanonicalResourceURI(t *testing.T) {
	for in, want := range map[string]string{
		"https://mcp.example.com/mcp":        "https://mcp.example.com/mcp",
		"HTTPS://MCP.Example.COM:443/mcp":    "https://mcp.example.com/mcp",
		"https://mcp.example.com/":           "https://mcp.example.com",
		"https://mcp.example.com":            "https://mcp.example.com",
		"http://127.0.0.1:8080/mcp":          "http://127.0.0.1:8080/mcp",
		"http://localhost:80/a/b":            "http://localhost/a/b",
		"https://[::1]:8443/mcp":             "https://[::1]:8443/mcp",
		"https://mcp.example.com/Path/Case/": "https://mcp.example.com/Path/Case/",
	} {
		got, err := CanonicalResourceURI(in)
		if err != nil || got != want {
			t.Errorf("%s: %q %v, want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "mcp.example.com", "/mcp", "ftp://x/y", "https://x/mcp#frag", "https://user@x/mcp", "https:///mcp"} {
		if got, err := CanonicalResourceURI(bad); err == nil {
			t.Errorf("%q accepted as %q", bad, got)
		}
	}
}

// TestMetadataServed: RegisterMetadata (on a mux) and WithMetadata (in front of a handler) serve the same
// document at both well-known URIs; WithMetadata passes every other path to its handler.
func TestMetadataServed(t *testing.T) {
	md := ProtectedResourceMetadata{
		Resource:             "https://mcp.example.test/public/mcp",
		AuthorizationServers: []string{testIssuer},
		ScopesSupported:      []string{"User.Read"},
		ResourceName:         "Demo",
	}
	mux := http.NewServeMux()
	if err := RegisterMetadata(mux, md); err != nil {
		t.Fatal(err)
	}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	wrapped, err := WithMetadata(next, md)
	if err != nil {
		t.Fatal(err)
	}
	if u, _ := MetadataURL(md.Resource); u != "https://mcp.example.test/.well-known/oauth-protected-resource/public/mcp" {
		t.Fatalf("MetadataURL %s", u)
	}
	for name, h := range map[string]http.Handler{"RegisterMetadata": mux, "WithMetadata": wrapped} {
		for _, path := range []string{"/.well-known/oauth-protected-resource/public/mcp", "/.well-known/oauth-protected-resource"} {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
			if w.Code != 200 || w.Header().Get("Content-Type") != "application/json" || w.Header().Get("Access-Control-Allow-Origin") != "*" {
				t.Fatalf("%s %s: %d %v", name, path, w.Code, w.Header())
			}
			var got map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if got["resource"] != md.Resource || got["resource_name"] != "Demo" ||
				got["authorization_servers"].([]any)[0] != testIssuer || got["bearer_methods_supported"].([]any)[0] != "header" ||
				got["scopes_supported"].([]any)[0] != "User.Read" || len(got) != 5 {
				t.Fatalf("%s %s: %s", name, path, w.Body)
			}
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/.well-known/oauth-protected-resource", nil))
		if w.Code != http.StatusMethodNotAllowed {
			t.Fatalf("%s POST: %d", name, w.Code)
		}
	}
	for _, path := range []string{"/public/mcp", "/.well-known/oauth-protected-resource/other", "/.well-known/oauth-protected-resourcex", "/"} {
		w := httptest.NewRecorder()
		wrapped.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		if w.Code != http.StatusTeapot {
			t.Fatalf("WithMetadata %s: %d, want next's answer", path, w.Code)
		}
	}
	if _, err := NewMetadataHandler(ProtectedResourceMetadata{Resource: md.Resource}); err == nil {
		t.Fatal("metadata without an authorization server accepted")
	}
	if _, err := WithMetadata(next, ProtectedResourceMetadata{Resource: md.Resource}); err == nil {
		t.Fatal("WithMetadata: metadata without an authorization server accepted")
	}
}

func TestStaticTokensAndAPIKey(t *testing.T) {
	keys := NewStaticTokens(map[string]Principal{
		"key-alice": {Subject: "alice", Scopes: []string{"User.Read"}},
		"key-admin": {Subject: "admin", Scopes: []string{"Admin.Read"}},
	})
	p, err := keys.Verify(t.Context(), "key-admin")
	if err != nil || p.Subject != "admin" || !p.HasScope("Admin.Read") {
		t.Fatalf("%+v %v", p, err)
	}
	p.Scopes[0] = "changed"
	if p2, _ := keys.Verify(t.Context(), "key-admin"); !p2.HasScope("Admin.Read") {
		t.Fatal("a caller changed the configured principal")
	}
	for _, bad := range []string{"", "key-alic", "key-alicee", "KEY-ALICE"} {
		if _, err := keys.Verify(t.Context(), bad); !isInvalid(err) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	var sawKey []string
	var sawP *Principal
	h := APIKeyMiddleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawKey = r.Header.Values("X-API-Key")
		sawP, _ = PrincipalFrom(r.Context())
	}), APIKeyOptions{Keys: keys, Logger: quietLog})
	for _, c := range []struct {
		keys   []string
		status int
	}{{nil, 401}, {[]string{"nope"}, 401}, {[]string{"key-alice", "key-admin"}, 400}, {[]string{"key-alice"}, 200}} {
		r := httptest.NewRequest(http.MethodPost, "/mcp", nil)
		for _, k := range c.keys {
			r.Header.Add("X-API-Key", k)
		}
		w := httptest.NewRecorder()
		sawP = nil
		h.ServeHTTP(w, r)
		if w.Code != c.status {
			t.Fatalf("%v: %d, want %d", c.keys, w.Code, c.status)
		}
		if c.status == 200 && (sawP == nil || sawP.Subject != "alice" || len(sawKey) != 0) {
			t.Fatalf("principal %+v, key passed downstream %v", sawP, sawKey)
		}
		if c.status != 200 && sawP != nil {
			t.Fatal("handler ran")
		}
	}
}
