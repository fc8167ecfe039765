package mcp_test

import (
	"fmt"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/mcpkit/mcpkit/mcp"
)

func ExampleNegotiate() {
	fmt.Println(mcp.Negotiate("2025-03-26")) // a legacy version mcpkit speaks
	fmt.Println(mcp.Negotiate("2026-07-28")) // modern versions have no initialize
	fmt.Println(mcp.EraOf("2026-07-28"), mcp.EraOf("2025-06-18"))
	// Output:
	// 2025-03-26
	// 2025-11-25
	// modern legacy
}

func ExampleCallToolResult() {
	res := mcp.CallToolResult{
		Content: []mcp.Content{mcp.TextContent("72°F"), mcp.ImageContent([]byte("png…"), "image/png")},
	}
	legacy, _ := json.Marshal(res)
	fmt.Println(string(legacy))

	// A modern server also sets resultType and identifies itself.
	res.ResultType = mcp.ResultComplete
	res.Meta = &mcp.ResultMeta{ServerInfo: &mcp.Implementation{Name: "demo", Version: "1.0.0"}}
	modern, _ := json.Marshal(res)
	fmt.Println(string(modern))
	// Output:
	// {"content":[{"type":"text","text":"72°F"},{"type":"image","data":"cG5n4oCm","mimeType":"image/png"}]}
	// {"_meta":{"io.modelcontextprotocol/serverInfo":{"name":"demo","version":"1.0.0"}},"resultType":"complete","content":[{"type":"text","text":"72°F"},{"type":"image","data":"cG5n4oCm","mimeType":"image/png"}]}
}

func ExampleListToolsResult() {
	res := mcp.ListToolsResult{
		ResultFields: mcp.ResultFields{ResultType: mcp.ResultComplete},
		CacheHints:   mcp.NewCacheHints(5*time.Minute, mcp.CacheScopePublic),
		Tools:        []mcp.Tool{{Name: "now", Description: "The time"}},
	}
	b, _ := json.Marshal(res)
	fmt.Println(string(b))
	// Output:
	// {"resultType":"complete","ttlMs":300000,"cacheScope":"public","tools":[{"name":"now","description":"The time","inputSchema":{"type":"object"}}]}
}

func ExampleNewInputRequiredResult() {
	ask, _ := mcp.NewInputRequest(mcp.MethodElicitationCreate, mcp.ElicitParams{
		Message:         "Which date?",
		RequestedSchema: []byte(`{"type":"object","properties":{"date":{"type":"string","format":"date"}}}`),
	})
	res := mcp.NewInputRequiredResult(mcp.InputRequests{"date": ask}, "sealed-state")
	b, _ := json.Marshal(res)
	fmt.Println(string(b))
	// Output:
	// {"resultType":"input_required","inputRequests":{"date":{"method":"elicitation/create","params":{"message":"Which date?","requestedSchema":{"type":"object","properties":{"date":{"type":"string","format":"date"}}}}}},"requestState":"sealed-state"}
}

func ExampleLoggingLevel_AtLeast() {
	threshold := mcp.LevelWarning
	for _, l := range []mcp.LoggingLevel{mcp.LevelInfo, mcp.LevelWarning, mcp.LevelCritical} {
		fmt.Println(l, l.AtLeast(threshold))
	}
	// Output:
	// info false
	// warning true
	// critical true
}

func ExampleTextResource() {
	for _, rc := range []mcp.ResourceContents{
		mcp.TextResource("file:///empty.txt", "text/plain", ""),
		mcp.BlobResource("file:///one.bin", "application/octet-stream", []byte{1}),
	} {
		b, _ := json.Marshal(rc)
		fmt.Println(string(b))
	}
	// Output:
	// {"uri":"file:///empty.txt","mimeType":"text/plain","text":""}
	// {"uri":"file:///one.bin","mimeType":"application/octet-stream","blob":"AQ=="}
}
