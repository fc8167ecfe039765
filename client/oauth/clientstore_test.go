package oauth_test

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/client/oauth"
)

// countRegistrations is a base RoundTripper counting the requests to a /register path.
type countRegistrations struct{ n atomic.Int32 }

func (c *countRegistrations) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/register") {
		c.n.Add(1)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestFileStoreClients: registrations are kept by issuer beside the tokens, and neither kind disturbs
// the other; Keys lists the tokens only.
func TestFileStoreClients(t *testing.T) {
	ctx := context.Background()
	s := &oauth.FileStore{Path: filepath.Join(t.TempDir(), "tokens.json")}
	if r, err := s.LoadClient(ctx, "https://as"); r != nil || err != nil {
		t.Fatalf("empty: %v %v", r, err)
	}
	k := oauth.Key{Issuer: "https://as", Resource: "https://mcp/mcp"}
	if err := s.Save(ctx, k, nil); err != nil { // a nil token removes; nothing to remove
		t.Fatal(err)
	}
	if err := s.SaveClient(ctx, oauth.Registration{Issuer: "https://as", ClientID: "c1", RedirectURL: "http://127.0.0.1:1/cb", Method: oauth.AuthNone}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveClient(ctx, oauth.Registration{Issuer: "https://as", ClientID: "c2", RedirectURL: "http://127.0.0.1:1/cb", Method: oauth.AuthNone}); err != nil {
		t.Fatal(err)
	}
	if ks, err := s.Keys(ctx); err != nil || len(ks) != 0 {
		t.Fatalf("Keys = %v, %v: a registration is not a token", ks, err)
	}
	if tok, err := s.Load(ctx, oauth.Key{Issuer: "https://as"}); tok != nil || err != nil {
		t.Fatalf("Load of the registration's issuer = %v, %v", tok, err)
	}
	r, err := (&oauth.FileStore{Path: s.Path}).LoadClient(ctx, "https://as")
	if err != nil || r == nil || r.ClientID != "c2" {
		t.Fatalf("LoadClient = %+v, %v (the second replaces the first)", r, err)
	}
	if err := s.DeleteClient(ctx, "https://as"); err != nil {
		t.Fatal(err)
	}
	if r, _ := s.LoadClient(ctx, "https://as"); r != nil {
		t.Fatalf("after DeleteClient: %+v", r)
	}
}

// TestStoredClientRefreshes: a new Transport over the FileStore of an earlier one (a CLI's next run)
// whose token has expired refreshes it as the client that was registered before — no new registration,
// no new login; with another redirect URL it registers again.
func TestStoredClientRefreshes(t *testing.T) {
	f := newFakeAS(t)
	ctx := context.Background()
	store := &oauth.FileStore{Path: filepath.Join(t.TempDir(), "tokens.json")}
	base := &countRegistrations{}
	var logins atomic.Int32
	cfg := oauth.Config{Base: base, Store: store, Clients: store, Authorize: countingHeadless(&logins, nil)}
	if resp, err := get(t, &http.Client{Transport: oauth.NewTransport(cfg)}, f.srv.URL+"/mcp"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("first run: %v %v", resp, err)
	}
	keys, err := store.Keys(ctx)
	if err != nil || len(keys) != 1 {
		t.Fatalf("keys %v %v", keys, err)
	}
	tok, _ := store.Load(ctx, keys[0])
	tok.Expiry = time.Now().Add(-time.Minute)
	if err := store.Save(ctx, keys[0], tok); err != nil {
		t.Fatal(err)
	}
	calls := f.tokenCalls.Load()
	if resp, err := get(t, &http.Client{Transport: oauth.NewTransport(cfg)}, f.srv.URL+"/mcp"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("second run: %v %v", resp, err)
	}
	f.mu.Lock()
	form := f.lastForm
	f.mu.Unlock()
	if form.Get("grant_type") != "refresh_token" || form.Get("client_id") != "c1" || f.tokenCalls.Load() != calls+1 {
		t.Errorf("second run's token request %v (calls %d → %d), want one refresh as c1", form, calls, f.tokenCalls.Load())
	}
	if n, l := base.n.Load(), logins.Load(); n != 1 || l != 1 {
		t.Errorf("%d registrations, %d logins over two runs; want 1 and 1", n, l)
	}
	if nt, _ := store.Load(ctx, keys[0]); nt == nil || nt.AccessToken == tok.AccessToken || !nt.Valid() {
		t.Errorf("refreshed token not stored: %+v", nt)
	}
	cfg.RedirectURL = "http://127.0.0.1:1/other"
	for _, k := range keys {
		_ = store.Delete(ctx, k)
	}
	if resp, err := get(t, &http.Client{Transport: oauth.NewTransport(cfg)}, f.srv.URL+"/mcp"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("third run: %v %v", resp, err)
	}
	if n := base.n.Load(); n != 2 {
		t.Errorf("%d registrations after a new redirect URL, want 2", n)
	}
}
