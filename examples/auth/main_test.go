package main

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/mcpkit/mcpkit/auth/authserver"
)

// credentials are what one mode's test presents: the header, and its value per role.
type credentials struct {
	header                     string
	reader, writer, admin      string // User.Read; User.Read User.Write; User.Read Admin.Read
	otherAudience, description string // a credential this server must refuse, and what it is
}

// TestModes: in every mode, a principal with User.Read can call get_user but gets the step-up 403 naming
// User.Write on update_user; Admin.Read gates list_audit_log; tools/list shows each principal only what it
// may call; no credential, and a credential for another audience (an unknown key in apikey mode), get 401.
func TestModes(t *testing.T) {
	t.Run("apikey", func(t *testing.T) {
		base, _ := startExample(t, config{mode: "apikey", hide: true})
		checkMode(t, base, credentials{header: "X-API-Key", reader: "reader-key", writer: "writer-key", admin: "admin-key",
			otherAudience: "key-of-another-server", description: "an unknown key"})
	})
	t.Run("jwt", func(t *testing.T) {
		sg := newSigner(t, "https://issuer.example.com")
		base, ex := startExample(t, config{mode: "jwt", issuer: sg.issuer, jwks: sg.jwks, hide: true})
		checkMode(t, base, credentials{header: "Authorization",
			reader:        "Bearer " + sg.token(t, "alice", ex.resource, scopeUserRead),
			writer:        "Bearer " + sg.token(t, "bob", ex.resource, scopeUserRead, scopeUserWrite),
			admin:         "Bearer " + sg.token(t, "carol", ex.resource, scopeUserRead, scopeAdminRead),
			otherAudience: "Bearer " + sg.token(t, "alice", "https://other.example.com/mcp", scopeUserRead, scopeUserWrite, scopeAdminRead),
			description:   "a token for another audience"})
	})
	t.Run("oauth", func(t *testing.T) {
		as, err := authserver.Listen("127.0.0.1:0", authserver.Options{AutoApprove: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = as.Close() })
		base, ex := startExample(t, config{mode: "oauth", issuer: as.Issuer(), hide: true})
		checkMetadata(t, base, ex.resource, as.Issuer())
		tok := func(resource string, scopes ...string) string {
			tk, err := as.Token(context.Background(), authserver.TokenRequest{Resource: resource, Scopes: scopes})
			if err != nil {
				t.Fatal(err)
			}
			return "Bearer " + tk.AccessToken
		}
		checkMode(t, base, credentials{header: "Authorization",
			reader:        tok(ex.resource, scopeUserRead),
			writer:        tok(ex.resource, scopeUserRead, scopeUserWrite),
			admin:         tok(ex.resource, scopeUserRead, scopeAdminRead),
			otherAudience: tok("http://127.0.0.1:1/mcp", scopeUserRead, scopeUserWrite, scopeAdminRead),
			description:   "a token of the same issuer for another resource"})
	})
}

// TestDevAuth: --mode oauth --dev-auth is a one-command try: the metadata names the in-process
// authorization server, whose Token helper gives a token the example accepts end to end, and which refuses
// tokens for another resource.
func TestDevAuth(t *testing.T) {
	base, ex := startExample(t, config{mode: "oauth", devAuth: true, hide: true})
	if ex.as == nil {
		t.Fatal("no development authorization server")
	}
	if !strings.Contains(ex.warning, "AUTO-APPROVES") {
		t.Fatalf("no warning at start: %q", ex.warning)
	}
	checkMetadata(t, base, ex.resource, ex.as.Issuer())
	if a := rpc(t, http.DefaultClient, base, "", "", "tools/call", "get_user", map[string]any{"id": "1"}); a.status != http.StatusUnauthorized ||
		!strings.Contains(a.challenge, `resource_metadata="`) {
		t.Fatalf("no token: %d %q", a.status, a.challenge)
	}
	tk, err := ex.as.Token(context.Background(), authserver.TokenRequest{Resource: ex.resource, Scopes: []string{scopeUserRead, scopeUserWrite}})
	if err != nil {
		t.Fatal(err)
	}
	a := rpc(t, http.DefaultClient, base, "Authorization", "Bearer "+tk.AccessToken, "tools/call", "update_user", map[string]any{"id": "2", "name": "Grace H."})
	if a.status != http.StatusOK || resultText(a) == "" || !strings.Contains(resultText(a), "Grace H.") {
		t.Fatalf("update_user with a dev token: %d %v", a.status, a.body)
	}
	if _, err := ex.as.Token(context.Background(), authserver.TokenRequest{Resource: "http://127.0.0.1:1/mcp", Scopes: []string{scopeUserRead}}); err == nil {
		t.Fatal("the development authorization server issued a token for another resource")
	}
}

