// Package oauth is the client side of MCP authorization: an http.RoundTripper that logs in when a server
// answers 401, and steps up when it answers 403 insufficient_scope.
//
// It lives under client/ because it serves the client transports (transport/streamable, transport/sse)
// the way package auth serves the server: hand a Transport to their ClientOptions.HTTPClient and every
// request carries a bearer token. The flow it runs on a 401: protected resource metadata (RFC 9728; the
// WWW-Authenticate resource_metadata parameter, then the path-specific and root well-known URIs),
// authorization server metadata (RFC 8414, then OpenID Connect discovery; the issuer must match the one
// the URL was built from), registration (pre-registered, then a Client ID Metadata Document when the
// server supports it, then dynamic registration, RFC 7591), authorization code with PKCE S256 (RFC 7636;
// a server that does not advertise S256 is refused), the resource parameter (RFC 8707), the iss check of
// the authorization response (RFC 9207) before the code is redeemed, and the token request with the
// client authentication the server allows (client_secret_basic, client_secret_post, none).
//
// The user-facing step, visiting the authorization URL, is behind Config.Authorize: Headless fetches the
// URL without following redirects and reads the redirect (tests, the conformance client).
package oauth
