package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
)

// scenario plays one conformance scenario against e's server.
type scenario func(ctx context.Context, e *env) error

// scenarios maps every client scenario of the pinned suite (both requirement sets, plus the ones run but not
// scored) to what this client does for it.
var scenarios = map[string]scenario{
	// 2025-11-25 (legacy lifecycle).
	"initialize":                          listTools,
	"elicitation-sep1034-client-defaults": elicitationDefaults,
	"sse-retry":                           sseRetry,
	// Both requirement sets.
	"tools_call":                       toolsCall,
	"json-schema-2020-12-preservation": schemaPreservation,
	// 2026-07-28 (modern lifecycle).
	"request-metadata":              listTools,
	"sep-2322-client-request-state": requestState,
	"http-standard-headers":         standardHeaders,
	"http-custom-headers":           customHeaders,
	"http-invalid-tool-headers":     invalidToolHeaders,
	"json-schema-ref-no-deref":      listTools,

	// The skills extension (SEP-2640; run by name, not in a requirement set): see skills.go.
	"sep-2640-client-no-prefetch":        skillsList,
	"sep-2640-client-verify-digest":      skillsLoad,
	"sep-2640-client-verify-size":        skillsLoad,
	"sep-2640-client-verify-frontmatter": skillsLoad,

	// OAuth client scenarios: see auth.go.
	"auth/metadata-default":                     authFlow,
	"auth/metadata-var1":                        authFlow,
	"auth/metadata-var2":                        authFlow,
	"auth/metadata-var3":                        authFlow,
	"auth/basic-cimd":                           authFlow,
	"auth/scope-from-www-authenticate":          authFlow,
	"auth/scope-from-scopes-supported":          authFlow,
	"auth/scope-omitted-when-undefined":         authFlow,
	"auth/scope-step-up":                        authFlow,
	"auth/scope-retry-limit":                    authFlow,
	"auth/token-endpoint-auth-basic":            authFlow,
	"auth/token-endpoint-auth-post":             authFlow,
	"auth/token-endpoint-auth-none":             authFlow,
	"auth/pre-registration":                     authFlow,
	"auth/resource-mismatch":                    authFlow,
	"auth/offline-access-scope":                 authFlow,
	"auth/offline-access-not-supported":         authFlow,
	"auth/authorization-server-migration":       authFlow,
	"auth/iss-supported":                        authFlow,
	"auth/iss-not-advertised":                   authFlow,
	"auth/iss-supported-missing":                authFlow,
	"auth/iss-wrong-issuer":                     authFlow,
	"auth/iss-unexpected":                       authFlow,
	"auth/iss-normalized":                       authFlow,
	"auth/metadata-issuer-mismatch":             authFlow,
	"auth/client-credentials-jwt":               authClientCredentials,
	"auth/client-credentials-basic":             authClientCredentials,
	"auth/enterprise-managed-authorization":     authAssertion,
	"auth/dpop":                                 authDPoP,
	"auth/dpop-nonce":                           authDPoP,
	"auth/wif-jwt-bearer":                       authAssertion,
	"auth/2025-03-26-oauth-metadata-backcompat": authFlow,
	"auth/2025-03-26-oauth-endpoint-fallback":   authFlow,
}

