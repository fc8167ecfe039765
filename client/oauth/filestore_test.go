package oauth_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"golang.org/x/oauth2"

	"github.com/mcpkit/mcpkit/client/oauth"
)

func TestFileStore(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sub", "tokens.json")
	s := &oauth.FileStore{Path: path}
	a := oauth.Key{Issuer: "https://as.example", Resource: "https://mcp.example/mcp"}
	b := oauth.Key{Issuer: "https://other.example", Resource: "https://mcp.example/mcp"}
	if tok, err := s.Load(ctx, a); err != nil || tok != nil {
		t.Fatalf("empty store Load = %v, %v", tok, err)
	}
	if err := s.Save(ctx, a, &oauth2.Token{AccessToken: "ta", RefreshToken: "ra"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(ctx, b, &oauth2.Token{AccessToken: "tb"}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file mode %v, want 0600", fi.Mode().Perm())
	}
	again := &oauth.FileStore{Path: path} // as a new run would
	if tok, err := again.Load(ctx, a); err != nil || tok == nil || tok.AccessToken != "ta" || tok.RefreshToken != "ra" {
		t.Fatalf("Load(a) = %+v, %v", tok, err)
	}
	if err := again.Delete(ctx, a); err != nil {
		t.Fatal(err)
	}
	if tok, _ := again.Load(ctx, a); tok != nil {
		t.Fatalf("Load(a) after Delete = %+v", tok)
	}
	if tok, _ := again.Load(ctx, b); tok == nil || tok.AccessToken != "tb" {
		t.Fatalf("Load(b) = %+v: keyed by issuer, b must survive a's deletion", tok)
	}
}

// A second Transport over the same store (a new run of a CLI) uses the stored token without a new login.
func TestStoredTokenReused(t *testing.T) {
	f := newFakeAS(t)
	store := &oauth.FileStore{Path: filepath.Join(t.TempDir(), "tokens.json")}
	var n atomic.Int32
	for i := range 2 {
		hc := &http.Client{Transport: oauth.NewTransport(oauth.Config{Authorize: countingHeadless(&n, nil), Store: store})}
		if resp, err := get(t, hc, f.srv.URL+"/mcp"); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("run %d: GET = %v, %v", i, resp, err)
		}
	}
	if n.Load() != 1 {
		t.Fatalf("authorized %d times over two runs, want 1", n.Load())
	}
}
