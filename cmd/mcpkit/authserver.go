package main

import (
	"fmt"
	"net"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mcpkit/mcpkit/auth/authserver"
)

func newAuthserver() *cobra.Command {
	var (
		addr, issuer      string
		autoApprove       bool
		resources, scopes []string
		clients           []string
		httpMetadata      bool
	)
	cmd := &cobra.Command{
		Use:   "authserver",
		Short: "Run the development OAuth 2.1 authorization server (in memory, one user; not for production)",
		Long: "Run mcpkit's development authorization server: authorization code with PKCE S256, refresh tokens\n" +
			"(rotated), client_credentials, dynamic client registration (/register), Client ID Metadata Documents,\n" +
			"RFC 9068 JWT access tokens whose aud is the requested resource, JWKS (/keys), introspection, RFC 8414\n" +
			"metadata and OIDC discovery. It prints its issuer on stdout. Everything lives in memory.\n\n" +
			"--client registers a client: id=ID[,secret=SECRET][,redirect=URL]... (repeatable; with a secret it is\n" +
			"confidential and may use client_credentials and introspection).\n\n" +
			"--auto-approve skips the consent page: anyone who can reach the server gets tokens. For tests only.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := authserver.Options{
				Issuer:                  issuer,
				AutoApprove:             autoApprove,
				Resources:               resources,
				Scopes:                  scopes,
				AllowHTTPClientMetadata: httpMetadata,
			}
			for _, spec := range clients {
				c, err := parseClientFlag(spec)
				if err != nil {
					return &usageError{cmd, err}
				}
				opts.Clients = append(opts.Clients, c)
			}
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				return &usageError{cmd, fmt.Errorf("--addr %q: %v", addr, err)}
			}
			if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
				fmt.Fprintf(cmd.ErrOrStderr(), "mcpkit authserver: WARNING: listening on %s, not loopback: this development server is reachable from other machines\n", addr)
			}
			s, err := authserver.Listen(addr, opts)
			if err != nil {
				return err
			}
			defer s.Close()
			if autoApprove {
				fmt.Fprintln(cmd.ErrOrStderr(), "mcpkit authserver: WARNING: AUTO-APPROVE mode: every authorization request is granted without asking anyone. For tests only.")
			}
			fmt.Fprintf(cmd.OutOrStdout(), "issuer: %s\n", s.Issuer())
			<-cmd.Context().Done()
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:9000", "HTTP listen address")
	f.StringVar(&issuer, "issuer", "", "issuer URL (default http://ADDR)")
	f.BoolVar(&autoApprove, "auto-approve", false, "grant every authorization request without a consent page (tests only)")
	f.StringArrayVar(&resources, "resource", nil, "a resource (RFC 8707) tokens may be issued for (repeatable; default: any)")
	f.StringArrayVar(&scopes, "scope", nil, "a scope clients may be granted (repeatable; default: any)")
	f.StringArrayVar(&clients, "client", nil, "register a client: id=ID[,secret=SECRET][,redirect=URL]... (repeatable)")
	f.BoolVar(&httpMetadata, "allow-http-client-metadata", false, "also accept http://127.0.0.1 and http://localhost client metadata document URLs")
	return cmd
}

// parseClientFlag parses id=ID[,secret=SECRET][,redirect=URL]...
func parseClientFlag(spec string) (authserver.Client, error) {
	var c authserver.Client
	for _, part := range strings.Split(spec, ",") {
		k, v, ok := strings.Cut(part, "=")
		if !ok || v == "" {
			return c, fmt.Errorf("--client %q: %q is not key=value", spec, part)
		}
		switch k {
		case "id":
			c.ID = v
		case "secret":
			c.Secret = v
		case "redirect":
			c.RedirectURIs = append(c.RedirectURIs, v)
		default:
			return c, fmt.Errorf("--client %q: unknown key %q (id, secret, redirect)", spec, k)
		}
	}
	if c.ID == "" {
		return c, fmt.Errorf("--client %q: id= is required", spec)
	}
	return c, nil
}
