package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"sync"
	"time"

	"github.com/spf13/pflag"

	"github.com/mcpkit/mcpkit/client/oauth"
)

// bridgeLoginFlags are the flags of the OAuth login `mcpkit bridge URL` runs when the server asks for
// authorization and no stored token works.
type bridgeLoginFlags struct {
	redirect  string
	noBrowser bool
	timeout   time.Duration
}

func (f *bridgeLoginFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.redirect, "redirect-url", oauth.DefaultRedirectURL, "when the server asks for an OAuth login: the loopback redirect URI registered and listened on while the browser authorizes (as mcpkit login's)")
	fs.BoolVar(&f.noBrowser, "no-browser", false, "when the server asks for an OAuth login: only print the authorization URL on stderr, do not start the browser")
	fs.DurationVar(&f.timeout, "login-timeout", 5*time.Minute, "when the server asks for an OAuth login: how long to wait for the authorization in the browser")
}

// names are the flags' names (they concern a URL, not --stdio).
func (f *bridgeLoginFlags) names() []string {
	return []string{"redirect-url", "no-browser", "login-timeout"}
}

// authorize returns the browser step of the login, as mcpkit login runs it: a listener on the loopback
// redirect URL, the authorization URL printed on stderr (never stdout: it carries the protocol) and, unless
// --no-browser, handed to the system's browser opener; the wait is bounded by --login-timeout.
func (f *bridgeLoginFlags) authorize(stderr io.Writer) oauth.AuthorizeFunc {
	open := oauth.PrintURL(stderr)
	if f.noBrowser {
		open = func(authURL string) error {
			_, err := fmt.Fprintf(stderr, "Open this URL to authorize:\n  %s\n", authURL)
			return err
		}
	}
	step := oauth.Loopback(f.redirect, open)
	timeout := f.timeout
	// A login that did not complete is not offered again: connecting tries 2026-07-28 and then
	// initialize, and each would otherwise wait --login-timeout for a browser that did not come.
	var mu sync.Mutex
	var failed error
	return func(ctx context.Context, authURL string) (*url.URL, error) {
		mu.Lock()
		defer mu.Unlock()
		if failed != nil {
			return nil, failed
		}
		fmt.Fprintln(stderr, "mcpkit bridge: the server asks for authorization and no stored token works: logging in")
		if timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, timeout)
			defer cancel()
		}
		u, err := step(ctx, authURL)
		if err != nil {
			failed = err
		}
		return u, err
	}
}
