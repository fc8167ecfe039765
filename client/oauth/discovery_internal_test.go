package oauth

import (
	"net/url"
	"testing"
)

func TestResourceCovers(t *testing.T) {
	srv, _ := url.Parse("https://mcp.example.com/api/mcp")
	for _, c := range []struct {
		r     string
		named bool
		want  bool
	}{
		{"https://mcp.example.com/api/mcp", false, true},
		{"https://mcp.example.com/api", false, true},
		{"https://mcp.example.com", false, true},
		{"https://mcp.example.com/other", false, false},
		{"https://mcp.example.com/other", true, true}, // the server's own challenge named it
		{"https://evil.example.com/api/mcp", true, false},
		{"http://mcp.example.com/api/mcp", false, false},
		{"https://mcp.example.com/api/mcpx", false, false},
	} {
		if got := resourceCovers(c.r, srv, c.named); got != c.want {
			t.Errorf("resourceCovers(%q, named %v) = %v, want %v", c.r, c.named, got, c.want)
		}
	}
}

func TestParseChallenge(t *testing.T) {
	h := map[string][]string{"Www-Authenticate": {`Basic realm="x", Bearer error="insufficient_scope", scope="a b", resource_metadata="https://x/.well-known/oauth-protected-resource"`}}
	c, ok := ParseChallenge(h)
	if !ok || c.Error != "insufficient_scope" || len(c.Scope) != 2 || c.Scope[1] != "b" || c.ResourceMetadata != "https://x/.well-known/oauth-protected-resource" {
		t.Fatalf("ParseChallenge = %+v, %v", c, ok)
	}
	c, ok = ParseChallenge(map[string][]string{"Www-Authenticate": {`DPoP error="use_dpop_nonce", resource_metadata="https://y/m"`}})
	if !ok || c.Error != "use_dpop_nonce" || c.ResourceMetadata != "https://y/m" {
		t.Fatalf("ParseChallenge(DPoP) = %+v, %v", c, ok)
	}
	if _, ok := ParseChallenge(map[string][]string{"Www-Authenticate": {`Basic realm="x"`}}); ok {
		t.Fatal("a Basic-only challenge parsed as Bearer")
	}
}
