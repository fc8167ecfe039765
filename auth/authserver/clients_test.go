package authserver

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestDynamicClientRegistration(t *testing.T) {
	s := start(t, Options{})
	reg := func(body string) (int, map[string]any) {
		resp, err := http.Post(s.Issuer()+"/register", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	st, m := reg(`{"redirect_uris":["http://127.0.0.1:7777/cb"],"token_endpoint_auth_method":"none","client_name":"t"}`)
	if st != 201 || m["client_id"] == nil || m["client_secret"] != nil || m["token_endpoint_auth_method"] != "none" {
		t.Fatalf("public registration: %d %v", st, m)
	}
	st, m2 := reg(`{"redirect_uris":["https://app.example/cb"],"grant_types":["authorization_code","client_credentials"]}`)
	if st != 201 || m2["client_secret"] == nil || m2["token_endpoint_auth_method"] != "client_secret_basic" {
		t.Fatalf("confidential registration: %d %v", st, m2)
	}
	for _, bad := range []string{`{}`, `{"redirect_uris":["http://evil.example/cb"]}`, `{"redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":"none","grant_types":["client_credentials"]}`, `not json`} {
		if st, m := reg(bad); st != 400 || m["error"] == nil {
			t.Errorf("registration %s: %d %v, want 400 with an error", bad, st, m)
		}
	}
	// The registered public client completes a flow: consent page, approve.
	id := m["client_id"].(string)
	p := newPKCE()
	status, _, loc := authorize(t, s, authQuery(id, "http://127.0.0.1:7777/cb", p, "resource", testResource))
	if status != http.StatusFound || !strings.HasPrefix(loc, s.Issuer()+"/consent?") {
		t.Fatalf("authorize: %d %q, want the consent page", status, loc)
	}
	code := consent(t, s, loc, "approve")
	if code.Get("iss") != s.Issuer() || code.Get("state") != "st-1" || code.Get("code") == "" {
		t.Fatalf("after approval: %v", code)
	}
	if st, m := redeem(t, s, code.Get("code"), "http://127.0.0.1:7777/cb", id, p); st != 200 || m["access_token"] == nil {
		t.Fatalf("redeem: %d %v", st, m)
	}
}

// consent loads the consent page at loc with a cookie jar, submits decision and returns the query of the
// final redirect to the client.
func consent(t *testing.T, s *Server, loc, decision string) url.Values {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	var final *url.URL
	hc := &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(r *http.Request, _ []*http.Request) error {
		if !strings.HasPrefix(r.URL.String(), s.Issuer()) {
			final = r.URL
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := hc.Get(loc)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("consent page may be framed")
	}
	csrf := between(string(page), `name="csrf" value="`, `"`)
	id := between(string(page), `name="id" value="`, `"`)
	if csrf == "" || id == "" {
		t.Fatalf("consent page without form fields: %s", page)
	}
	// Without the cookie (a cross-site post), the form is refused.
	st, _, _ := post(t, s, "/consent", url.Values{"id": {id}, "csrf": {csrf}, "decision": {"approve"}}, "", "")
	if st != http.StatusForbidden {
		t.Errorf("consent POST without the cookie: %d, want 403", st)
	}
	resp, err = hc.PostForm(s.Issuer()+"/consent", url.Values{"id": {id}, "csrf": {csrf}, "decision": {decision}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if final == nil {
		t.Fatalf("consent POST: %d, no redirect to the client", resp.StatusCode)
	}
	return final.Query()
}

func between(s, a, b string) string {
	_, rest, ok := strings.Cut(s, a)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, b)
	return v
}

func TestConsentDeny(t *testing.T) {
	s := start(t, Options{})
	p := newPKCE()
	_, _, loc := authorize(t, s, authQuery(TestClientID, TestRedirectURI, p))
	got := consent(t, s, loc, "deny")
	if got.Get("error") != "access_denied" || got.Get("code") != "" || got.Get("state") != "st-1" || got.Get("iss") != s.Issuer() {
		t.Errorf("deny: %v, want access_denied with state and iss", got)
	}
}

func TestClientIDMetadataDocument(t *testing.T) {
	var mu sync.Mutex
	docs := map[string]string{}
	fetches := 0
	mux := http.NewServeMux()
	srv := &http.Server{Handler: mux}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	base := "http://" + ln.Addr().String()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		fetches++
		d, ok := docs[r.URL.Path]
		mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, d)
	})
	good := base + "/good.json"
	docs["/good.json"] = `{"client_id":"` + good + `","client_name":"doc","redirect_uris":["http://127.0.0.1:7778/cb"],"token_endpoint_auth_method":"none"}`
	docs["/wrong-id.json"] = `{"client_id":"` + base + `/other.json","redirect_uris":["http://127.0.0.1:7778/cb"]}`
	docs["/big.json"] = `{"client_id":"` + base + `/big.json","redirect_uris":["http://127.0.0.1:7778/cb"],"x":"` + strings.Repeat("a", maxMetadataDocument) + `"}`

	// Without the dev option an http document URL is not a metadata document.
	strict := start(t, Options{AutoApprove: true})
	p := newPKCE()
	if st, _, _ := authorize(t, strict, authQuery(good, "http://127.0.0.1:7778/cb", p)); st != http.StatusBadRequest {
		t.Errorf("http document without AllowHTTPClientMetadata: %d, want 400", st)
	}
	s := start(t, Options{AutoApprove: true, AllowHTTPClientMetadata: true})
	_, got, loc := authorize(t, s, authQuery(good, "http://127.0.0.1:7778/cb", p, "resource", testResource))
	if got.Get("code") == "" || got.Get("iss") != s.Issuer() {
		t.Fatalf("document client: %q", loc)
	}
	if st, m := redeem(t, s, got.Get("code"), "http://127.0.0.1:7778/cb", good, p); st != 200 || m["access_token"] == nil {
		t.Fatalf("redeem: %d %v", st, m)
	}
	if st, _, _ := authorize(t, s, authQuery(good, "http://127.0.0.1:7778/other", p)); st != http.StatusBadRequest {
		t.Errorf("redirect URI not in the document: %d, want 400", st)
	}
	for _, bad := range []string{"/wrong-id.json", "/big.json", "/missing.json"} {
		if st, _, loc := authorize(t, s, authQuery(base+bad, "http://127.0.0.1:7778/cb", p)); st != http.StatusBadRequest {
			t.Errorf("%s: %d %q, want 400", bad, st, loc)
		}
	}
	mu.Lock()
	n := fetches
	mu.Unlock()
	if n > 1+3+1 { // good once (cached), each bad one once, /other refused after the cached good one
		t.Errorf("%d fetches, want the good document fetched once (cached)", n)
	}
}

func TestCORSForBrowserClients(t *testing.T) {
	s := start(t, Options{})
	resp, err := http.Get(s.Issuer() + "/.well-known/oauth-authorization-server")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("metadata without CORS: %v", resp.Header)
	}
	req, _ := http.NewRequest(http.MethodOptions, s.Issuer()+"/register", nil)
	req.Header.Set("Origin", "http://localhost:6274")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "content-type")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 || resp.Header.Get("Access-Control-Allow-Origin") != "*" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "POST") {
		t.Errorf("register preflight: %d %v", resp.StatusCode, resp.Header)
	}
}
