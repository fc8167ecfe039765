package authserver

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// TestGolangOAuth2Client runs the flow with golang.org/x/oauth2, a client we did not write: PKCE S256,
// the code exchange with resource, and a refresh through its TokenSource (which rotates the refresh token).
func TestGolangOAuth2Client(t *testing.T) {
	s := start(t, Options{AutoApprove: true})
	conf := &oauth2.Config{
		ClientID:    TestClientID,
		RedirectURL: TestRedirectURI,
		Scopes:      []string{"mcp:read"},
		Endpoint: oauth2.Endpoint{
			AuthURL:   s.Issuer() + "/authorize",
			TokenURL:  s.Issuer() + "/oauth/token",
			AuthStyle: oauth2.AuthStyleInParams,
		},
	}
	verifier := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL("st-x", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("resource", testResource))
	resp, err := noFollow.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" || loc.Query().Get("state") != "st-x" {
		t.Fatalf("authorization: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Timeout: 10 * time.Second})
	tok, err := conf.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(verifier),
		oauth2.SetAuthURLParam("resource", testResource))
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken == "" || tok.Expiry.IsZero() {
		t.Fatalf("token %+v: want a refresh token and an expiry", tok)
	}
	// Expire the access token on the client's side: the TokenSource refreshes, with a new refresh token.
	expired := *tok
	expired.Expiry = time.Now().Add(-time.Minute)
	next, err := conf.TokenSource(ctx, &expired).Token()
	if err != nil {
		t.Fatal(err)
	}
	if next.AccessToken == tok.AccessToken || next.RefreshToken == tok.RefreshToken || next.RefreshToken == "" {
		t.Errorf("refresh did not rotate: %+v", next)
	}
	c, err := claimsOf(t, s, next.AccessToken)
	if err != nil || !sameJSON(c["aud"], testResource) && !sameJSON(c["aud"], []string{testResource}) {
		t.Errorf("refreshed token %v (%v): want aud %s", c, err, testResource)
	}
}
