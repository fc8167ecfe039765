package auth

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// WellKnownPrefix is the well-known URI prefix of OAuth 2.0 Protected Resource Metadata (RFC 9728 section 3).
const WellKnownPrefix = "/.well-known/oauth-protected-resource"

// ProtectedResourceMetadata is the OAuth 2.0 Protected Resource Metadata document of an MCP server (RFC 9728
// section 2). MCP requires it, with at least one authorization server; clients read it to find where to get a
// token. Empty fields are left out of the JSON.
type ProtectedResourceMetadata struct {
	// Resource is the protected resource's identifier: the canonical URI of the MCP endpoint (RFC 8707),
	// e.g. "https://mcp.example.com/mcp". Required.
	Resource string `json:"resource"`
	// AuthorizationServers are the issuer identifiers of the authorization servers that issue tokens for
	// this resource. MCP requires at least one.
	AuthorizationServers []string `json:"authorization_servers,omitempty"`
	// JWKSURI is the URL of the resource's own JSON Web Key Set (for signed responses; rarely used).
	JWKSURI string `json:"jwks_uri,omitempty"`
	// ScopesSupported are the scopes a client may request for this resource: the MCP specification asks
	// for the minimal set for basic functionality (more are requested by step-up). Not offline_access.
	ScopesSupported []string `json:"scopes_supported,omitempty"`
	// BearerMethodsSupported are the ways a bearer token may be presented. NewMetadataHandler sets it to
	// ["header"] when empty: mcpkit accepts tokens only in the Authorization header.
	BearerMethodsSupported []string `json:"bearer_methods_supported,omitempty"`
	// ResourceSigningAlgValuesSupported are the JWS algorithms the resource signs responses with.
	ResourceSigningAlgValuesSupported []string `json:"resource_signing_alg_values_supported,omitempty"`
	// ResourceName is a human-readable name of the resource, shown to end users.
	ResourceName string `json:"resource_name,omitempty"`
	// ResourceDocumentation is the URL of human-readable documentation for developers.
	ResourceDocumentation string `json:"resource_documentation,omitempty"`
	// ResourcePolicyURI is the URL of the resource's policy on how client data is used.
	ResourcePolicyURI string `json:"resource_policy_uri,omitempty"`
	// ResourceTOSURI is the URL of the resource's terms of service.
	ResourceTOSURI string `json:"resource_tos_uri,omitempty"`
	// TLSClientCertificateBoundAccessTokens says the resource supports mutual-TLS bound tokens (RFC 8705).
	TLSClientCertificateBoundAccessTokens bool `json:"tls_client_certificate_bound_access_tokens,omitempty"`
	// AuthorizationDetailsTypesSupported are the RFC 9396 authorization_details types the resource knows.
	AuthorizationDetailsTypesSupported []string `json:"authorization_details_types_supported,omitempty"`
	// DPoPSigningAlgValuesSupported are the JWS algorithms accepted for DPoP proofs (RFC 9449).
	DPoPSigningAlgValuesSupported []string `json:"dpop_signing_alg_values_supported,omitempty"`
	// DPoPBoundAccessTokensRequired says the resource always requires DPoP-bound tokens.
	DPoPBoundAccessTokensRequired bool `json:"dpop_bound_access_tokens_required,omitempty"`
}

// CanonicalResourceURI returns the canonical form of a resource URI per RFC 8707 section 2 and the MCP
// specification: an absolute http or https URI without fragment, scheme and host in lower case, without the
// scheme's default port, and without a trailing slash when the path is only "/". It is what a client sends as
// the `resource` parameter and what a JWT's `aud` must name.
func CanonicalResourceURI(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("auth: resource URI %q: %w", s, err)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "https" && u.Scheme != "http" {
		return "", fmt.Errorf("auth: resource URI %q: want an absolute http or https URI", s)
	}
	if u.Host == "" || u.User != nil {
		return "", fmt.Errorf("auth: resource URI %q: want a host and no user information", s)
	}
	if u.Fragment != "" || strings.Contains(s, "#") {
		return "", fmt.Errorf("auth: resource URI %q: a resource URI has no fragment (RFC 8707 section 2)", s)
	}
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (u.Scheme == "https" && port == "443") || (u.Scheme == "http" && port == "80") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	u.Host = host
	if u.Path == "/" && u.RawQuery == "" {
		u.Path = ""
		u.RawPath = ""
	}
	return u.String(), nil
}

