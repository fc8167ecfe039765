package auth

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Principal is the authenticated caller of a request: what a Verifier learned from its token.
type Principal struct {
	// Subject identifies the user or client the token was issued for (the JWT "sub", the introspection
	// "sub", or the name of a static token or API key). Never empty for a verified principal.
	Subject string
	// Issuer is the authorization server that issued the token ("" for static tokens and API keys).
	Issuer string
	// ClientID is the OAuth client the token was issued to, when known.
	ClientID string
	// Scopes are the token's scopes.
	Scopes []string
	// Expiry is when the token stops being valid (zero: it does not expire, e.g. an API key).
	Expiry time.Time
	// Claims are the token's other claims as decoded JSON values (nil for static tokens).
	Claims map[string]any
}

// Key returns the string that names this principal for binding sessions, request state and tasks to it:
// the issuer and the subject. Two tokens of the same user from the same issuer have the same key.
func (p *Principal) Key() string {
	if p == nil {
		return ""
	}
	if p.Issuer == "" {
		return p.Subject
	}
	return p.Issuer + " " + p.Subject
}

// HasScope reports whether the principal holds scope.
func (p *Principal) HasScope(scope string) bool {
	return p != nil && slices.Contains(p.Scopes, scope)
}

// HasScopes reports whether the principal holds every scope of scopes.
func (p *Principal) HasScopes(scopes ...string) bool {
	for _, s := range scopes {
		if !p.HasScope(s) {
			return false
		}
	}
	return true
}

// Missing returns the scopes of want the principal does not hold, in want's order.
func (p *Principal) Missing(want ...string) []string {
	var out []string
	for _, s := range want {
		if !p.HasScope(s) {
			out = append(out, s)
		}
	}
	return out
}

// ParseScope splits an OAuth scope string (space-separated, RFC 6749 section 3.3) into scopes.
func ParseScope(s string) []string { return strings.Fields(s) }

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal of ctx, and false when the request was not authenticated.
func PrincipalFrom(ctx context.Context) (*Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(*Principal)
	return p, ok && p != nil
}

// PrincipalKey returns the Key of ctx's principal, "" when there is none. It fits server.Options.Principal.
func PrincipalKey(ctx context.Context) string {
	p, _ := PrincipalFrom(ctx)
	return p.Key()
}
