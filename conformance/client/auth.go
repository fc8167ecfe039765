package main

import (
	"context"
	"fmt"
	"net/http"

	"github.com/go-json-experiment/json"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/client/oauth"
	"github.com/mcpkit/mcpkit/mcp"
)

// cimdURL is the Client ID Metadata Document URL the suite expects as client_id (auth/basic-cimd).
const cimdURL = "https://conformance-test.local/client-metadata.json"

// authContext is the part of MCP_CONFORMANCE_CONTEXT the authorization code scenarios use.
type authContext struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

// authFlow logs in with the authorization code flow (headless: the mock authorization server approves
// by redirecting), lists the tools and calls each: the step-up scenarios gate tools/call behind a wider
// scope.
func authFlow(ctx context.Context, e *env) error {
	var ac authContext
	if e.context != nil {
		if err := json.Unmarshal(e.context, &ac); err != nil {
			return fmt.Errorf("reading %s: %w", envContext, err)
		}
	}
	e.httpClient = &http.Client{Transport: oauth.NewTransport(oauth.Config{
		ClientID:          ac.ClientID,
		ClientSecret:      ac.ClientSecret,
		ClientMetadataURL: cimdURL,
		ClientName:        "mcpkit-conformance-client",
		Authorize:         oauth.Headless(nil),
	})}
	return withTools(ctx, e, func(s *client.Session, tools []mcp.Tool) error {
		return callEach(ctx, s, tools)
	})
}
