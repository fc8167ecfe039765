package oauth

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// Headless returns an AuthorizeFunc that GETs the authorization URL with hc's transport, without
// following redirects, and returns the Location of the redirect: for authorization servers that approve
// without a user (tests, development servers, the conformance suite). Nil hc uses http.DefaultClient.
func Headless(hc *http.Client) AuthorizeFunc {
	if hc == nil {
		hc = http.DefaultClient
	}
	c := *hc
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return func(ctx context.Context, authURL string) (*url.URL, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, authURL, nil)
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
			return nil, fmt.Errorf("oauth: the authorization endpoint answered %s without a redirect", resp.Status)
		}
		return resp.Request.URL.Parse(loc)
	}
}