// scenarioNames returns the known scenario names, sorted.
func scenarioNames() []string {
	names := make([]string, 0, len(scenarios))
	for n := range scenarios {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// listTools connects and lists every tool: what initialize, request-metadata (whose server rejects the
// first request's protocol version once, to see the client retry) and json-schema-ref-no-deref (whose tool
// schema has a network $ref the client must not fetch) score.
func listTools(ctx context.Context, e *env) error {
	return withTools(ctx, e, func(*client.Session, []mcp.Tool) error { return nil })
}

// toolsCall calls add_numbers with two numbers.
func toolsCall(ctx context.Context, e *env) error {
	return callListed(ctx, e, "add_numbers", map[string]int{"a": 2, "b": 3})
}

// sseRetry calls test_reconnection, whose response stream the server closes after a priming event with a
// retry interval: the transport must reconnect with GET and Last-Event-ID after that interval and receive
// the result there.
func sseRetry(ctx context.Context, e *env) error {
	return callListed(ctx, e, "test_reconnection", nil)
}

// elicitationDefaults calls test_client_elicitation_defaults, during which the server sends
// elicitation/create with a schema whose fields all have defaults; the client accepts with them.
func elicitationDefaults(ctx context.Context, e *env) error {
	return callListed(ctx, e, "test_client_elicitation_defaults", nil)
}

// requestState drives the multi round-trip tools: two answer input_required (one with requestState, one
// without), one is called between rounds and must see no input responses, and one answers without
// resultType (which means complete).
func requestState(ctx context.Context, e *env) error {
	return withTools(ctx, e, func(s *client.Session, _ []mcp.Tool) error {
		for _, name := range []string{"test_mrtr_echo_state", "test_mrtr_unrelated", "test_mrtr_no_state", "test_mrtr_no_result_type"} {
			if _, err := callTool(ctx, s, name, nil); err != nil {
				return err
			}
		}
		return nil
	})
}

// standardHeaders sends every kind of request that carries Mcp-Method and Mcp-Name: tools/list and a
// tools/call per tool, resources/list and a resources/read per resource, prompts/list and a prompts/get per
// prompt.
func standardHeaders(ctx context.Context, e *env) error {
	return withTools(ctx, e, func(s *client.Session, tools []mcp.Tool) error {
		if err := callEach(ctx, s, tools); err != nil {
			return err
		}
		for r, err := range s.Resources(ctx) {
			if err != nil {
				return fmt.Errorf("resources/list: %w", err)
			}
			if _, err := s.ReadResource(ctx, r.URI); err != nil {
				return fmt.Errorf("resources/read %s: %w", r.URI, err)
			}
		}
		for p, err := range s.Prompts(ctx) {
			if err != nil {
				return fmt.Errorf("prompts/list: %w", err)
			}
			if _, err := s.GetPrompt(ctx, p.Name, nil); err != nil {
				return fmt.Errorf("prompts/get %s: %w", p.Name, err)
			}
		}
		return nil
	})
}

// customHeadersContext is MCP_CONFORMANCE_CONTEXT of http-custom-headers: the calls to make, with
// arguments kept as sent (null included).
type customHeadersContext struct {
	ToolCalls []struct {
		Name      string         `json:"name"`
		Arguments jsontext.Value `json:"arguments"`
	} `json:"toolCalls"`
}

// customHeaders lists the tools (whose x-mcp-header annotations name the Mcp-Param-* headers) and makes the
// calls the suite's context lists.
func customHeaders(ctx context.Context, e *env) error {
	if e.context == nil {
		return fmt.Errorf("%s is not set; this scenario takes its tool calls from there", envContext)
	}
	var c customHeadersContext
	if err := json.Unmarshal(e.context, &c); err != nil {
		return fmt.Errorf("%s: %w", envContext, err)
	}
	if len(c.ToolCalls) == 0 {
		return fmt.Errorf("%s lists no toolCalls", envContext)
	}
	return withTools(ctx, e, func(s *client.Session, tools []mcp.Tool) error {
		for _, call := range c.ToolCalls {
			if _, err := findTool(tools, call.Name); err != nil {
				return err
			}
			var args any
			if len(call.Arguments) > 0 {
				args = call.Arguments
			}
			if _, err := callTool(ctx, s, call.Name, args); err != nil {
				return err
			}
		}
		return nil
	})
}

// invalidToolHeaders calls every tool the client kept from tools/list. The server lists one valid tool and
// several whose x-mcp-header annotations are invalid: the client must drop those from the list, so only the
// valid one is called.
func invalidToolHeaders(ctx context.Context, e *env) error {
	return withTools(ctx, e, func(s *client.Session, tools []mcp.Tool) error {
		names := make([]string, len(tools))
		for i, t := range tools {
			names[i] = t.Name
		}
		e.log.Info("tools kept", "names", strings.Join(names, ","))
		return callEach(ctx, s, tools)
	})
}

// schemaPreservation sends the input schema of json_schema_2020_12_tool, as the client received it, back to
// the server through json_schema_echo, which compares it with what it sent.
func schemaPreservation(ctx context.Context, e *env) error {
	return withTools(ctx, e, func(s *client.Session, tools []mcp.Tool) error {
		focal, err := findTool(tools, "json_schema_2020_12_tool")
		if err != nil {
			return err
		}
		if _, err := findTool(tools, "json_schema_echo"); err != nil {
			return err
		}
		_, err = callTool(ctx, s, "json_schema_echo", map[string]jsontext.Value{"schema": focal.InputSchema})
		return err
	})
}

// callListed connects, checks that the server lists the tool, and calls it with args.
func callListed(ctx context.Context, e *env, name string, args any) error {
	return withTools(ctx, e, func(s *client.Session, tools []mcp.Tool) error {
		if _, err := findTool(tools, name); err != nil {
			return err
		}
		_, err := callTool(ctx, s, name, args)
		return err
	})
}

// callEach calls every tool with arguments made up from its input schema.
func callEach(ctx context.Context, s *client.Session, tools []mcp.Tool) error {
	for _, t := range tools {
		args, err := sampleArguments(t.InputSchema)
		if err != nil {
			return fmt.Errorf("tool %q: %w", t.Name, err)
		}
		if _, err := callTool(ctx, s, t.Name, args); err != nil {
			return err
		}
	}
	return nil
}

// withTools connects, lists every tool, and runs fn with the session and the tools.
func withTools(ctx context.Context, e *env, fn func(s *client.Session, tools []mcp.Tool) error) error {
	s, err := e.connect(ctx)
	if err != nil {
		return err
	}
	defer e.close(s)
	tools, err := allTools(ctx, s)
	if err != nil {
		return err
	}
	return fn(s, tools)
}

// allTools lists every tool, following cursors.
func allTools(ctx context.Context, s *client.Session) ([]mcp.Tool, error) {
	var tools []mcp.Tool
	for t, err := range s.Tools(ctx) {
		if err != nil {
			return nil, fmt.Errorf("tools/list: %w", err)
		}
		tools = append(tools, t)
	}
	return tools, nil
}

// findTool returns the tool called name, or an error naming what the server listed.
func findTool(tools []mcp.Tool, name string) (mcp.Tool, error) {
	names := make([]string, len(tools))
	for i, t := range tools {
		if t.Name == name {
			return t, nil
		}
		names[i] = t.Name
	}
	return mcp.Tool{}, fmt.Errorf("the server lists no tool %q (it lists %q)", name, names)
}

// callTool calls a tool; a result with isError set is an error here.
func callTool(ctx context.Context, s *client.Session, name string, args any) (*mcp.CallToolResult, error) {
	res, err := s.CallTool(ctx, name, args)
	if err != nil {
		return nil, fmt.Errorf("tools/call %s: %w", name, err)
	}
	if res.IsError {
		return res, fmt.Errorf("tools/call %s: the tool failed: %s", name, resultText(res))
	}
	return res, nil
}

// resultText joins the text blocks of a tool result, for error messages.
func resultText(res *mcp.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if c.Type == mcp.ContentTypeText {
			parts = append(parts, c.Text)
		}
	}
	return strings.Join(parts, " ")
}
