package gateway_test

import (
	"context"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/gateway"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

// TestContentURIsNamespaced: the URIs an upstream's tool result and prompt carry in content blocks — a
// resource_link's, an embedded resource's — are the gateway's (NAME+scheme:), so that a client can read
// what a tool links to through the gateway; read back, the link answers. In both eras, both sides.
func TestContentURIsNamespaced(t *testing.T) {
	for _, pair := range [][2]string{
		{mcp.Version20251125, mcp.Version20251125}, {mcp.Version20251125, mcp.Version20260728},
		{mcp.Version20260728, mcp.Version20251125}, {mcp.Version20260728, mcp.Version20260728},
	} {
		t.Run("up="+pair[0]+"/down="+pair[1], func(t *testing.T) {
			srv := newDemo()
			blocks := []mcp.Content{
				{Type: "resource_link", URI: "greeting://alice", Name: "greeting"},
				{Type: "resource", Resource: &mcp.ResourceContents{URI: "command://ping", Text: "Pong"}},
				{Type: "resource_link", URI: "no-scheme", Name: "left alone"},
			}
			srv.AddRawTool(mcp.Tool{Name: "links", InputSchema: jsontext.Value(`{"type":"object"}`)},
				func(ctx context.Context, _ jsontext.Value) (*mcp.CallToolResult, error) {
					return &mcp.CallToolResult{Content: append([]mcp.Content(nil), blocks...)}, nil
				})
			server.Prompt(srv, "linked", "A prompt with an embedded resource", func(ctx context.Context, _ struct{}) ([]mcp.PromptMessage, error) {
				return []mcp.PromptMessage{{Role: "user", Content: blocks[1]}}, nil
			})
			up := newMemUp(t, srv, pair[0])
			g := newGateway(t, fastOptions(), gateway.Config{Upstreams: []gateway.Upstream{upstreamOf("demo", up)}})
			s := connectDown(t, g, pair[1], client.Options{})
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			res, err := s.CallTool(ctx, "demo__links", struct{}{})
			if err != nil || res.IsError || len(res.Content) != 3 {
				t.Fatalf("demo__links = %+v, %v", res, err)
			}
			if got := res.Content[0].URI; got != "demo+greeting://alice" {
				t.Errorf("resource_link URI %q, want demo+greeting://alice", got)
			}
			if got := res.Content[1].Resource.URI; got != "demo+command://ping" {
				t.Errorf("embedded resource URI %q, want demo+command://ping", got)
			}
			if got := res.Content[2].URI; got != "no-scheme" {
				t.Errorf("a URI without a scheme became %q", got)
			}
			read, err := s.ReadResource(ctx, res.Content[0].URI)
			if err != nil || len(read.Contents) != 1 || read.Contents[0].Text != "Hello, alice!" {
				t.Fatalf("reading the link %s through the gateway: %+v, %v", res.Content[0].URI, read, err)
			}
			pr, err := s.GetPrompt(ctx, "demo__linked", nil)
			if err != nil || len(pr.Messages) != 1 || pr.Messages[0].Content.Resource == nil {
				t.Fatalf("demo__linked = %+v, %v", pr, err)
			}
			if got := pr.Messages[0].Content.Resource.URI; got != "demo+command://ping" {
				t.Errorf("the prompt's embedded resource URI %q, want demo+command://ping", got)
			}
		})
	}
}

// TestURIPrefixLowerCase: an upstream whose name has capitals ("Demo") prefixes its URIs in lower case
// (a scheme's canonical form: a client that normalizes the URI, as Go's url.Parse does, still names the
// entry), and reads, completions and subscriptions route by that prefix. Before, the prefix kept the
// capitals, and a lower-cased URI was unknown.
func TestURIPrefixLowerCase(t *testing.T) {
	up := newMemUp(t, newDemo(), mcp.Version20251125)
	g := newGateway(t, fastOptions(), gateway.Config{Upstreams: []gateway.Upstream{upstreamOf("Demo", up)}})
	s := connectDown(t, g, mcp.Version20251125, client.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	read, err := s.ReadResource(ctx, "demo+greeting://bob")
	if err != nil || len(read.Contents) != 1 || read.Contents[0].Text != "Hello, bob!" || read.Contents[0].URI != "demo+greeting://bob" {
		t.Fatalf("read demo+greeting://bob = %+v, %v", read, err)
	}
	res, err := s.Complete(ctx, &mcp.CompleteParams{
		Ref:      mcp.CompletionReference{Type: mcp.RefTypeResource, URI: "demo+greeting://{name}"},
		Argument: mcp.CompletionArgument{Name: "name", Value: "a"},
	})
	if err != nil || len(res.Completion.Values) == 0 {
		t.Fatalf("complete demo+greeting://{name} = %+v, %v", res, err)
	}
	if err := s.Subscribe(ctx, "demo+command://ping"); err != nil {
		t.Fatalf("subscribe demo+command://ping: %v", err)
	}
}
