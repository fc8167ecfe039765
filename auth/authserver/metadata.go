package authserver

import (
	"encoding/json"
	"net/http"
	"strings"
)

// serveMetadata answers both RFC 8414 (/.well-known/oauth-authorization-server) and OpenID Connect
// discovery (/.well-known/openid-configuration) with one document: the provider's own discovery would
// advertise PKCE plain and response types this server refuses.
func (s *Server) serveMetadata(w http.ResponseWriter, r *http.Request) {
	iss := s.issuer
	scopes := append([]string{"openid", "offline_access"}, s.opts.Scopes...)
	m := map[string]any{
		"issuer":                                         iss,
		"authorization_endpoint":                         iss + authorizePath,
		"token_endpoint":                                 iss + tokenPath,
		"registration_endpoint":                          iss + "/register",
		"jwks_uri":                                       iss + "/keys",
		"introspection_endpoint":                         iss + "/oauth/introspect",
		"revocation_endpoint":                            iss + "/revoke",
		"userinfo_endpoint":                              iss + "/userinfo",
		"response_types_supported":                       []string{"code"},
		"response_modes_supported":                       []string{"query"},
		"grant_types_supported":                          []string{"authorization_code", "refresh_token", "client_credentials"},
		"code_challenge_methods_supported":               []string{"S256"},
		"token_endpoint_auth_methods_supported":          []string{"none", "client_secret_basic", "client_secret_post"},
		"introspection_endpoint_auth_methods_supported":  []string{"client_secret_basic", "client_secret_post"},
		"revocation_endpoint_auth_methods_supported":     []string{"none", "client_secret_basic", "client_secret_post"},
		"scopes_supported":                               scopes,
		"subject_types_supported":                        []string{"public"},
		"id_token_signing_alg_values_supported":          []string{string(s.keys.alg)},
		"client_id_metadata_document_supported":          true,
		"authorization_response_iss_parameter_supported": true,
	}
	if strings.HasSuffix(r.URL.Path, "openid-configuration") {
		m["claims_supported"] = []string{"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce"}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(m)
}

// openCORS serves h for method, with CORS open to any origin (no credentials): browser-based MCP clients
// read the metadata and register themselves from their own origin. The provider's endpoints have their own
// CORS handling; the consent page has none.
func openCORS(method string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		switch r.Method {
		case method:
			h(w, r)
		case http.MethodOptions:
			w.Header().Set("Access-Control-Allow-Methods", method+", OPTIONS")
			w.Header().Set("Access-Control-Allow-Headers", "Content-Type, Authorization, MCP-Protocol-Version")
			w.Header().Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
		default:
			w.Header().Set("Allow", method+", OPTIONS")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		}
	})
}
