package oauth

import "errors"

// Errors the flow wraps, for errors.Is.
var (
	// ErrIssuerMismatch: the authorization server metadata, or the iss parameter of the authorization
	// response, names another issuer than the one the client chose.
	ErrIssuerMismatch = errors.New("oauth: issuer mismatch")
	// ErrStateMismatch: the authorization response carries another state than the request sent.
	ErrStateMismatch = errors.New("oauth: state mismatch in the authorization response")
	// ErrNoS256: the authorization server does not advertise PKCE S256; the client refuses it.
	ErrNoS256 = errors.New("oauth: the authorization server does not advertise PKCE code_challenge_method S256")
	// ErrLoginRequired: the stored token cannot be used or refreshed and no new login succeeded; the user
	// must log in again (Config.Authorize).
	ErrLoginRequired = errors.New("oauth: login required")
	// ErrAccessDenied: the authorization server answered the authorization request with an error.
	ErrAccessDenied = errors.New("oauth: authorization denied")
)
