package oauth_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/mcpkit/mcpkit/client/oauth"
)

// fakeAS is a protected resource (/mcp) and its authorization server on one 127.0.0.1 listener, with
// knobs for the misbehaviours the negative tests need.
type fakeAS struct {
	srv *httptest.Server

	mu            sync.Mutex
	valid         map[string]bool
	issued        int
	metadataIss   string // issuer served in the metadata ("" = the right one)
	noS256        bool
	issInRedirect string // "" = the right one, "-" = none
	refreshFails  bool
	alwaysDeny    bool     // /mcp answers 401 to every token
	forbid        bool     // /mcp answers 403 insufficient_scope to every valid token
	authMethods   []string // token_endpoint_auth_methods_supported (nil: absent)
	tokenCalls    atomic.Int32
	lastForm      url.Values // the last token request
	lastAuth      string     // its Authorization header
}

func newFakeAS(t *testing.T) *fakeAS {
	f := &fakeAS{valid: map[string]bool{}}
	mux := http.NewServeMux()
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	base := f.srv.URL
	mux.HandleFunc("/mcp", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		ok := !f.alwaysDeny && f.valid[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
		forbid := f.forbid
		f.mu.Unlock()
		if ok && forbid {
			w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope", scope="admin"`)
			w.WriteHeader(http.StatusForbidden)
			return
		}
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer resource_metadata="`+base+`/.well-known/oauth-protected-resource/mcp"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = io.WriteString(w, "ok")
	})
	mux.HandleFunc("/.well-known/oauth-protected-resource/mcp", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"resource": base + "/mcp", "authorization_servers": []string{base}})
	})
	mux.HandleFunc("/.well-known/oauth-authorization-server", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		iss := base
		if f.metadataIss != "" {
			iss = f.metadataIss
		}
		methods := []string{"S256"}
		if f.noS256 {
			methods = []string{"plain"}
		}
		writeJSON(w, map[string]any{"issuer": iss, "authorization_endpoint": base + "/authorize",
			"token_endpoint": base + "/token", "registration_endpoint": base + "/register",
			"code_challenge_methods_supported": methods, "authorization_response_iss_parameter_supported": true,
			"token_endpoint_auth_methods_supported": f.authMethods})
	})
	mux.HandleFunc("/register", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"client_id": "c1"})
	})
	mux.HandleFunc("/authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		f.mu.Lock()
		iss := base
		if f.issInRedirect != "" {
			iss = f.issInRedirect
		}
		f.mu.Unlock()
		v := url.Values{"code": {"code1"}, "state": {q.Get("state")}}
		if iss != "-" {
			v.Set("iss", iss)
		}
		http.Redirect(w, r, q.Get("redirect_uri")+"?"+v.Encode(), http.StatusFound)
	})
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		f.tokenCalls.Add(1)
		_ = r.ParseForm()
		f.mu.Lock()
		defer f.mu.Unlock()
		f.lastForm, f.lastAuth = r.Form, r.Header.Get("Authorization")
		if r.Form.Get("grant_type") == "refresh_token" && f.refreshFails {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"error":"invalid_grant"}`)
			return
		}
		f.issued++
		tok := fmt.Sprintf("tok%d", f.issued)
		f.valid[tok] = true
		writeJSON(w, map[string]any{"access_token": tok, "token_type": "Bearer", "refresh_token": "r" + tok, "expires_in": 3600})
	})
	return f
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// revokeAll invalidates every access token issued so far.
func (f *fakeAS) revokeAll() {
	f.mu.Lock()
	f.valid = map[string]bool{}
	f.mu.Unlock()
}

func get(t *testing.T, hc *http.Client, u string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hc.Do(req)
	if err == nil {
		resp.Body.Close()
	}
	return resp, err
}

// countingHeadless is Headless that counts its calls and lets a test rewrite the callback.
func countingHeadless(n *atomic.Int32, rewrite func(*url.URL)) oauth.AuthorizeFunc {
	h := oauth.Headless(nil)
	return func(ctx context.Context, authURL string) (*url.URL, error) {
		n.Add(1)
		u, err := h(ctx, authURL)
		if err == nil && rewrite != nil {
			rewrite(u)
		}
		return u, err
	}
}

func TestLoginThenCall(t *testing.T) {
	f := newFakeAS(t)
	var n atomic.Int32
	hc := &http.Client{Transport: oauth.NewTransport(oauth.Config{Authorize: countingHeadless(&n, nil)})}
	for range 2 {
		resp, err := get(t, hc, f.srv.URL+"/mcp")
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /mcp = %v, %v; want 200", resp, err)
		}
	}
	if n.Load() != 1 {
		t.Fatalf("authorized %d times, want 1 (the token is reused)", n.Load())
	}
}

func TestNegativePaths(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(*fakeAS)
		rewrite func(*url.URL)
		want    error
	}{
		{"state mismatch", nil, func(u *url.URL) {
			q := u.Query()
			q.Set("state", "forged")
			u.RawQuery = q.Encode()
		}, oauth.ErrStateMismatch},
		{"metadata issuer mismatch", func(f *fakeAS) { f.metadataIss = "https://evil.example" }, nil, oauth.ErrIssuerMismatch},
		{"no S256", func(f *fakeAS) { f.noS256 = true }, nil, oauth.ErrNoS256},
		{"wrong iss in redirect", func(f *fakeAS) { f.issInRedirect = "https://evil.example" }, nil, oauth.ErrIssuerMismatch},
		{"trailing-slash iss", func(f *fakeAS) { f.issInRedirect = f.srv.URL + "/" }, nil, oauth.ErrIssuerMismatch},
		{"iss advertised but missing", func(f *fakeAS) { f.issInRedirect = "-" }, nil, oauth.ErrIssuerMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAS(t)
			if tt.setup != nil {
				tt.setup(f)
			}
			var n atomic.Int32
			hc := &http.Client{Transport: oauth.NewTransport(oauth.Config{Authorize: countingHeadless(&n, tt.rewrite)})}
			_, err := get(t, hc, f.srv.URL+"/mcp")
			if !errors.Is(err, tt.want) {
				t.Fatalf("GET /mcp error = %v, want %v", err, tt.want)
			}
			if got := f.tokenCalls.Load(); got != 0 {
				t.Fatalf("the token endpoint was called %d times; a rejected response must not be redeemed", got)
			}
		})
	}
}

// A revoked token whose refresh fails leads to one new login; when the server refuses that token too,
// the request ends with ErrLoginRequired instead of looping.
func TestRefreshFailureIsBounded(t *testing.T) {
	f := newFakeAS(t)
	var n atomic.Int32
	hc := &http.Client{Transport: oauth.NewTransport(oauth.Config{Authorize: countingHeadless(&n, nil)})}
	if resp, err := get(t, hc, f.srv.URL+"/mcp"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("first GET = %v, %v", resp, err)
	}
	f.mu.Lock()
	f.refreshFails, f.alwaysDeny = true, true
	f.mu.Unlock()
	f.revokeAll()
	_, err := get(t, hc, f.srv.URL+"/mcp")
	if !errors.Is(err, oauth.ErrLoginRequired) {
		t.Fatalf("GET after revocation = %v, want ErrLoginRequired", err)
	}
	if n.Load() != 2 {
		t.Fatalf("authorized %d times, want 2 (the first login and one new login)", n.Load())
	}
}

// A failed refresh falls back to a new login; a working refresh needs none.
func TestRefreshThenRelogin(t *testing.T) {
	f := newFakeAS(t)
	var n atomic.Int32
	tr := oauth.NewTransport(oauth.Config{Authorize: countingHeadless(&n, nil)})
	hc := &http.Client{Transport: tr}
	if resp, err := get(t, hc, f.srv.URL+"/mcp"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("first GET = %v, %v", resp, err)
	}
	f.mu.Lock()
	f.refreshFails = true
	f.mu.Unlock()
	f.revokeAll()
	resp, err := get(t, hc, f.srv.URL+"/mcp") // refresh fails, a new login succeeds
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET after revocation = %v, %v; want 200 after a new login", resp, err)
	}
	f.revokeAll()
	f.mu.Lock()
	f.refreshFails = false
	f.mu.Unlock()
	resp, err = get(t, hc, f.srv.URL+"/mcp") // the refresh token now works
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET after a second revocation = %v, %v; want 200 after a refresh", resp, err)
	}
	f.mu.Lock()
	form := f.lastForm
	f.mu.Unlock()
	// The refresh carries the resource indicator like every token request (RFC 8707; MCP authorization).
	if form.Get("grant_type") != "refresh_token" || form.Get("resource") != f.srv.URL+"/mcp" {
		t.Fatalf("the refresh request sent %v, want grant_type refresh_token and resource %s/mcp", form, f.srv.URL)
	}
	if n.Load() != 2 {
		t.Fatalf("authorized %d times, want 2 (the refresh needs no login)", n.Load())
	}
}

// Without an Authorize step a failed refresh is a clear login-required error.
func TestRefreshFailureWithoutAuthorize(t *testing.T) {
	f := newFakeAS(t)
	store := &oauth.MemoryStore{}
	var n atomic.Int32
	first := &http.Client{Transport: oauth.NewTransport(oauth.Config{Authorize: countingHeadless(&n, nil), Store: store})}
	if resp, err := get(t, first, f.srv.URL+"/mcp"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("first GET = %v, %v", resp, err)
	}
	hc := &http.Client{Transport: oauth.NewTransport(oauth.Config{Store: store})}
	_, err := get(t, hc, f.srv.URL+"/mcp")
	if !errors.Is(err, oauth.ErrLoginRequired) || !strings.Contains(err.Error(), "Authorize") {
		t.Fatalf("GET without Authorize = %v, want ErrLoginRequired naming Config.Authorize", err)
	}
}

// A server that answers 403 insufficient_scope whatever the token gets DefaultMaxStepUps step-up logins,
// then the caller gets the 403: three authorization requests in all, never a loop.
func TestStepUpLimit(t *testing.T) {
	f := newFakeAS(t)
	f.forbid = true
	var n atomic.Int32
	hc := &http.Client{Transport: oauth.NewTransport(oauth.Config{Authorize: countingHeadless(&n, nil)})}
	resp, err := get(t, hc, f.srv.URL+"/mcp")
	if err != nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("GET = %v, %v; want the 403", resp, err)
	}
	if got := n.Load(); got != 1+oauth.DefaultMaxStepUps {
		t.Fatalf("%d authorization requests, want %d", got, 1+oauth.DefaultMaxStepUps)
	}
	if resp, err = get(t, hc, f.srv.URL+"/mcp"); err != nil || resp.StatusCode != http.StatusForbidden || n.Load() != 1+oauth.DefaultMaxStepUps {
		t.Fatalf("second GET = %v, %v after %d authorizations; want the 403 and no new login", resp, err, n.Load())
	}
}

// A step-up whose login fails returns that error, not the 403 with it.
func TestStepUpLoginFails(t *testing.T) {
	f := newFakeAS(t)
	f.forbid = true
	var n atomic.Int32
	h := countingHeadless(&n, nil)
	authorize := func(ctx context.Context, u string) (*url.URL, error) {
		if n.Load() >= 1 {
			return nil, errors.New("user cancelled")
		}
		return h(ctx, u)
	}
	hc := &http.Client{Transport: oauth.NewTransport(oauth.Config{Authorize: authorize})}
	resp, err := get(t, hc, f.srv.URL+"/mcp")
	if err == nil || !strings.Contains(err.Error(), "user cancelled") || resp != nil {
		t.Fatalf("GET = %v, %v; want the login error alone", resp, err)
	}
}
