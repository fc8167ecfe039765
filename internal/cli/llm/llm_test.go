package llm

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"

	"github.com/mcpkit/mcpkit/mcp"
)

// scripted is an OpenAI-compatible endpoint that records the request and answers with status and body.
func scripted(t *testing.T, status int, body string) (*httptest.Server, *map[string]any, *http.Header) {
	t.Helper()
	got := map[string]any{}
	var hdr http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
			t.Errorf("request %s %s, want POST /v1/chat/completions", r.Method, r.URL.Path)
		}
		hdr = r.Header.Clone()
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &got); err != nil {
			t.Errorf("request body %s: %v", b, err)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &got, &hdr
}

func TestSample(t *testing.T) {
	srv, got, hdr := scripted(t, 200, `{"id":"x","model":"tiny-1","choices":[{"index":0,"message":{"role":"assistant","content":"A fine lamp."},"finish_reason":"stop"}],"usage":{"total_tokens":9}}`)
	temp := 0.0
	c := &Client{BaseURL: srv.URL + "/v1/", APIKey: "k-123", Model: "tiny"}
	res, err := c.Sample(context.Background(), &mcp.CreateMessageParams{
		SystemPrompt:  "Be brief.",
		Messages:      []mcp.SamplingMessage{{Role: mcp.RoleUser, Content: mcp.SamplingBlock(mcp.TextContent("Describe a lamp."))}},
		MaxTokens:     200,
		Temperature:   &temp,
		StopSequences: []string{"END"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Role != mcp.RoleAssistant || res.Model != "tiny-1" || res.StopReason != mcp.StopReasonEndTurn ||
		len(res.Content.Blocks) != 1 || res.Content.Blocks[0].Text != "A fine lamp." {
		t.Errorf("result %+v", res)
	}
	if a := hdr.Get("Authorization"); a != "Bearer k-123" {
		t.Errorf("Authorization %q", a)
	}
	want := `{"max_tokens":200,"messages":[{"content":"Be brief.","role":"system"},{"content":"Describe a lamp.","role":"user"}],"model":"tiny","stop":["END"],"temperature":0}`
	if b, _ := json.Marshal(*got, json.Deterministic(true)); string(b) != want {
		t.Errorf("request\n%s\nwant\n%s", b, want)
	}
}

func TestSampleFailures(t *testing.T) {
	for _, tc := range []struct {
		status int
		body   string
		want   string
	}{
		{401, `{"error":{"message":"Incorrect API key provided"}}`, "the LLM endpoint answered 401 Unauthorized: Incorrect API key provided"},
		{500, `upstream down`, "the LLM endpoint answered 500 Internal Server Error: upstream down"},
		{200, `{"choices":[]}`, "has no choices"},
		{200, `<html>`, "is not a chat completion"},
	} {
		srv, _, _ := scripted(t, tc.status, tc.body)
		c := &Client{BaseURL: srv.URL + "/v1", Model: "m"}
		_, err := c.Sample(context.Background(), &mcp.CreateMessageParams{Messages: []mcp.SamplingMessage{{Role: mcp.RoleUser, Content: mcp.SamplingBlock(mcp.TextContent("hi"))}}, MaxTokens: 5})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%d %s: err %v, want %q", tc.status, tc.body, err, tc.want)
		}
	}
}

func TestSampleRefusesWhatItCannotSend(t *testing.T) {
	c := &Client{BaseURL: "http://127.0.0.1:1/v1", Model: "m"} // never reached
	img := mcp.Content{Type: "image", Data: "AAAA", MimeType: "image/png"}
	_, err := c.Sample(context.Background(), &mcp.CreateMessageParams{Messages: []mcp.SamplingMessage{{Role: mcp.RoleUser, Content: mcp.SamplingBlock(img)}}})
	if err == nil || !strings.Contains(err.Error(), "image content is not supported") {
		t.Errorf("image: %v", err)
	}
	_, err = c.Sample(context.Background(), &mcp.CreateMessageParams{Tools: []mcp.Tool{{Name: "t"}}})
	if err == nil || !strings.Contains(err.Error(), "sampling with tools is not supported") {
		t.Errorf("tools: %v", err)
	}
}
