package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The client scenarios of @modelcontextprotocol/conformance 0.2.0-alpha.12 (scripts/peers.sh): the scored
// lists of its requirement sets 2025-11-25 and 2026-07-28, and the client scenarios they run without
// scoring.
var (
	suiteScored20251125 = []string{
		"initialize", "tools_call", "elicitation-sep1034-client-defaults", "sse-retry",
		"auth/metadata-default", "auth/metadata-var1", "auth/metadata-var2", "auth/metadata-var3",
		"auth/basic-cimd", "auth/scope-from-www-authenticate", "auth/scope-from-scopes-supported",
		"auth/scope-omitted-when-undefined", "auth/scope-step-up", "auth/scope-retry-limit",
		"auth/token-endpoint-auth-basic", "auth/token-endpoint-auth-post", "auth/token-endpoint-auth-none",
		"auth/pre-registration",
	}
	suiteScored20260728 = []string{
		"tools_call", "request-metadata",
		"auth/metadata-default", "auth/metadata-var1", "auth/metadata-var2", "auth/metadata-var3",
		"auth/basic-cimd", "auth/scope-from-www-authenticate", "auth/scope-from-scopes-supported",
		"auth/scope-omitted-when-undefined", "auth/scope-step-up", "auth/scope-retry-limit",
		"auth/token-endpoint-auth-basic", "auth/token-endpoint-auth-post", "auth/token-endpoint-auth-none",
		"auth/pre-registration", "auth/resource-mismatch", "auth/offline-access-scope",
		"auth/offline-access-not-supported", "auth/authorization-server-migration", "auth/iss-supported",
		"auth/iss-not-advertised", "auth/iss-supported-missing", "auth/iss-wrong-issuer", "auth/iss-unexpected",
		"auth/iss-normalized", "auth/metadata-issuer-mismatch",
		"sep-2322-client-request-state", "http-standard-headers", "http-custom-headers",
		"http-invalid-tool-headers", "json-schema-ref-no-deref",
	}
	// Extension scenarios: in no requirement set, run by name (scripts/conformance.sh). The tasks-* client
	// scenarios, if any, belong to the tasks work; the auth/* extension ones to the OAuth client.
	suiteExtensions = []string{
		"sep-2640-client-no-prefetch", "sep-2640-client-verify-digest", "sep-2640-client-verify-size",
		"sep-2640-client-verify-frontmatter",
	}
	suiteNotScored = []string{
		"json-schema-2020-12-preservation",
		"auth/client-credentials-jwt", "auth/client-credentials-basic", "auth/enterprise-managed-authorization",
		"auth/dpop", "auth/dpop-nonce", "auth/wif-jwt-bearer",
		// Only at 2025-03-26, which has no requirement set; listed by `conformance list`.
		"auth/2025-03-26-oauth-metadata-backcompat", "auth/2025-03-26-oauth-endpoint-fallback",
	}
)

