package oauth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"
)

// ErrNoRevocation: the authorization server's metadata names no revocation endpoint.
var ErrNoRevocation = errors.New("oauth: the authorization server advertises no revocation endpoint")

// Revoke revokes tok at the revocation endpoint (RFC 7009) of the authorization server issuer, as the
// client reg it was issued to: the refresh token first (at most servers that ends the grant), then the
// access token (a self-contained JWT access token may still be accepted by resource servers until it
// expires). The client authenticates as reg.Method says: HTTP Basic, or client_id (and client_secret) in
// the form. An unknown or already revoked token is not an error (RFC 7009 §2.2). Nil hc uses
// http.DefaultClient.
func Revoke(ctx context.Context, hc *http.Client, issuer string, reg Registration, tok *oauth2.Token) error {
	if hc == nil {
		hc = http.DefaultClient
	}
	if reg.Method == AuthPrivateKeyJWT {
		return fmt.Errorf("oauth: revoking as a private_key_jwt client is not supported")
	}
	md, err := discoverServer(ctx, hc, issuer)
	if err != nil {
		return err
	}
	if md.RevocationEndpoint == "" {
		return fmt.Errorf("%w (%s)", ErrNoRevocation, issuer)
	}
	for _, t := range []struct{ value, hint string }{{tok.RefreshToken, "refresh_token"}, {tok.AccessToken, "access_token"}} {
		if t.value == "" {
			continue
		}
		if err := revokeOne(ctx, hc, md.RevocationEndpoint, reg, t.value, t.hint); err != nil {
			return err
		}
	}
	return nil
}

func revokeOne(ctx context.Context, hc *http.Client, endpoint string, reg Registration, token, hint string) error {
	form := url.Values{"token": {token}, "token_type_hint": {hint}}
	basic := reg.Method == AuthBasic && reg.ClientSecret != ""
	if !basic {
		form.Set("client_id", reg.ClientID)
		if reg.ClientSecret != "" && reg.Method != AuthNone {
			form.Set("client_secret", reg.ClientSecret)
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic {
		req.SetBasicAuth(url.QueryEscape(reg.ClientID), url.QueryEscape(reg.ClientSecret))
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("oauth: revoking the %s at %s: %w", hint, endpoint, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("oauth: revoking the %s at %s: %s: %s", hint, endpoint, resp.Status, bytes.TrimSpace(msg))
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	return nil
}
