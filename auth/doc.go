// Package auth is the OAuth 2.1 resource server side of mcpkit: who is calling (Principal), how a bearer
// token becomes one (Verifier), and the pieces that plug into both HTTP transports and the server.
//
// It imports neither the server nor the transports: they read the Principal from the request context
// (PrincipalFrom) and ask it for scopes. docs/AUTH.md describes the design, the answers of every failure
// (401, 403 step-up, 400) and the decisions where the specification leaves room.
package auth
