// Package authserver is mcpkit's development OAuth 2.1 authorization server: something to run a protected MCP
// server against on a laptop or in tests, not a production identity provider (it keeps everything in memory
// and knows one user).
//
// It is built on the OpenID provider of github.com/zitadel/oidc/v3 (package op), which runs the grants
// (authorization code, refresh token, client credentials), the token, introspection, revocation and JWKS
// endpoints and client authentication; this package supplies its in-memory storage and adds what the MCP
// authorization specification asks for on top of it:
//
//   - PKCE with S256 required on every authorization request ("plain" and requests without PKCE are refused);
//   - RFC 8414 metadata at /.well-known/oauth-authorization-server and OIDC discovery at
//     /.well-known/openid-configuration, both naming the issuer exactly;
//   - RFC 9207: the authorization response carries iss;
//   - RFC 8707: the access token's aud is the requested resource, kept across refreshes; with
//     Options.Resources set, any other resource is refused (invalid_target);
//   - RFC 9068 JWT access tokens (typ at+jwt; iss, sub, aud, client_id, scope, exp, iat, jti), signed with
//     go-jose; keys rotate (RotateKey) and a retired key stays in the JWKS for Options.KeyGrace;
//   - RFC 7591 dynamic client registration at /register, public clients included;
//   - Client ID Metadata Documents: a client_id that is an https URL is fetched (bounded) and used as the
//     client's registration;
//   - refresh tokens on every authorization code grant, rotated on each use;
//   - a consent page (approve or deny, CSRF-safe) or, with Options.AutoApprove, none: the authorization
//     endpoint answers at once with the redirect carrying code, state and iss.
//
// Tests get a token headlessly with (*Server).Token. docs/AUTH.md ("Development authorization server")
// describes the endpoints and the choices made.
package authserver
