package auth

import (
	"context"
	"errors"
	"fmt"
)

// Verifier turns a bearer token into a Principal. Implementations: JWT access tokens against a JWKS,
// RFC 7662 introspection, static tokens and API keys, or the user's own. Verify must be safe for
// concurrent use and must not keep per-node state that a deployment on several nodes would break (caches of
// keys and of verification results are fine).
type Verifier interface {
	// Verify returns the token's principal, or an error wrapping ErrInvalidToken (the token is not
	// acceptable: expired, wrong audience, bad signature, revoked, unknown…) or another error when
	// verification could not be done (the JWKS or introspection endpoint unreachable: a 503, not a 401).
	Verify(ctx context.Context, token string) (*Principal, error)
}

// sharedVerifier is implemented by this package's verifiers that keep principals (cached or configured):
// verifyShared is Verify without the copy, returning the kept principal itself, which the caller must not
// change. Middleware uses it and copies the principal once, into the request's context value.
type sharedVerifier interface {
	verifyShared(ctx context.Context, token string) (*Principal, error)
}

// verifyShared calls v's verifyShared when it has one, Verify otherwise.
func verifyShared(ctx context.Context, v Verifier, token string) (*Principal, error) {
	if sv, ok := v.(sharedVerifier); ok {
		return sv.verifyShared(ctx, token)
	}
	return v.Verify(ctx, token)
}

// tokenCache is implemented by verifiers that remember accepted tokens, each a token68 (JWTVerifier: every
// token it accepts is a compact JWS in canonical base64url): known returns the principal of a token
// accepted before and still valid, nil otherwise. Middleware asks it first, so that a warm token skips
// the header's token68 check along with the verification.
type tokenCache interface {
	known(token string) *Principal
}

// knownToken returns what v's tokenCache knows of token, nil when v has none or does not know it.
func knownToken(v Verifier, token string) *Principal {
	if tc, ok := v.(tokenCache); ok && token != "" {
		return tc.known(token)
	}
	return nil
}

// VerifierFunc adapts a function to Verifier.
type VerifierFunc func(ctx context.Context, token string) (*Principal, error)

// Verify implements Verifier.
func (f VerifierFunc) Verify(ctx context.Context, token string) (*Principal, error) {
	return f(ctx, token)
}

// ErrInvalidToken is wrapped by every verification failure that is the token's fault (RFC 6750
// invalid_token: answered 401).
var ErrInvalidToken = errors.New("invalid token")

// InvalidToken returns an error wrapping ErrInvalidToken with a reason (for logs; the client sees only a
// generic description, never the reason, so that it learns nothing about the verifier).
func InvalidToken(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidToken, fmt.Sprintf(format, args...))
}

// InsufficientScopeError says that a request needs scopes its principal does not hold (RFC 6750
// insufficient_scope: answered 403 with the scopes needed, so that the client can step up). The server
// returns it from a handler; the HTTP transports turn it into the 403.
type InsufficientScopeError struct {
	// Scopes are the scopes the request needs (all of them, not only the missing ones: the client asks the
	// authorization server for this set).
	Scopes []string
	// What names what was refused, for the error message ("tool delete_user").
	What string
}

func (e *InsufficientScopeError) Error() string {
	return fmt.Sprintf("insufficient scope: %s needs scope %q", e.What, joinScopes(e.Scopes))
}

func joinScopes(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out
}

// isInvalid reports whether err is the token's fault (wraps ErrInvalidToken).
func isInvalid(err error) bool { return errors.Is(err, ErrInvalidToken) }