// TestDispatchMatchesSuite keeps the scenario table and the suite's list in step: every scenario the suite
// runs has an entry, and every entry is a scenario the suite has.
func TestDispatchMatchesSuite(t *testing.T) {
	suite := slices.Concat(suiteScored20251125, suiteScored20260728, suiteExtensions, suiteNotScored)
	for _, name := range suite {
		if scenarios[name] == nil {
			t.Errorf("scenario %q has no entry in the dispatch table", name)
		}
	}
	for name := range scenarios {
		if !slices.Contains(suite, name) {
			t.Errorf("dispatch table entry %q is not a scenario of the pinned suite", name)
		}
	}
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestRunRejectsBadInvocations(t *testing.T) {
	url := "http://127.0.0.1:1/mcp"
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"no URL", nil, map[string]string{envScenario: "tools_call"}, "no server URL"},
		{"no scenario", []string{url}, nil, envScenario + " is not set"},
		{"unknown scenario", []string{url}, map[string]string{envScenario: "no-such-scenario"}, `unknown scenario "no-such-scenario"`},
		{"unknown version", []string{url}, map[string]string{envScenario: "tools_call", envVersion: "1999-01-01"}, "not a protocol version"},
		{"bad context", []string{url}, map[string]string{envScenario: "tools_call", envContext: "{"}, "not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(context.Background(), tt.args, envOf(tt.env), quietLog())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("run = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestCustomHeadersNeedsContext(t *testing.T) {
	for _, ctxJSON := range []string{"", `{"name":"http-custom-headers"}`, `{"toolCalls":"x"}`} {
		err := run(context.Background(), []string{"http://127.0.0.1:1/mcp"},
			envOf(map[string]string{envScenario: "http-custom-headers", envContext: ctxJSON}), quietLog())
		if err == nil || !strings.Contains(err.Error(), envContext) {
			t.Errorf("context %q: run = %v, want an error naming %s", ctxJSON, err, envContext)
		}
	}
}

func TestSampleArguments(t *testing.T) {
	tests := []struct{ schema, want string }{
		{``, `{}`},
		{`{"type":"object"}`, `{}`},
		{`{"type":"object","properties":{"region":{"type":"string"},"n":{"type":"integer"}},"required":["region"]}`,
			`{"region":"sample"}`},
		{`{"properties":{"a":{"type":"integer"},"b":{"type":["boolean","null"]},"c":{},"d":{"type":"array"},"e":{"type":"object"},"f":{"type":"number"},"g":{"type":"null"}},"required":["a","b","c","d","e","f","g"]}`,
			`{"a":1,"b":true,"c":"sample","d":[],"e":{},"f":1.5,"g":null}`},
	}
	for _, tt := range tests {
		got, err := sampleArguments([]byte(tt.schema))
		if err != nil || string(got) != tt.want {
			t.Errorf("sampleArguments(%s) = %s, %v; want %s", tt.schema, got, err, tt.want)
		}
	}
	for _, bad := range []string{`[]`, `{"properties":{"a":{"type":7}},"required":["a"]}`, `{"properties":{"a":{"type":"weird"}},"required":["a"]}`} {
		if got, err := sampleArguments([]byte(bad)); err == nil {
			t.Errorf("sampleArguments(%s) = %s, want an error", bad, got)
		}
	}
}

func TestSchemaDefaults(t *testing.T) {
	// The requested schema of elicitation-sep1034-client-defaults, plus a property without a default.
	schema := `{"type":"object","properties":{
		"name":{"type":"string","default":"John Doe"},
		"age":{"type":"integer","default":30},
		"score":{"type":"number","default":95.5},
		"status":{"type":"string","enum":["active","inactive","pending"],"default":"active"},
		"verified":{"type":"boolean","default":true},
		"note":{"type":"string"}},"required":[]}`
	got, err := schemaDefaults([]byte(schema))
	want := `{"age":30,"name":"John Doe","score":95.5,"status":"active","verified":true}`
	if err != nil || string(got) != want {
		t.Fatalf("schemaDefaults = %s, %v; want %s", got, err, want)
	}
	if _, err := schemaDefaults([]byte(`"x"`)); err == nil {
		t.Error("schemaDefaults of a string succeeded")
	}
}

// addServer is an mcpkit server with the tool tools_call calls, on 127.0.0.1.
func addServer(t *testing.T, withTool bool) string {
	t.Helper()
	s := server.New("add", "1.0.0", nil)
	type addArgs struct {
		A float64 `json:"a"`
		B float64 `json:"b"`
	}
	name := "add_numbers"
	if !withTool {
		name = "subtract_numbers"
	}
	server.Tool(s, name, "Add two numbers", func(ctx context.Context, in addArgs) (float64, error) { return in.A + in.B, nil })
	h := s.Handler(nil)
	ts := httptest.NewServer(h)
	t.Cleanup(func() {
		ts.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = h.Close(ctx)
	})
	return ts.URL
}

func TestToolsCallAgainstMcpkitServer(t *testing.T) {
	for _, version := range []string{mcp.LatestLegacyVersion, mcp.LatestVersion} {
		t.Run(version, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			env := envOf(map[string]string{envScenario: "tools_call", envVersion: version})
			if err := run(ctx, []string{"--flag-the-suite-might-pass", addServer(t, true)}, env, quietLog()); err != nil {
				t.Fatalf("tools_call: %v", err)
			}
			err := run(ctx, []string{addServer(t, false)}, env, quietLog())
			if err == nil || !strings.Contains(err.Error(), `no tool "add_numbers"`) {
				t.Fatalf("tools_call without add_numbers = %v, want the missing-tool error", err)
			}
		})
	}
}

func TestConnectFailureIsAnError(t *testing.T) {
	ts := httptest.NewServer(nil) // 404 for everything
	defer ts.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := run(ctx, []string{ts.URL}, envOf(map[string]string{envScenario: "initialize", envVersion: mcp.LatestLegacyVersion}), quietLog())
	if err == nil || !strings.Contains(err.Error(), "connect") {
		t.Fatalf("run against a 404 server = %v, want a connect error", err)
	}
	if errors.Is(err, errUsage) {
		t.Fatalf("a connect failure reported as a usage error: %v", err)
	}
}

// rejectFirst answers the first n POSTs with UnsupportedProtocolVersion listing 2026-07-28 (what the
// request-metadata scenario does once) and hands the rest to next.
func rejectFirst(n int, next http.Handler) (http.Handler, *atomic.Int32) {
	var seen atomic.Int32
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && int(seen.Add(1)) <= n {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"jsonrpc":"2.0","id":null,"error":{"code":-32022,"message":"Unsupported protocol version",`+
				`"data":{"supported":["2026-07-28"],"requested":"2026-07-28"}}}`)
			return
		}
		next.ServeHTTP(w, r)
	}), &seen
}

func TestRequestMetadataRetriesARejectedVersion(t *testing.T) {
	s := server.New("meta", "1.0.0", nil)
	h := s.Handler(nil)
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = h.Close(ctx)
	}()
	env := envOf(map[string]string{envScenario: "request-metadata", envVersion: mcp.LatestVersion})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	once, seen := rejectFirst(1, h)
	ts := httptest.NewServer(once)
	err := run(ctx, []string{ts.URL}, env, quietLog())
	ts.Close()
	if err != nil {
		t.Fatalf("request-metadata with one rejection: %v", err)
	}
	if n := seen.Load(); n < 3 { // rejected discover, retried discover, tools/list
		t.Fatalf("the server saw %d POSTs, want the rejected one, the retry and tools/list", n)
	}

	always, seen := rejectFirst(1<<30, h)
	ts = httptest.NewServer(always)
	defer ts.Close()
	err = run(ctx, []string{ts.URL}, env, quietLog())
	if err == nil || !strings.Contains(err.Error(), "connect") {
		t.Fatalf("request-metadata against a server that always rejects = %v, want a connect error", err)
	}
	if n := seen.Load(); n > 1+maxRejections {
		t.Fatalf("the client probed %d times; retries must be bounded", n)
	}
}

// maxRejections is how many UnsupportedProtocolVersion answers the client may retry after.
const maxRejections = 2
