package httpx

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// SameOriginRedirects returns a shallow copy of hc (nil: http.DefaultClient) that refuses to follow a
// redirect to another origin (scheme, host or port), so that an MCP server cannot send the client's
// messages and headers (Authorization, Mcp-Session-Id, the caller's own) to another host. Redirects within
// the origin are checked by hc's own CheckRedirect, or limited to 10 as net/http does.
func SameOriginRedirects(hc *http.Client) *http.Client {
	if hc == nil {
		hc = http.DefaultClient
	}
	c := *hc
	next := hc.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) > 0 && !SameOrigin(req.URL, via[0].URL) {
			return fmt.Errorf("refusing a redirect from %s to %s, another origin", via[0].URL.Redacted(), req.URL.Redacted())
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &c
}

// SameOrigin reports whether a and b have the same scheme, host and port (default ports filled in).
func SameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(hostPort(a), hostPort(b))
}

func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	if strings.EqualFold(u.Scheme, "https") {
		return u.Host + ":443"
	}
	return u.Host + ":80"
}
