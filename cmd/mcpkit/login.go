package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/client/oauth"
	"github.com/mcpkit/mcpkit/internal/cli"
	"github.com/mcpkit/mcpkit/mcp"
)

// openAuthURL returns how login shows the authorization URL: printed on w and handed to the system's
// browser opener. Tests replace it with a browser stand-in.
var openAuthURL = func(w io.Writer) func(string) error { return oauth.PrintURL(w) }

// tokenFileHelp says where tokens are kept, for the help of login and logout.
func tokenFileHelp() string {
	p, err := cli.TokenFile()
	if err != nil {
		p = "mcpkit/tokens.json in the user's config directory"
	}
	return "Tokens and client registrations are kept in\n  " + p + "\n(mode 0600; the user's config directory is $XDG_CONFIG_HOME or ~/.config on Linux,\n~/Library/Application Support on macOS, %AppData% on Windows)."
}

// oneURL accepts exactly one argument, an http or https URL.
func oneURL(cmd *cobra.Command, args []string) error {
	if len(args) != 1 {
		return &usageError{cmd, fmt.Errorf("%q wants one server URL, got %d arguments", cmd.CommandPath(), len(args))}
	}
	if u, err := url.Parse(args[0]); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return &usageError{cmd, fmt.Errorf("%q wants an http:// or https:// URL, got %q", cmd.CommandPath(), args[0])}
	}
	return nil
}

func newLogin() *cobra.Command {
	var redirect, transport string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "login URL",
		Short: "Log in to an MCP server that requires OAuth, in the browser",
		Long: `Runs the MCP authorization flow for the server at URL: discovers its authorization server, registers
mcpkit there (dynamic registration, kept for later runs), opens the authorization page in the browser (the
URL is also printed) and waits for the redirect on a loopback address (--redirect-url), then keeps the
token. Every client verb (inspect and the others) then sends it to that server, refreshing it when it
expires; without a usable token they exit 3 and say to run mcpkit login. A login replaces what was kept
for URL.

` + tokenFileHelp(),
		Args: oneURL,
		RunE: func(cmd *cobra.Command, args []string) error {
			target := args[0]
			t := cli.Target{Args: args, Transport: transport, Header: http.Header{}, OAuth: cli.OAuth{RedirectURL: redirect}}
			store, err := t.OAuth.Store()
			if err != nil {
				return err
			}
			if _, err := cli.Forget(cmd.Context(), store, target); err != nil {
				return loginFailed(cmd, "login", err)
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			t.OAuth.Authorize = oauth.Loopback(redirect, openAuthURL(cmd.ErrOrStderr()))
			conn, err := cli.Connect(ctx, &t, client.Options{ClientInfo: mcp.Implementation{Name: "mcpkit-login", Version: version()}})
			if err != nil {
				return loginFailed(cmd, "login", err)
			}
			conn.Close()
			keys, err := cli.StoredKeys(cmd.Context(), store, target)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if len(keys) == 0 {
				fmt.Fprintf(out, "%s answered without asking for authorization: nothing to keep.\n", target)
				return nil
			}
			fmt.Fprintf(out, "Logged in to %s (authorization server %s). The token is kept in %s.\n", target, keys[0].Issuer, store.Path)
			return nil
		},
	}
	cmd.Flags().StringVar(&redirect, "redirect-url", oauth.DefaultRedirectURL, "the loopback redirect URI registered and listened on while the browser authorizes")
	cmd.Flags().DurationVar(&timeout, "timeout", 5*time.Minute, "how long to wait for the authorization in the browser")
	cmd.Flags().StringVar(&transport, "transport", "", "http or sse (default: detected from the URL)")
	return cmd
}

func newLogout() *cobra.Command {
	var noRevoke bool
	cmd := &cobra.Command{
		Use:   "logout URL",
		Short: "Revoke and forget the OAuth tokens kept for an MCP server",
		Long: `Revokes at the authorization server (RFC 7009, when its metadata names a revocation endpoint; the
refresh token, then the access token) and deletes here the tokens mcpkit login kept for the server at
URL (those of its resource, else those of its origin), and the client registration of their
authorization server when no other token uses it. A revocation that fails is reported and the tokens
are deleted all the same. A self-contained (JWT) access token may still be accepted by the server until
it expires.

` + tokenFileHelp(),
		Args: oneURL,
		RunE: func(cmd *cobra.Command, args []string) error {
			var o cli.OAuth
			store, err := o.Store()
			if err != nil {
				return err
			}
			out, errOut := cmd.OutOrStdout(), cmd.ErrOrStderr()
			keys, err := cli.StoredKeys(cmd.Context(), store, args[0])
			if err != nil {
				return loginFailed(cmd, "logout", err)
			}
			if !noRevoke {
				for _, k := range keys {
					revoke(cmd.Context(), store, k, out, errOut)
				}
			}
			if keys, err = cli.Forget(cmd.Context(), store, args[0]); err != nil {
				return loginFailed(cmd, "logout", err)
			}
			if len(keys) == 0 {
				fmt.Fprintf(out, "No token kept for %s.\n", args[0])
				return nil
			}
			fmt.Fprintf(out, "Logged out of %s: %d token(s) deleted from %s.\n", args[0], len(keys), store.Path)
			return nil
		},
	}
	cmd.Flags().BoolVar(&noRevoke, "no-revoke", false, "only delete the tokens here; do not revoke them at the authorization server")
	return cmd
}

// revoke revokes the token kept under k as the client registered at its issuer, saying on out what was
// done, or on errOut why not.
func revoke(ctx context.Context, store *oauth.FileStore, k oauth.Key, out, errOut io.Writer) {
	tok, err := store.Load(ctx, k)
	if err != nil || tok == nil {
		return
	}
	reg, err := store.LoadClient(ctx, k.Issuer)
	if err != nil || reg == nil {
		fmt.Fprintf(errOut, "mcpkit logout: not revoked at %s: the client registration is not kept\n", k.Issuer)
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if err := oauth.Revoke(ctx, hc, k.Issuer, *reg, tok); err != nil {
		fmt.Fprintf(errOut, "mcpkit logout: not revoked at %s: %v\n", k.Issuer, err)
		return
	}
	fmt.Fprintf(out, "Revoked at %s.\n", k.Issuer)
}

// loginFailed prints err and ends with its exit code: 3 for an authorization failure, 4 for an
// unreachable server, 1 otherwise.
func loginFailed(cmd *cobra.Command, verb string, err error) error {
	var e *cli.Error
	if !errors.As(err, &e) {
		return err
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "mcpkit %s: %s\n", verb, e.Error())
	return &exitCodeError{e.Exit}
}
