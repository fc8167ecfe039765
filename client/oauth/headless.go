package oauth

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// maxHeadlessHops bounds the redirects Headless follows inside the authorization server.
const maxHeadlessHops = 5

// Headless returns an AuthorizeFunc for authorization servers that approve without a user (tests,
// development servers, the conformance suite): it GETs the authorization URL without following the
// redirect to the client, following only redirects that stay on the authorization server's origin and
// carry neither code nor error (a login or consent hop), at most 5, and returns the redirect's URL.
// Nil hc uses http.DefaultClient (its redirect policy is replaced).
func Headless(hc *http.Client) AuthorizeFunc {
	if hc == nil {
		hc = http.DefaultClient
	}
	c := *hc
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return func(ctx context.Context, authURL string) (*url.URL, error) {
		next := authURL
		for range maxHeadlessHops {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, next, nil)
			if err != nil {
				return nil, err
			}
			resp, err := c.Do(req)
			if err != nil {
				return nil, fmt.Errorf("oauth: fetching the authorization URL: %w", err)
			}
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
			resp.Body.Close()
			loc := resp.Header.Get("Location")
			if resp.StatusCode < 300 || resp.StatusCode > 399 || loc == "" {
				return nil, fmt.Errorf("oauth: the authorization endpoint answered %s without a redirect (headless login needs an auto-approving server)", resp.Status)
			}
			u, err := req.URL.Parse(loc)
			if err != nil {
				return nil, fmt.Errorf("oauth: the authorization endpoint redirected to %q: %w", loc, err)
			}
			q := u.Query()
			if q.Has("code") || q.Has("error") || !sameOrigin(u, req.URL) {
				return u, nil
			}
			next = u.String()
		}
		return nil, fmt.Errorf("oauth: more than %d redirects inside the authorization server", maxHeadlessHops)
	}
}

func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Host, b.Host)
}