// TestSetupErrors: flags that do not go together are refused with a message naming them.
func TestSetupErrors(t *testing.T) {
	for _, c := range []struct {
		cfg  config
		want string
	}{
		{config{mode: "basic"}, "want apikey, jwt or oauth"},
		{config{mode: "apikey", devAuth: true}, "--mode apikey"},
		{config{mode: "jwt", issuer: "https://as.example.com"}, "--jwks"},
		{config{mode: "oauth"}, "--issuer"},
		{config{mode: "oauth", devAuth: true, issuer: "https://as.example.com"}, "--dev-auth"},
	} {
		c.cfg.addr = "127.0.0.1:1"
		if _, err := setup(context.Background(), c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.cfg, err, c.want)
		}
	}
}

func checkMode(t *testing.T, base string, c credentials) {
	t.Helper()
	call := func(cred, tool string, args any) answer {
		return rpc(t, http.DefaultClient, base, c.header, cred, "tools/call", tool, args)
	}
	get := map[string]any{"id": "1"}
	if a := call(c.reader, "get_user", get); a.status != http.StatusOK || !strings.Contains(resultText(a), "Ada") {
		t.Errorf("reader get_user: %d %v", a.status, a.body)
	}
	a := call(c.reader, "update_user", map[string]any{"id": "1", "name": "Mallory"})
	if a.status != http.StatusForbidden || !strings.Contains(a.challenge, `error="insufficient_scope"`) || !strings.Contains(a.challenge, `scope="User.Write"`) {
		t.Errorf("reader update_user: %d %q, want 403 insufficient_scope scope=\"User.Write\"", a.status, a.challenge)
	}
	if a := call(c.writer, "update_user", map[string]any{"id": "1", "name": "Ada L."}); a.status != http.StatusOK || !strings.Contains(resultText(a), "Ada L.") {
		t.Errorf("writer update_user: %d %v", a.status, a.body)
	}
	for _, cred := range []string{c.reader, c.writer} {
		if a := call(cred, "list_audit_log", map[string]any{}); a.status != http.StatusForbidden || !strings.Contains(a.challenge, `scope="Admin.Read"`) {
			t.Errorf("list_audit_log without Admin.Read: %d %q", a.status, a.challenge)
		}
	}
	if a := call(c.admin, "list_audit_log", map[string]any{}); a.status != http.StatusOK || !strings.Contains(resultText(a), "update_user 1") {
		t.Errorf("admin list_audit_log: %d %v", a.status, a.body)
	}
	for cred, want := range map[string][]string{
		c.reader: {"get_user"},
		c.writer: {"get_user", "update_user"},
		c.admin:  {"get_user", "list_audit_log"},
	} {
		if got := toolNames(t, rpc(t, http.DefaultClient, base, c.header, cred, "tools/list", "", nil)); !slices.Equal(got, want) {
			t.Errorf("tools/list: %q, want %q", got, want)
		}
	}
	if a := call("", "get_user", get); a.status != http.StatusUnauthorized {
		t.Errorf("no credential: %d", a.status)
	}
	if a := call(c.otherAudience, "get_user", get); a.status != http.StatusUnauthorized {
		t.Errorf("%s: %d, want 401", c.description, a.status)
	}
}

// checkMetadata: the protected-resource metadata names resource and the authorization server.
func checkMetadata(t *testing.T, base, resource, issuer string) {
	t.Helper()
	resp, err := http.Get(base + "/.well-known/oauth-protected-resource/mcp")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var md struct {
		Resource             string   `json:"resource"`
		AuthorizationServers []string `json:"authorization_servers"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&md); err != nil || md.Resource != resource || !slices.Equal(md.AuthorizationServers, []string{issuer}) {
		t.Fatalf("metadata: %v %+v, want %s and %s", err, md, resource, issuer)
	}
}

// resultText is the text of a tools/call result ("" when it is not one).
func resultText(a answer) string {
	r, _ := a.body["result"].(map[string]any)
	if r == nil || r["isError"] == true {
		return ""
	}
	b, _ := json.Marshal(r["content"])
	return string(b)
}

// toolNames are the names a tools/list answer lists, sorted.
func toolNames(t *testing.T, a answer) []string {
	t.Helper()
	r, _ := a.body["result"].(map[string]any)
	tools, _ := r["tools"].([]any)
	var names []string
	for _, x := range tools {
		m, _ := x.(map[string]any)
		names = append(names, m["name"].(string))
	}
	if a.status != http.StatusOK || names == nil {
		t.Fatalf("tools/list: %d %v", a.status, a.body)
	}
	slices.Sort(names)
	return names
}
