package demo_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"go.uber.org/goleak"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/internal/exampletest"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// eras are the two ways a client reaches the demo: a legacy session (server-to-client requests) and the
// 2026-07-28 era (input_required rounds). Every case below must come out the same in both.
var eras = []string{mcp.Version20251125, mcp.Version20260728}

func connect(t *testing.T, version string, opts client.Options) *client.Session {
	t.Helper()
	return exampletest.Connect(t, demo.New(), version, opts)
}

func text(t *testing.T, res *mcp.CallToolResult) string {
	t.Helper()
	if len(res.Content) == 0 {
		t.Fatalf("no content: %+v", res)
	}
	return res.Content[0].Text
}

func TestBookTripBothEras(t *testing.T) {
	cases := []struct {
		name   string
		date   string
		answer string // the user's ElicitResult; "" means the form must not be shown
		want   string
		isErr  bool
	}{
		{name: "free date books at once", date: "2025-01-10", want: "[SUCCESS] Booked for 2025-01-10"},
		{name: "alternative accepted", date: demo.FullDate, answer: `{"action":"accept","content":{"checkAlternative":true,"alternativeDate":"2024-12-27"}}`, want: "[SUCCESS] Booked for 2024-12-27"},
		{name: "alternative with default date", date: demo.FullDate, answer: `{"action":"accept","content":{"checkAlternative":true}}`, want: "[SUCCESS] Booked for 2024-12-26"},
		{name: "accepted without alternative", date: demo.FullDate, answer: `{"action":"accept","content":{"checkAlternative":false}}`, want: "[CANCELLED] No booking made"},
		{name: "declined", date: demo.FullDate, answer: `{"action":"decline"}`, want: "[CANCELLED] Booking cancelled"},
		{name: "cancelled", date: demo.FullDate, answer: `{"action":"cancel"}`, want: "[CANCELLED] Booking cancelled"},
		{name: "content off the schema", date: demo.FullDate, answer: `{"action":"accept","content":{"checkAlternative":"yes"}}`, want: "does not match the requested schema", isErr: true},
	}
	for _, version := range eras {
		for _, tc := range cases {
			t.Run(version+"/"+tc.name, func(t *testing.T) {
				var asked atomic.Int32
				var schema jsontext.Value
				sess := connect(t, version, client.Options{
					OnElicit: func(ctx context.Context, p *mcp.ElicitParams) (*mcp.ElicitResult, error) {
						asked.Add(1)
						schema = p.RequestedSchema
						var res mcp.ElicitResult
						if err := json.Unmarshal([]byte(tc.answer), &res); err != nil {
							t.Errorf("bad test answer: %v", err)
						}
						return &res, nil
					},
				})
				res, err := sess.CallTool(context.Background(), "book_trip", map[string]string{"date": tc.date})
				if err != nil {
					t.Fatal(err)
				}
				if got := text(t, res); res.IsError != tc.isErr || !strings.Contains(got, tc.want) {
					t.Fatalf("result %q (isError %v), want %q (isError %v)", got, res.IsError, tc.want, tc.isErr)
				}
				wantAsked := int32(1)
				if tc.answer == "" {
					wantAsked = 0
				}
				if asked.Load() != wantAsked {
					t.Fatalf("the form was shown %d times, want %d", asked.Load(), wantAsked)
				}
				if wantAsked == 1 {
					var s struct {
						Properties map[string]struct {
							Type    string         `json:"type"`
							Format  string         `json:"format"`
							Default jsontext.Value `json:"default"`
						} `json:"properties"`
					}
					if err := json.Unmarshal(schema, &s); err != nil {
						t.Fatal(err)
					}
					alt := s.Properties["alternativeDate"]
					if s.Properties["checkAlternative"].Type != "boolean" || alt.Type != "string" || alt.Format != "date" || string(alt.Default) != `"2024-12-26"` {
						t.Fatalf("requested schema = %s", schema)
					}
				}
			})
		}
	}
}

func TestCreateProductBothEras(t *testing.T) {
	for _, version := range eras {
		t.Run(version, func(t *testing.T) {
			var prompt string
			sess := connect(t, version, client.Options{
				OnSample: func(ctx context.Context, p *mcp.CreateMessageParams) (*mcp.CreateMessageResult, error) {
					prompt = p.Messages[0].Content.Blocks[0].Text
					if p.MaxTokens != 200 {
						t.Errorf("maxTokens = %d", p.MaxTokens)
					}
					return &mcp.CreateMessageResult{Role: mcp.RoleAssistant, Model: "test-model",
						Content: mcp.SamplingBlock(mcp.TextContent("A sturdy mug for hot drinks."))}, nil
				},
			})
			res, err := sess.CallTool(context.Background(), "create_product", map[string]string{"product_name": "Mug", "keywords": "ceramic, coffee"})
			if err != nil {
				t.Fatal(err)
			}
			var p demo.Product
			if err := json.Unmarshal(res.StructuredContent, &p); err != nil || res.IsError {
				t.Fatalf("result %+v: %v", res, err)
			}
			if p.Name != "Mug" || p.Description != "A sturdy mug for hot drinks." || len(p.Keywords) != 2 || p.Keywords[1] != "coffee" {
				t.Fatalf("product = %+v", p)
			}
			if !strings.Contains(prompt, `"Mug"`) || !strings.Contains(prompt, "ceramic, coffee") {
				t.Fatalf("prompt = %q", prompt)
			}
		})
	}
}

// TestMissingCapability: a client without elicitation or sampling gets a clear error at once, in both
// eras: an isError result in a legacy session, -32021 naming the capability at 2026-07-28.
func TestMissingCapability(t *testing.T) {
	calls := []struct {
		tool string
		args map[string]string
		cap  string
	}{
		{"book_trip", map[string]string{"date": demo.FullDate}, "elicitation"},
		{"create_product", map[string]string{"product_name": "x", "keywords": "y"}, "sampling"},
	}
	for _, version := range eras {
		for _, c := range calls {
			t.Run(version+"/"+c.tool, func(t *testing.T) {
				sess := connect(t, version, client.Options{})
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				res, err := sess.CallTool(ctx, c.tool, c.args)
				if version == mcp.Version20251125 {
					if err != nil || !res.IsError || !strings.Contains(text(t, res), "did not declare the "+c.cap) {
						t.Fatalf("res %+v err %v", res, err)
					}
					return
				}
				var rpcErr *jsonrpc.Error
				if !errors.As(err, &rpcErr) || rpcErr.Code != mcp.CodeMissingRequiredClientCapability {
					t.Fatalf("err = %v, want -32021", err)
				}
				var data mcp.MissingCapabilityData
				if err := json.Unmarshal(rpcErr.Data, &data); err != nil {
					t.Fatal(err)
				}
				if c.cap == "elicitation" && data.RequiredCapabilities.Elicitation == nil || c.cap == "sampling" && data.RequiredCapabilities.Sampling == nil {
					t.Fatalf("requiredCapabilities = %s", rpcErr.Data)
				}
			})
		}
	}
}
