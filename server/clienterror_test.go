package server_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

// legacyInitCaps initializes a raw legacy session that declares elicitation, sampling and roots.
func legacyInitCaps(w *wire) {
	w.roundTrip(`{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"elicitation":{},"sampling":{},"roots":{}},"clientInfo":{"name":"old","version":"1"}}}`)
	w.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
}

// answerWithError reads the server's next server-to-client request, checks its method and answers it with
// -32601, as a client that does not know the method would; then it returns the response to request id.
func answerWithError(t *testing.T, w *wire, method string) map[string]any {
	t.Helper()
	for {
		m := w.recv()
		if m["method"] == method && m["id"] != nil {
			id, _ := m["id"].(float64)
			w.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"error":{"code":-32601,"message":"Method not found"}}`, int64(id)))
			continue
		}
		if _, isReq := m["method"]; isReq {
			continue // a notification
		}
		return m
	}
}

// TestClientErrorIsNotAProtocolError: a legacy client that answers elicitation/create with -32601 does not
// make tools/call fail with -32601 (which would tell the client the tool does not exist): the handler gets
// a *server.ClientError naming the interaction, and returning it gives an isError result.
func TestClientErrorIsNotAProtocolError(t *testing.T) {
	s := server.New("t", "1", nil)
	seen := make(chan *server.ClientError, 1)
	server.Tool(s, "book_trip", "", func(ctx context.Context, _ noArgs) (string, error) {
		_, err := server.Elicit[nameForm](ctx, "when?")
		var ce *server.ClientError
		if errors.As(err, &ce) {
			seen <- ce
		}
		return "", err
	})
	for _, ask := range []struct{ tool, method string }{
		{"book_trip", mcp.MethodElicitationCreate},
		{"sample", mcp.MethodSamplingCreateMessage},
		{"roots", mcp.MethodRootsList},
	} {
		switch ask.tool {
		case "sample":
			server.Tool(s, "sample", "", func(ctx context.Context, _ noArgs) (string, error) { return server.SampleText(ctx, "hi", 5) })
		case "roots":
			server.Tool(s, "roots", "", func(ctx context.Context, _ noArgs) (string, error) {
				_, err := server.Roots(ctx)
				return "", err
			})
		}
		w := rawPeer(t, s)
		legacyInitCaps(w)
		w.send(`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"` + ask.tool + `","arguments":{}}}`)
		res := answerWithError(t, w, ask.method)
		if errCode(res) != 0 {
			t.Fatalf("%s: tools/call failed with a protocol error: %v", ask.tool, res)
		}
		r := result(t, res)
		content, _ := r["content"].([]any)
		if r["isError"] != true || len(content) != 1 {
			t.Fatalf("%s: want an isError result, got %v", ask.tool, r)
		}
		text, _ := content[0].(map[string]any)["text"].(string)
		if !strings.Contains(text, ask.method) || !strings.Contains(text, "-32601") {
			t.Fatalf("%s: the result does not name the interaction and the client's error: %q", ask.tool, text)
		}
	}
	ce := <-seen
	if ce.Method != mcp.MethodElicitationCreate || ce.Code != -32601 || ce.Message != "Method not found" {
		t.Fatalf("ClientError = %+v", ce)
	}
}

// TestClientErrorInPromptsAndResources: prompts/get and resources/read have no isError result; a client's
// error to their question is an internal error (-32603) that names the interaction, never the client's code.
func TestClientErrorInPromptsAndResources(t *testing.T) {
	s := server.New("t", "1", nil)
	server.Prompt(s, "p", "", func(ctx context.Context, _ struct{}) (string, error) {
		_, err := server.Roots(ctx)
		return "x", err
	})
	server.Resource(s, "file:///r", "", func(ctx context.Context) (string, error) {
		_, err := server.Roots(ctx)
		return "x", err
	})
	s.CompletePromptArgument("p", "a", func(ctx context.Context, value string, args map[string]string) ([]string, error) {
		_, err := server.Roots(ctx)
		return nil, err
	})
	w := rawPeer(t, s)
	legacyInitCaps(w)
	for _, req := range []string{
		`{"jsonrpc":"2.0","id":8,"method":"prompts/get","params":{"name":"p"}}`,
		`{"jsonrpc":"2.0","id":9,"method":"resources/read","params":{"uri":"file:///r"}}`,
		`{"jsonrpc":"2.0","id":10,"method":"completion/complete","params":{"ref":{"type":"ref/prompt","name":"p"},"argument":{"name":"a","value":""}}}`,
	} {
		w.send(req)
		res := answerWithError(t, w, mcp.MethodRootsList)
		if errCode(res) != mcp.CodeInternalError || !strings.Contains(errMessage(res), "roots/list") {
			t.Fatalf("%s: want -32603 naming roots/list, got %v", req, res)
		}
	}
}
