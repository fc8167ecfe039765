package oauth_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/mcpkit/mcpkit/client/oauth"
)

func TestWorkloadIdentityAssertion(t *testing.T) {
	f := newFakeAS(t)
	hc := &http.Client{Transport: oauth.NewTransport(oauth.Config{ClientID: "wl", Assertion: oauth.StaticAssertion("workload.jwt")})}
	if resp, err := get(t, hc, f.srv.URL+"/mcp"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET = %v, %v", resp, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.lastForm.Get("grant_type") != oauth.GrantJWTBearer || f.lastForm.Get("assertion") != "workload.jwt" ||
		f.lastForm.Get("client_id") != "wl" || f.lastForm.Get("resource") != f.srv.URL+"/mcp" {
		t.Fatalf("token request %v", f.lastForm)
	}
}

// Enterprise-managed: the IdP's ID token is exchanged for an ID-JAG (audience the authorization server,
// resource the MCP server), which the client redeems with the JWT bearer grant and client_secret_basic.
func TestEnterpriseManagedIDJAG(t *testing.T) {
	f := newFakeAS(t)
	var mu sync.Mutex
	var exchange map[string]string
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		exchange = map[string]string{}
		for k := range r.Form {
			exchange[k] = r.Form.Get(k)
		}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"access_token": "id-jag", "issued_token_type": oauth.TokenTypeIDJAG, "token_type": "N_A"})
	}))
	defer idp.Close()
	hc := &http.Client{Transport: oauth.NewTransport(oauth.Config{ClientID: "mcp-client", ClientSecret: "s",
		Assertion: oauth.IDJAG(nil, idp.URL+"/token", "idp-client", "id.token")})}
	if resp, err := get(t, hc, f.srv.URL+"/mcp"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET = %v, %v", resp, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if exchange["grant_type"] != oauth.GrantTokenExchange || exchange["subject_token"] != "id.token" ||
		exchange["requested_token_type"] != oauth.TokenTypeIDJAG || exchange["audience"] != f.srv.URL ||
		exchange["resource"] != f.srv.URL+"/mcp" || exchange["client_id"] != "idp-client" {
		t.Fatalf("token exchange %v", exchange)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	req, _ := http.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", f.lastAuth)
	if id, secret, ok := req.BasicAuth(); !ok || id != "mcp-client" || secret != "s" || f.lastForm.Get("assertion") != "id-jag" {
		t.Fatalf("JWT bearer request %v with Authorization %q", f.lastForm, f.lastAuth)
	}
}
