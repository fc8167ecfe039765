package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"net/http"
)

// StaticTokens is a Verifier of fixed secrets: bearer tokens or API keys configured with the server, each
// naming its principal. It is outside OAuth (no issuer, no audience, no expiry unless the Principal says
// so): for development, for machine clients, and for the book's simple middleware. Comparisons run in
// constant time over every configured secret, so that timing says nothing about which one is close.
type StaticTokens struct {
	entries []staticEntry
}

type staticEntry struct {
	hash [sha256.Size]byte
	p    Principal
}

// NewStaticTokens returns a verifier that accepts the tokens of m (token → principal). A principal without
// Subject is named "static". Empty tokens are ignored.
func NewStaticTokens(m map[string]Principal) *StaticTokens {
	s := &StaticTokens{}
	for tok, p := range m {
		if tok == "" {
			continue
		}
		if p.Subject == "" {
			p.Subject = "static"
		}
		s.entries = append(s.entries, staticEntry{hash: sha256.Sum256([]byte(tok)), p: p})
	}
	return s
}

// Verify implements Verifier. The principal is the caller's to change.
func (s *StaticTokens) Verify(ctx context.Context, token string) (*Principal, error) {
	p, err := s.verifyShared(ctx, token)
	return copyPrincipal(p), err
}

// verifyShared is Verify returning the configured principal itself (sharedVerifier).
func (s *StaticTokens) verifyShared(_ context.Context, token string) (*Principal, error) {
	h := sha256.Sum256([]byte(token))
	found := -1
	for i := range s.entries {
		if subtle.ConstantTimeCompare(h[:], s.entries[i].hash[:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return nil, InvalidToken("unknown static token")
	}
	return &s.entries[found].p, nil
}

// APIKeyOptions configure APIKeyMiddleware.
type APIKeyOptions struct {
	// Header is the request header carrying the key. Default "X-API-Key".
	Header string
	// Keys verifies the key (usually a *StaticTokens). Required.
	Keys Verifier
	// Logger receives why a key was refused (debug) or could not be checked (warn). Default slog.Default().
	Logger *slog.Logger
}

// APIKeyMiddleware protects next with an API key read from a request header (X-API-Key by default). It is
// the simple scheme of many deployments and is outside OAuth: no metadata, no WWW-Authenticate Bearer
// challenge, no scopes beyond those the key's Principal names. A missing or unknown key gets 401 with a JSON
// body; several headers 400; a verifier error that is not the key's fault 503. On success the Principal is
// put in the request context and the header is removed from the request next sees.
func APIKeyMiddleware(next http.Handler, opts APIKeyOptions) http.Handler {
	if opts.Keys == nil {
		panic("auth: APIKeyMiddleware needs Keys")
	}
	if opts.Header == "" {
		opts.Header = "X-API-Key"
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		vals := r.Header.Values(opts.Header)
		answer := func(status int, code, desc string) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			writeBody(w, code, desc)
		}
		switch {
		case len(vals) == 0 || vals[0] == "":
			answer(http.StatusUnauthorized, "unauthorized", "an API key is required in the "+opts.Header+" header")
			return
		case len(vals) > 1:
			answer(http.StatusBadRequest, "invalid_request", "more than one "+opts.Header+" header")
			return
		}
		p, err := opts.Keys.Verify(r.Context(), vals[0])
		switch {
		case err == nil && p != nil:
		case err == nil || isInvalid(err):
			opts.Logger.Debug("auth: API key refused", "remote", r.RemoteAddr, "path", r.URL.Path)
			answer(http.StatusUnauthorized, "invalid_key", "the API key is invalid")
			return
		default:
			opts.Logger.Warn("auth: API key verification unavailable", "error", err.Error())
			w.Header().Set("Retry-After", "10")
			answer(http.StatusServiceUnavailable, "temporarily_unavailable", "the API key cannot be verified now")
			return
		}
		r2 := r.WithContext(WithPrincipal(r.Context(), p))
		r2.Header = headerWithout(r.Header, http.CanonicalHeaderKey(opts.Header))
		next.ServeHTTP(w, r2)
	})
}
