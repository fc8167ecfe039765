package mcp

import (
	"bytes"
	"testing"

	"github.com/go-json-experiment/json"
)

// decodeTargets are the types with hand-written JSON methods or catch-all members, where a decoder bug would
// hide.
var decodeTargets = []func() any{
	func() any { return new(Content) },
	func() any { return new(ResourceContents) },
	func() any { return new(CallToolResult) },
	func() any { return new(Completion) },
	func() any { return new(SamplingMessage) },
	func() any { return new(CreateMessageResult) },
	func() any { return new(Tool) },
	func() any { return new(ServerCapabilities) },
	func() any { return new(ClientCapabilities) },
	func() any { return new(RequestParams) },
	func() any { return new(InputRequiredResult) },
}

// FuzzDecode checks that whatever the types accept they write back in a form they read back identically:
// decode → encode → decode → encode is stable, and encoding never fails after a successful decode.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"type":"text","text":""}`,
		`{"type":"tool_result","toolUseId":"a","content":[{"type":"resource","resource":{"uri":"u","blob":""}}]}`,
		`{"uri":"u","text":"t","blob":"b"}`,
		`{"content":[],"isError":false,"structuredContent":[1],"x":{}}`,
		`{"values":[],"hasMore":false,"total":0}`,
		`{"role":"user","content":[{"type":"tool_use","id":"1","name":"n","input":{}}]}`,
		`{"role":"assistant","content":{"type":"image","data":"","mimeType":"a"},"model":"m","_meta":{"k":1}}`,
		`{"name":"t","inputSchema":{"type":"object"},"annotations":{"readOnlyHint":false}}`,
		`{"tools":{"listChanged":true,"z":1},"tasks":{}}`,
		`{"elicitation":{"form":{}},"sampling":{"tools":{}},"extensions":{"a/b":{}}}`,
		`{"_meta":{"progressToken":1,"io.modelcontextprotocol/protocolVersion":"2026-07-28","traceparent":"x"}}`,
		`{"resultType":"input_required","inputRequests":{"a":{"method":"roots/list"}},"requestState":"s"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, newValue := range decodeTargets {
			v := newValue()
			if json.Unmarshal(data, v) != nil {
				continue
			}
			first, err := json.Marshal(v, json.Deterministic(true))
			if err != nil {
				t.Fatalf("%T decoded %q but does not encode: %v", v, data, err)
			}
			w := newValue()
			if err := json.Unmarshal(first, w); err != nil {
				t.Fatalf("%T wrote %s, which it cannot read: %v", v, first, err)
			}
			second, err := json.Marshal(w, json.Deterministic(true))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(first, second) {
				t.Fatalf("%T is not stable:\n first %s\nsecond %s", v, first, second)
			}
		}
	})
}
