package auth

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// introspectionServer answers RFC 7662 requests from a table (token → JSON answer; unknown tokens are
// inactive), checks the resource server's Basic credentials, and counts its calls.
type introspectionServer struct {
	*httptest.Server
	calls   atomic.Int64
	answers map[string]string
}

func newIntrospectionServer(t testing.TB, answers map[string]string) *introspectionServer {
	t.Helper()
	s := &introspectionServer{answers: answers}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.calls.Add(1)
		id, secret, ok := r.BasicAuth()
		if !ok || id != "rs" || secret != "s3cret" || r.Method != http.MethodPost {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		ans, ok := s.answers[r.PostFormValue("token")]
		if !ok {
			ans = `{"active":false}`
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, ans)
	}))
	t.Cleanup(s.Close)
	return s
}

func activeAnswer(sub, scope string) string {
	return fmt.Sprintf(`{"active":true,"sub":%q,"scope":%q,"client_id":"client-1","iss":%q,"aud":%q,"exp":%d,"token_type":"Bearer"}`,
		sub, scope, testIssuer, testResource, testNow.Add(time.Hour).Unix())
}

func newTestIntrospection(t testing.TB, endpoint string, mod func(*IntrospectionOptions)) *IntrospectionVerifier {
	t.Helper()
	o := IntrospectionOptions{Endpoint: endpoint, ClientID: "rs", ClientSecret: "s3cret", Issuer: testIssuer,
		Audience: testResource, Now: func() time.Time { return testNow }}
	if mod != nil {
		mod(&o)
	}
	v, err := NewIntrospectionVerifier(o)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestIntrospectionChecks(t *testing.T) {
	exp := testNow.Add(time.Hour).Unix()
	is := newIntrospectionServer(t, map[string]string{
		"ok":         activeAnswer("alice", "User.Read User.Write"),
		"client":     fmt.Sprintf(`{"active":true,"client_id":"svc","exp":%d}`, exp),
		"wrong-aud":  fmt.Sprintf(`{"active":true,"sub":"a","aud":["https://other.example"],"exp":%d}`, exp),
		"wrong-iss":  fmt.Sprintf(`{"active":true,"sub":"a","iss":"https://evil.example","exp":%d}`, exp),
		"expired":    fmt.Sprintf(`{"active":true,"sub":"a","exp":%d}`, testNow.Add(-time.Second).Unix()),
		"future":     fmt.Sprintf(`{"active":true,"sub":"a","nbf":%d,"exp":%d}`, testNow.Add(time.Minute).Unix(), exp),
		"anonymous":  fmt.Sprintf(`{"active":true,"exp":%d}`, exp),
		"refresh":    fmt.Sprintf(`{"active":true,"sub":"a","token_type":"refresh_token","exp":%d}`, exp),
		"not-json":   `<html>`,
		"active-str": `{"active":"true","sub":"a"}`,
	})
	v := newTestIntrospection(t, is.URL, nil)
	for tok, want := range map[string]string{
		"ok": "alice", "client": "svc", "wrong-aud": "", "wrong-iss": "", "expired": "", "future": "",
		"anonymous": "", "refresh": "", "unknown": "",
	} {
		p, err := v.Verify(t.Context(), tok)
		if want == "" {
			if !isInvalid(err) {
				t.Errorf("%s: got %+v, %v; want an invalid token", tok, p, err)
			}
			continue
		}
		if err != nil || p.Subject != want {
			t.Errorf("%s: got %+v, %v; want %s", tok, p, err, want)
		}
	}
	for _, tok := range []string{"not-json", "active-str"} {
		if _, err := v.Verify(t.Context(), tok); err == nil || isInvalid(err) {
			t.Errorf("%s: %v, want an unavailable error (a broken endpoint is not the token's fault)", tok, err)
		}
	}
	p, _ := v.Verify(t.Context(), "ok")
	if !p.HasScopes("User.Read", "User.Write") || p.ClientID != "client-1" || p.Issuer != testIssuer || p.Expiry.Unix() != exp {
		t.Errorf("principal %+v", p)
	}
}

func TestIntrospectionCache(t *testing.T) {
	now := testNow
	is := newIntrospectionServer(t, map[string]string{
		"ok":    activeAnswer("alice", "User.Read"),
		"short": fmt.Sprintf(`{"active":true,"sub":"a","exp":%d}`, testNow.Add(10*time.Second).Unix()),
	})
	v := newTestIntrospection(t, is.URL, func(o *IntrospectionOptions) {
		o.Now = func() time.Time { return now }
		o.MaxEntries = 3
	})
	ctx := t.Context()
	for range 5 {
		if _, err := v.Verify(ctx, "ok"); err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(ctx, "revoked"); !isInvalid(err) {
			t.Fatal(err)
		}
	}
	if n := is.calls.Load(); n != 2 {
		t.Fatalf("%d introspection calls for 10 verifications of 2 tokens, want 2 (cached)", n)
	}
	// Inactive answers are kept 5 s, active ones 60 s.
	now = testNow.Add(6 * time.Second)
	_, _ = v.Verify(ctx, "ok")
	_, _ = v.Verify(ctx, "revoked")
	if n := is.calls.Load(); n != 3 {
		t.Fatalf("%d calls after 6 s, want 3 (only the inactive answer expired)", n)
	}
	// Never past the token's exp: "short" expires 10 s after testNow though the cache TTL is 60 s.
	now = testNow
	if _, err := v.Verify(ctx, "short"); err != nil {
		t.Fatal(err)
	}
	now = testNow.Add(11 * time.Second)
	if _, err := v.Verify(ctx, "short"); !isInvalid(err) {
		t.Fatalf("an expired token was served from the cache: %v", err)
	}
	// Bounded: many distinct tokens never grow the cache past MaxEntries.
	for i := range 20 {
		_, _ = v.Verify(ctx, fmt.Sprintf("junk-%d", i))
	}
	if n := v.cache.len(); n > 3 {
		t.Fatalf("cache holds %d entries, bound 3", n)
	}
}

func TestIntrospectionUnavailable(t *testing.T) {
	is := newIntrospectionServer(t, nil)
	v := newTestIntrospection(t, is.URL, func(o *IntrospectionOptions) { o.ClientSecret = "wrong" })
	if _, err := v.Verify(t.Context(), "x"); err == nil || isInvalid(err) {
		t.Fatalf("endpoint refusing our credentials: %v, want an unavailable error", err)
	}
	is.Close()
	if _, err := v.Verify(t.Context(), "y"); err == nil || isInvalid(err) {
		t.Fatalf("endpoint down: %v, want an unavailable error", err)
	}
}
