package server_test

import (
	"context"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

type bookingPrefs struct {
	CheckAlternative bool   `json:"checkAlternative"`
	AlternativeDate  string `json:"alternativeDate,omitempty" jsonschema:"format=date,default=2024-12-26"`
	Seats            int    `json:"seats,omitempty" jsonschema:"default=2"`
	Note             string `json:"note,omitempty"`
}

// TestElicitAppliesDefaults: fields the client leaves out of accepted content take the schema's declared
// defaults (the README's book_trip otherwise books "for " an empty date); fields it sends are kept.
func TestElicitAppliesDefaults(t *testing.T) {
	s := server.New("t", "1", nil)
	server.Tool(s, "book_trip", "", func(ctx context.Context, _ noArgs) (bookingPrefs, error) {
		ans, err := server.Elicit[bookingPrefs](ctx, "another date?")
		if err != nil {
			return bookingPrefs{}, err
		}
		return ans.Content, nil
	})
	for _, v := range []string{mcp.Version20251125, mcp.Version20260728} {
		for _, tc := range []struct {
			content string
			want    bookingPrefs
		}{
			{`{"checkAlternative":true}`, bookingPrefs{CheckAlternative: true, AlternativeDate: "2024-12-26", Seats: 2}},
			{`{"checkAlternative":true,"seats":5,"alternativeDate":"2025-01-02","note":"x"}`, bookingPrefs{true, "2025-01-02", 5, "x"}},
			{` { "checkAlternative" : false } `, bookingPrefs{AlternativeDate: "2024-12-26", Seats: 2}},
		} {
			sess := connect(t, s, &client.Options{
				ProtocolVersion: v,
				OnElicit: func(ctx context.Context, p *mcp.ElicitParams) (*mcp.ElicitResult, error) {
					return &mcp.ElicitResult{Action: mcp.ElicitActionAccept, Content: jsontext.Value(tc.content)}, nil
				},
			})
			res, err := sess.CallTool(context.Background(), "book_trip", nil)
			if err != nil || res.IsError {
				t.Fatalf("%s %s: %+v %v", v, tc.content, res, err)
			}
			var got bookingPrefs
			if err := json.Unmarshal(res.StructuredContent, &got); err != nil || got != tc.want {
				t.Fatalf("%s %s: content = %+v (%v), want %+v", v, tc.content, got, err, tc.want)
			}
		}
	}
}
