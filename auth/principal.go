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

// authKey is the context key of the request's authentication: one value holding the principal and the
// metadata URL (one allocation and one link of the context chain per request, not two of each).
type authKey struct{}

// authInfo is what a request's context knows of its authentication.
type authInfo struct {
	p        *Principal
	metadata string // the protected-resource metadata URL (WithResourceMetadata)

	// own and scopes hold Middleware's copy of the principal (p points to own): one allocation per request
	// for the context value and the copy, scopes included when they are few.
	own    Principal
	scopes [4]string
}

// withAuth returns ctx carrying p and the metadata URL md.
func withAuth(ctx context.Context, p *Principal, md string) context.Context {
	return context.WithValue(ctx, authKey{}, &authInfo{p: p, metadata: md})
}

// withAuthCopy is withAuth with a copy of p, whose Scopes the request's handlers may change without
// changing p (a verifier's cached principal): what Middleware puts in every request.
func withAuthCopy(ctx context.Context, p *Principal, md string) context.Context {
	a := &authInfo{metadata: md, own: *p}
	switch {
	case p.Scopes == nil:
	case len(p.Scopes) <= len(a.scopes):
		a.own.Scopes = a.scopes[:copy(a.scopes[:], p.Scopes):len(p.Scopes)]
	default:
		a.own.Scopes = slices.Clone(p.Scopes)
	}
	a.p = &a.own
	return context.WithValue(ctx, authKey{}, a)
}

func authFrom(ctx context.Context) *authInfo {
	a, _ := ctx.Value(authKey{}).(*authInfo)
	return a
}

// WithPrincipal returns ctx carrying p. The metadata URL of ctx (WithResourceMetadata), if any, stays.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return withAuth(ctx, p, ResourceMetadataFrom(ctx))
}

// PrincipalFrom returns the principal of ctx, and false when the request was not authenticated.
func PrincipalFrom(ctx context.Context) (*Principal, bool) {
	if a := authFrom(ctx); a != nil && a.p != nil {
		return a.p, true
	}
	return nil, false
}

// PrincipalKey returns the Key of ctx's principal, "" when there is none. It fits server.Options.Principal.
func PrincipalKey(ctx context.Context) string {
	p, _ := PrincipalFrom(ctx)
	return p.Key()
}
