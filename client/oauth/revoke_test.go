package oauth_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"golang.org/x/oauth2"

	"github.com/mcpkit/mcpkit/client/oauth"
)

// TestRevoke: the refresh token then the access token are revoked, as the registered client (client_id
// in the form for a public client, HTTP Basic for a confidential one); a server without a revocation
// endpoint, or one that refuses, is an error.
func TestRevoke(t *testing.T) {
	var mu sync.Mutex
	var got []string
	status, advertise := http.StatusOK, true
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	mux.HandleFunc("/.well-known/oauth-authorization-server", func(w http.ResponseWriter, r *http.Request) {
		md := map[string]any{"issuer": srv.URL, "token_endpoint": srv.URL + "/token"}
		mu.Lock()
		if advertise {
			md["revocation_endpoint"] = srv.URL + "/revoke"
		}
		mu.Unlock()
		writeJSON(w, md)
	})
	mux.HandleFunc("/revoke", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		id, secret, _ := r.BasicAuth()
		mu.Lock()
		defer mu.Unlock()
		got = append(got, r.Form.Get("token_type_hint")+":"+r.Form.Get("token")+" id="+r.Form.Get("client_id")+" basic="+id+":"+secret+" secret="+r.Form.Get("client_secret"))
		w.WriteHeader(status)
	})
	ctx := context.Background()
	tok := &oauth2.Token{AccessToken: "at", RefreshToken: "rt"}
	if err := oauth.Revoke(ctx, nil, srv.URL, oauth.Registration{ClientID: "pub", Method: oauth.AuthNone}, tok); err != nil {
		t.Fatal(err)
	}
	if err := oauth.Revoke(ctx, nil, srv.URL, oauth.Registration{ClientID: "conf", ClientSecret: "s", Method: oauth.AuthBasic}, &oauth2.Token{AccessToken: "at2"}); err != nil {
		t.Fatal(err)
	}
	want := "refresh_token:rt id=pub basic=: secret=|access_token:at id=pub basic=: secret=|access_token:at2 id= basic=conf:s secret="
	if strings.Join(got, "|") != want {
		t.Errorf("requests\n%s\nwant\n%s", strings.Join(got, "|"), want)
	}
	status = http.StatusBadRequest
	if err := oauth.Revoke(ctx, nil, srv.URL, oauth.Registration{ClientID: "pub", Method: oauth.AuthNone}, tok); err == nil || !strings.Contains(err.Error(), "400") {
		t.Errorf("refused: %v", err)
	}
	mu.Lock()
	advertise = false
	mu.Unlock()
	if err := oauth.Revoke(ctx, nil, srv.URL, oauth.Registration{ClientID: "pub"}, tok); !errors.Is(err, oauth.ErrNoRevocation) {
		t.Errorf("no endpoint: %v", err)
	}
}
