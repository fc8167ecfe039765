package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mcpkit/mcpkit/client/oauth"
)

// OAuth says how a Target's HTTP requests are authorized. The zero value uses the tokens `mcpkit login`
// stored (refreshing an expired one) and never starts a login: a server that still answers 401 ends
// the command with ExitAuth and "run mcpkit login URL".
type OAuth struct {
	// Disable sends no stored token and never logs in (set when the command line gives an
	// Authorization header itself).
	Disable bool
	// Authorize, when set, runs the browser step of a login the server asks for (mcpkit login).
	Authorize oauth.AuthorizeFunc
	// RedirectURL is the redirect URI registered and listened on (default oauth.DefaultRedirectURL).
	RedirectURL string
	// TokenFile is where tokens and registrations are kept (default TokenFile()).
	TokenFile string
}

// TokenFile is where mcpkit keeps OAuth tokens and client registrations: mcpkit/tokens.json in the
// user's config directory ($XDG_CONFIG_HOME or ~/.config on Linux, ~/Library/Application Support on
// macOS, %AppData% on Windows), mode 0600.
func TokenFile() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("finding the token file: %w", err)
	}
	return filepath.Join(dir, "mcpkit", "tokens.json"), nil
}

// Store returns the FileStore of o.TokenFile (or TokenFile()).
func (o *OAuth) Store() (*oauth.FileStore, error) {
	p := o.TokenFile
	if p == "" {
		var err error
		if p, err = TokenFile(); err != nil {
			return nil, err
		}
	}
	return &oauth.FileStore{Path: p}, nil
}

// errNeedsLogin is what the non-interactive Authorize step answers.
var errNeedsLogin = fmt.Errorf("%w: no usable stored token", oauth.ErrLoginRequired)

// roundTripper returns the RoundTripper of t's HTTP requests: base alone when OAuth is disabled, the
// command line sets Authorization, or (without an Authorize step) nothing is stored for the server;
// else an oauth.Transport over base with the token file.
func (t *Target) roundTripper(base http.RoundTripper) (http.RoundTripper, error) {
	if t.OAuth.Disable || t.Header.Get("Authorization") != "" {
		return base, nil
	}
	store, err := t.OAuth.Store()
	if err != nil {
		return nil, err
	}
	authorize := t.OAuth.Authorize
	if authorize == nil {
		// Without a stored token for the server, a verb has nothing to send: the plain transport (its
		// 401 is ExitAuth with the login hint), and no discovery or registration on the user's behalf.
		keys, err := StoredKeys(context.Background(), store, t.Args[0])
		if err != nil {
			return nil, fmt.Errorf("reading the stored tokens: %w", err)
		}
		if len(keys) == 0 {
			return base, nil
		}
		authorize = func(context.Context, string) (*url.URL, error) { return nil, errNeedsLogin }
	}
	return oauth.NewTransport(oauth.Config{Base: base, Store: store, Clients: store, Authorize: authorize,
		RedirectURL: t.OAuth.RedirectURL, ClientName: "mcpkit"}), nil
}

// loginError is the auth failure of a server that wants a login mcpkit may not start.
func loginError(target string, err error) *Error {
	return &Error{Exit: ExitAuth, Code: "auth", Err: err,
		Msg: fmt.Sprintf("%s needs authorization and no stored token works: run mcpkit login %s", target, target)}
}

// needsLogin reports whether err is a login the Transport could not do.
func needsLogin(err error) bool { return errors.Is(err, oauth.ErrLoginRequired) }

// StoredKeys returns the keys of the tokens store holds for the server at target: those whose resource
// is target (without query and fragment), else those on target's origin (a server's /sse and /mcp
// endpoints share one resource).
func StoredKeys(ctx context.Context, store *oauth.FileStore, target string) ([]oauth.Key, error) {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, Usage("want an http:// or https:// URL, got %q", target)
	}
	keys, err := store.Keys(ctx)
	if err != nil {
		return nil, err
	}
	canon := *u
	canon.RawQuery, canon.Fragment, canon.RawFragment = "", "", ""
	var exact, origin []oauth.Key
	for _, k := range keys {
		r, err := url.Parse(k.Resource)
		switch {
		case err != nil:
		case k.Resource == canon.String():
			exact = append(exact, k)
		case strings.EqualFold(r.Scheme, u.Scheme) && strings.EqualFold(r.Host, u.Host):
			origin = append(origin, k)
		}
	}
	if len(exact) > 0 {
		return exact, nil
	}
	return origin, nil
}

// Forget removes the tokens StoredKeys finds for target, and the client registrations of their
// authorization servers that no other stored token uses; it returns the keys removed.
func Forget(ctx context.Context, store *oauth.FileStore, target string) ([]oauth.Key, error) {
	keys, err := StoredKeys(ctx, store, target)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		if err := store.Delete(ctx, k); err != nil {
			return nil, err
		}
	}
	left, err := store.Keys(ctx)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		if !slices.ContainsFunc(left, func(l oauth.Key) bool { return l.Issuer == k.Issuer }) {
			if err := store.DeleteClient(ctx, k.Issuer); err != nil {
				return nil, err
			}
		}
	}
	return keys, nil
}
