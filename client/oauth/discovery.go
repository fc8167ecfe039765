package oauth

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// ResourceMetadata is the protected resource metadata of RFC 9728 (the members this client reads).
type ResourceMetadata struct {
	Resource             string   `json:"resource"`
	AuthorizationServers []string `json:"authorization_servers"`
	ScopesSupported      []string `json:"scopes_supported"`
}

// ServerMetadata is the authorization server metadata of RFC 8414 / OpenID Connect Discovery (the members
// this client reads).
type ServerMetadata struct {
	Issuer                            string   `json:"issuer"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	RevocationEndpoint                string   `json:"revocation_endpoint"`
	RegistrationEndpoint              string   `json:"registration_endpoint"`
	ScopesSupported                   []string `json:"scopes_supported"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	ClientIDMetadataDocumentSupported bool     `json:"client_id_metadata_document_supported"`
	IssParameterSupported             bool     `json:"authorization_response_iss_parameter_supported"`
	DPoPSigningAlgValuesSupported     []string `json:"dpop_signing_alg_values_supported"`
}

// maxMetadataBytes bounds a metadata document.
const maxMetadataBytes = 1 << 20

// getJSON GETs u and decodes a 200 answer into v; found is false for any other status.
func getJSON(ctx context.Context, hc *http.Client, u string, v any) (found bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return false, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return false, nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxMetadataBytes)).Decode(v); err != nil {
		return false, fmt.Errorf("decoding %s: %w", u, err)
	}
	return true, nil
}

// resourceMetadataURLs lists where to look for the protected resource metadata of server: the URL the
// challenge named, then the path-specific and root well-known URIs (RFC 9728 §3.1).
func resourceMetadataURLs(server *url.URL, fromChallenge string) []string {
	var out []string
	if fromChallenge != "" {
		if u, err := server.Parse(fromChallenge); err == nil {
			out = append(out, u.String())
		}
	}
	origin := server.Scheme + "://" + server.Host
	if p := strings.TrimSuffix(server.EscapedPath(), "/"); p != "" {
		out = append(out, origin+"/.well-known/oauth-protected-resource"+p)
	}
	return append(out, origin+"/.well-known/oauth-protected-resource")
}

// serverMetadataURLs lists where to look for the metadata of issuer: RFC 8414 §3.1 first, then OpenID
// Connect Discovery with the path inserted and appended.
func serverMetadataURLs(issuer *url.URL) []string {
	origin := issuer.Scheme + "://" + issuer.Host
	p := strings.TrimSuffix(issuer.EscapedPath(), "/")
	if p == "" {
		return []string{origin + "/.well-known/oauth-authorization-server", origin + "/.well-known/openid-configuration"}
	}
	return []string{
		origin + "/.well-known/oauth-authorization-server" + p,
		origin + "/.well-known/openid-configuration" + p,
		origin + p + "/.well-known/openid-configuration",
	}
}

// discoverResource fetches the protected resource metadata of server and checks that it names server.
// A server without any (found false) is handled by the caller.
func discoverResource(ctx context.Context, hc *http.Client, server *url.URL, fromChallenge string) (*ResourceMetadata, bool, error) {
	for i, u := range resourceMetadataURLs(server, fromChallenge) {
		named := i == 0 && fromChallenge != "" // the server's own 401 named this document
		var md ResourceMetadata
		found, err := getJSON(ctx, hc, u, &md)
		if err != nil {
			return nil, false, err
		}
		if !found {
			continue
		}
		if md.Resource != "" && !resourceCovers(md.Resource, server, named) {
			return nil, false, fmt.Errorf("oauth: the protected resource metadata at %s names resource %q, which does not cover %s", u, md.Resource, server.Redacted())
		}
		return &md, true, nil
	}
	return nil, false, nil
}

// resourceCovers reports whether the resource identifier r names server: same origin, and r's path is
// server's path or a parent of it, or any path on that origin when the server's own challenge named the
// metadata (one server protecting several endpoints, e.g. /mcp and its HTTP+SSE /sse, as one resource).
func resourceCovers(r string, server *url.URL, named bool) bool {
	ru, err := url.Parse(r)
	if err != nil || !strings.EqualFold(ru.Scheme, server.Scheme) || !strings.EqualFold(ru.Host, server.Host) {
		return false
	}
	rp := strings.TrimSuffix(ru.Path, "/")
	sp := strings.TrimSuffix(server.Path, "/")
	return named || rp == sp || strings.HasPrefix(sp, rp+"/") || rp == ""
}

// discoverServer fetches the metadata of the authorization server issuer and checks that it names the
// same issuer (RFC 8414 §3.3), compared as strings.
func discoverServer(ctx context.Context, hc *http.Client, issuer string) (*ServerMetadata, error) {
	iu, err := url.Parse(issuer)
	if err != nil || iu.Scheme == "" || iu.Host == "" {
		return nil, fmt.Errorf("oauth: authorization server %q is not an absolute URL", issuer)
	}
	for _, u := range serverMetadataURLs(iu) {
		var md ServerMetadata
		found, err := getJSON(ctx, hc, u, &md)
		if err != nil {
			return nil, err
		}
		if !found {
			continue
		}
		if md.Issuer != issuer {
			return nil, fmt.Errorf("%w: metadata at %s names issuer %q, expected %q", ErrIssuerMismatch, u, md.Issuer, issuer)
		}
		return &md, nil
	}
	return nil, fmt.Errorf("oauth: no authorization server metadata for %s", issuer)
}
