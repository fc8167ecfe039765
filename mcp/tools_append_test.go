package mcp

import (
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// TestCallToolResultAppendJSON: the fast encoder writes exactly what json.Marshal writes, and declines
// what it does not handle.
func TestCallToolResultAppendJSON(t *testing.T) {
	size := int64(3)
	cases := []struct {
		name string
		r    CallToolResult
		fast bool
	}{
		{"empty", CallToolResult{Content: []Content{}}, true},
		{"text", CallToolResult{Content: []Content{TextContent("héllo \"x\" <tag> \u2028 \n")}}, true},
		{"structured", CallToolResult{Content: []Content{TextContent("3")}, StructuredContent: jsontext.Value(`{"result":3}`)}, true},
		{"error", CallToolResult{Content: []Content{TextContent("bad"), TextContent("")}, IsError: true}, true},
		{"explicit false", CallToolResult{Content: []Content{}, explicitFalse: true}, true},
		{"modern", CallToolResult{ResultFields: ResultFields{ResultType: ResultComplete, Meta: &ResultMeta{ServerInfo: &Implementation{Name: "s", Version: "1", Title: "T", WebsiteURL: "https://x"}}}, Content: []Content{TextContent("a")}}, true},
		{"meta without server info", CallToolResult{ResultFields: ResultFields{Meta: &ResultMeta{}}, Content: []Content{}}, true},
		{"image", CallToolResult{Content: []Content{ImageContent([]byte("hi"), "image/png")}}, false},
		{"annotated", CallToolResult{Content: []Content{{Type: ContentTypeText, Text: "a", Annotations: &Annotations{Priority: new(0.5)}}}}, false},
		{"link size", CallToolResult{Content: []Content{{Type: ContentTypeText, Text: "a", Size: &size}}}, false},
		{"extra", CallToolResult{ResultFields: ResultFields{Extra: map[string]jsontext.Value{"x": jsontext.Value(`1`)}}, Content: []Content{}}, false},
		{"bad utf8", CallToolResult{Content: []Content{TextContent("a\xffb")}}, false},
	}
	for _, c := range cases {
		got, ok := c.r.AppendJSON([]byte("prefix"))
		if ok != c.fast {
			t.Errorf("%s: fast = %v, want %v", c.name, ok, c.fast)
			continue
		}
		if !ok {
			if string(got) != "prefix" {
				t.Errorf("%s: declined but changed dst: %q", c.name, got)
			}
			continue
		}
		want, err := json.Marshal(&c.r)
		if err != nil {
			t.Fatal(err)
		}
		if string(got[len("prefix"):]) != string(want) {
			t.Errorf("%s:\n fast %s\n json %s", c.name, got[len("prefix"):], want)
		}
	}
}
