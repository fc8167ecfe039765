package proxy

import (
	"reflect"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/mcp"
)

// slowToolResult is what decodeToolResult must equal: the reflective decode with ownFields applied.
func slowToolResult(raw []byte) (*mcp.CallToolResult, error) {
	var res mcp.CallToolResult
	if err := json.Unmarshal(raw, &res); err != nil {
		return nil, err
	}
	ownFields(&res.ResultFields)
	return &res, nil
}

// sameResult compares two results by their encoding (which shows an explicit isError:false too), decoded.
func sameResult(t *testing.T, raw string, got, want *mcp.CallToolResult) {
	t.Helper()
	g, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	w, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	var ga, wa any // compared as values: the order of Extra's members is not fixed
	if err := json.Unmarshal(g, &ga); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(w, &wa); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ga, wa) {
		t.Errorf("%s:\n got %s\nwant %s", raw, g, w)
	}
}

func TestDecodeToolResult(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		fast bool // read by fastToolResult (else by the fallback)
	}{
		{`{"content":[{"type":"text","text":"3"}],"structuredContent":{"result":3}}`, true},
		{`{"content":[{"type":"text","text":"a\"b\u00e9"},{"text":"x","type":"text"}]}`, true},
		{`{"content":[]}`, true},
		{`{}`, true},
		{`{"content":[{"type":"text","text":"no"}],"isError":true}`, true},
		{`{"content":[{"type":"text","text":"ok"}],"isError":false}`, true},
		{`{"_meta":{"io.modelcontextprotocol/serverInfo":{"name":"up","version":"1"}},"resultType":"complete","content":[{"type":"text","text":"3"}]}`, true},
		{`{"_meta":{"io.modelcontextprotocol/serverInfo":{"name":"up"},"x.example/k":{"a":[1]},"progress":1},"content":[]}`, true},
		{`{"structuredContent":[1,2],"content":[]}`, true},
		// other shapes: the fallback
		{`{"content":[{"type":"image","data":"AA==","mimeType":"image/png"}]}`, false},
		{`{"content":[{"type":"text","text":"x","annotations":{"priority":1}}]}`, false},
		{`{"content":[{"type":"text","text":"x","_meta":{"k":1}}]}`, false},
		{`{"content":[{"type":"text"}]}`, false},
		{`{"content":[],"extra":{"k":1}}`, false},
		{`{"content":[],"task":{"taskId":"t"}}`, false},
		{`{"content":null}`, false},
		{`{"content":[],"structuredContent":null}`, false},
	} {
		var fast mcp.CallToolResult
		if got := fastToolResult(jsontext.Value(tc.raw), &fast); got != tc.fast {
			t.Errorf("%s: fast path taken = %v, want %v", tc.raw, got, tc.fast)
		}
		want, err := slowToolResult([]byte(tc.raw))
		if err != nil {
			t.Fatalf("%s: %v", tc.raw, err)
		}
		var got mcp.CallToolResult
		if err := decodeToolResult(jsontext.Value(tc.raw), &got); err != nil {
			t.Fatalf("%s: %v", tc.raw, err)
		}
		sameResult(t, tc.raw, &got, want)
		if got.IsError != want.IsError {
			t.Errorf("%s: IsError = %v, want %v", tc.raw, got.IsError, want.IsError)
		}
	}
}

func TestDecodeToolResultRefuses(t *testing.T) {
	for _, raw := range []string{
		`{"content":[],"content":[]}`,                         // duplicate name
		`{"content":[{"type":"text","text":"a","text":"b"}]}`, // duplicate inside a block
		`{"content":[],"isError":"yes"}`,
		`{"content":[]`,
		`{"content":[]} x`,
		`{"_meta":[],"content":[]}`,
		"{\"content\":[{\"type\":\"text\",\"text\":\"\xff\"}]}",
		`[]`,
	} {
		var res mcp.CallToolResult
		if fastToolResult(jsontext.Value(raw), &res) {
			t.Errorf("%s: read by the fast path, want refused", raw)
		}
		if err := decodeToolResult(jsontext.Value(raw), &res); err == nil {
			t.Errorf("%s: decoded, want an error", raw)
		}
	}
}

// FuzzDecodeToolResult: whatever the upstream sends, decodeToolResult fails exactly when the reflective
// decode does, and otherwise gives the same result.
func FuzzDecodeToolResult(f *testing.F) {
	for _, s := range []string{
		`{"content":[{"type":"text","text":"3"}],"structuredContent":{"result":3}}`,
		`{"_meta":{"io.modelcontextprotocol/serverInfo":{"name":"up"},"k":1},"resultType":"complete","content":[],"isError":false}`,
		`{"content":[{"type":"image","data":"AA=="}]}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		want, werr := slowToolResult([]byte(raw))
		var got mcp.CallToolResult
		gerr := decodeToolResult(jsontext.Value(raw), &got)
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("%q: error %v, reflective decode %v", raw, gerr, werr)
		}
		if werr == nil {
			sameResult(t, raw, &got, want)
		}
	})
}
