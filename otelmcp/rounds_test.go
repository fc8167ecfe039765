package otelmcp_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/otelmcp"
	"github.com/mcpkit/mcpkit/server"
)

type nameForm struct {
	Name string `json:"name"`
}

// TestInputRounds: a 2026-07-28 tools/call that asks the user (input_required, then a retry with the
// answer) is two wire requests: two client spans under the caller's span and two server spans, each the
// child of the client span that sent its request, all in one trace; an input_required answer is no
// error (no error.type, status unset: it once was a tool_error, as the handler's ErrInputRequired became
// an isError result before the server answered input_required).
func TestInputRounds(t *testing.T) {
	rec := newRecorder(t)
	s := server.New("t", "1", &server.Options{Middleware: []server.Middleware{otelmcp.ServerMiddleware(rec.opts())}})
	server.Tool(s, "greet", "", func(ctx context.Context, _ noArgs) (string, error) {
		e, err := server.Elicit[nameForm](ctx, "who are you?")
		if err != nil {
			return "", err
		}
		return "hello " + e.Content.Name, nil
	})
	sess := memoryLink{}.connect(t, s, &client.Options{ProtocolVersion: mcp.Version20260728,
		Middleware: []client.Middleware{otelmcp.ClientMiddleware(rec.opts())},
		OnElicit: func(context.Context, *mcp.ElicitParams) (*mcp.ElicitResult, error) {
			return &mcp.ElicitResult{Action: mcp.ElicitActionAccept, Content: []byte(`{"name":"Ada"}`)}, nil
		}})
	ctx, root := rec.tp.Tracer("test").Start(context.Background(), "root")
	res, err := sess.CallTool(ctx, "greet", noArgs{})
	root.End()
	if err != nil || res.IsError || res.Content[0].Text != "hello Ada" {
		t.Fatalf("greet: %v %+v", err, res)
	}
	var clients, servers []traceStub
	for _, sp := range rec.exp.GetSpans() {
		if sp.Name != "tools/call greet" {
			continue
		}
		if sp.SpanKind == trace.SpanKindClient {
			clients = append(clients, sp)
		} else {
			servers = append(servers, sp)
		}
	}
	if len(clients) != 2 || len(servers) != 2 {
		t.Fatalf("%d client and %d server spans, want 2 and 2:%s", len(clients), len(servers), rec.list())
	}
	for _, sp := range slices.Concat(clients, servers) { // an input_required round is no error
		if et, ok := attr(sp, otelmcp.KeyErrorType); ok || sp.Status.Code != codes.Unset {
			t.Errorf("%s (%v): error.type %q status %v, want none", sp.Name, sp.SpanKind, et, sp.Status)
		}
	}
	for i := range 2 {
		if clients[i].Parent.SpanID() != root.SpanContext().SpanID() || clients[i].SpanContext.TraceID() != root.SpanContext().TraceID() {
			t.Errorf("client span %d: parent %s, want the root", i, clients[i].Parent.SpanID())
		}
		matched := false
		for _, sv := range servers {
			matched = matched || sv.Parent.SpanID() == clients[i].SpanContext.SpanID()
		}
		if !matched {
			t.Errorf("no server span is the child of client span %d (%s):%s", i, clients[i].SpanContext.SpanID(), rec.list())
		}
	}
}

// TestLongNames: a tool name or URI the client makes huge is cut in the span (name and attribute, at 128
// and 1,024 bytes plus "…", on a UTF-8 boundary), and the call still fails the usual way.
func TestLongNames(t *testing.T) {
	rec := newRecorder(t)
	s := server.New("t", "1", &server.Options{Middleware: []server.Middleware{otelmcp.ServerMiddleware(rec.opts())}})
	sess := memoryLink{}.connect(t, s, &client.Options{ProtocolVersion: mcp.Version20260728})
	long := strings.Repeat("é", 5000)
	if _, err := sess.CallTool(context.Background(), long, noArgs{}); err == nil {
		t.Fatal("an unknown tool was called")
	}
	if _, err := sess.ReadResource(context.Background(), "file:///"+long); err == nil {
		t.Fatal("an unknown resource was read")
	}
	for _, sp := range rec.exp.GetSpans() {
		if sp.Name == "server/discover" {
			continue
		}
		limit := 128 + len("…") + len("tools/call ")
		if strings.HasPrefix(sp.Name, "resources/read") {
			limit = len("resources/read")
			if uri, _ := attr(sp, otelmcp.KeyResourceURI); len(uri) > 1024+len("…") || !utf8.ValidString(uri) || !strings.HasSuffix(uri, "…") {
				t.Errorf("mcp.resource.uri of %d bytes (valid UTF-8: %v)", len(uri), utf8.ValidString(uri))
			}
		} else if tool, _ := attr(sp, otelmcp.KeyToolName); len(tool) > 128+len("…") || !utf8.ValidString(tool) || !strings.HasSuffix(tool, "…") {
			t.Errorf("gen_ai.tool.name of %d bytes", len(tool))
		}
		if len(sp.Name) > limit || !utf8.ValidString(sp.Name) {
			t.Errorf("span name of %d bytes (limit %d)", len(sp.Name), limit)
		}
	}
}