// MetadataPath returns the path-specific well-known path of resource's metadata (RFC 9728 section 3.1): the
// well-known prefix followed by the resource's path, e.g. "/.well-known/oauth-protected-resource/mcp" for
// "https://mcp.example.com/mcp", and the bare prefix for a resource without a path.
func MetadataPath(resource string) (string, error) {
	c, err := CanonicalResourceURI(resource)
	if err != nil {
		return "", err
	}
	u, _ := url.Parse(c)
	p := strings.TrimSuffix(u.EscapedPath(), "/")
	return WellKnownPrefix + p, nil
}

// MetadataURL returns the absolute URL of resource's path-specific metadata document: what the
// resource_metadata parameter of a WWW-Authenticate challenge names.
func MetadataURL(resource string) (string, error) {
	p, err := MetadataPath(resource)
	if err != nil {
		return "", err
	}
	c, _ := CanonicalResourceURI(resource)
	u, _ := url.Parse(c)
	return u.Scheme + "://" + u.Host + p, nil
}

// MetadataHandler serves a Protected Resource Metadata document as JSON to GET and HEAD, with CORS open to
// every origin (browser-based clients read it before they hold a token) and a short cache lifetime.
type MetadataHandler struct {
	body []byte
}

// NewMetadataHandler checks md (Resource is an absolute URI, at least one authorization server) and returns
// its handler. BearerMethodsSupported defaults to ["header"].
func NewMetadataHandler(md ProtectedResourceMetadata) (*MetadataHandler, error) {
	if _, err := CanonicalResourceURI(md.Resource); err != nil {
		return nil, err
	}
	if len(md.AuthorizationServers) == 0 {
		return nil, fmt.Errorf("auth: protected resource metadata of %q names no authorization server (MCP requires one)", md.Resource)
	}
	if len(md.BearerMethodsSupported) == 0 {
		md.BearerMethodsSupported = []string{"header"}
	}
	b, err := json.Marshal(md)
	if err != nil {
		return nil, err
	}
	return &MetadataHandler{body: b}, nil
}

// ServeHTTP implements http.Handler.
func (h *MetadataHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Access-Control-Allow-Origin", "*")
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodOptions:
		hd.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
		hd.Set("Access-Control-Allow-Headers", "MCP-Protocol-Version")
		w.WriteHeader(http.StatusNoContent)
		return
	default:
		hd.Set("Allow", "GET, HEAD, OPTIONS")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	hd.Set("Content-Type", "application/json")
	hd.Set("Cache-Control", "public, max-age=300")
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(h.body)
}

// RegisterMetadata serves md on mux at both well-known URIs MCP clients try: the path-specific one of the
// resource (/.well-known/oauth-protected-resource/<path>) and the root one
// (/.well-known/oauth-protected-resource). Both answer the same document. It panics, as ServeMux does, when a
// path is already registered.
func RegisterMetadata(mux *http.ServeMux, md ProtectedResourceMetadata) error {
	h, err := NewMetadataHandler(md)
	if err != nil {
		return err
	}
	p, err := MetadataPath(md.Resource)
	if err != nil {
		return err
	}
	mux.Handle(p, h)
	if p != WellKnownPrefix {
		mux.Handle(WellKnownPrefix, h)
	}
	return nil
}

// WithMetadata serves md at both well-known URIs, as RegisterMetadata does, and passes every other request
// to next: the metadata in front of a protected endpoint (next is usually Middleware) without a ServeMux of
// its own — a comparison of the path instead of a mux's routing on every request. It returns an error
// when md is not valid (NewMetadataHandler).
func WithMetadata(next http.Handler, md ProtectedResourceMetadata) (http.Handler, error) {
	h, err := NewMetadataHandler(md)
	if err != nil {
		return nil, err
	}
	p, err := MetadataPath(md.Resource)
	if err != nil {
		return nil, err
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if path := r.URL.Path; path == p || path == WellKnownPrefix {
			h.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	}), nil
}
