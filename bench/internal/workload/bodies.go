package workload

import (
	"strconv"
)

// Body is a pre-encoded JSON-RPC request split around its id, so a request with any id costs two
// appends. Every SDK receives exactly these bytes.
type Body struct {
	prefix, suffix []byte
}

// Append appends the request with the given id to dst.
func (b Body) Append(dst []byte, id int64) []byte {
	dst = append(dst, b.prefix...)
	dst = strconv.AppendInt(dst, id, 10)
	return append(dst, b.suffix...)
}

// Len is the encoded length of the request with the given id.
func (b Body) Len(id int64) int {
	n := 1
	if id < 0 {
		n++
		id = -id
	}
	for id >= 10 {
		n++
		id /= 10
	}
	return len(b.prefix) + n + len(b.suffix)
}

func body(method, params string) Body {
	return Body{
		prefix: []byte(`{"jsonrpc":"2.0","id":`),
		suffix: []byte(`,"method":"` + method + `","params":` + params + `}`),
	}
}

// modernMeta is the _meta a 2026-07-28 client puts on every request.
const modernMeta = `"_meta":{"io.modelcontextprotocol/protocolVersion":"` + ModernVersion +
	`","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"mcpbench","version":"1"}}`

// Initialize is the legacy initialize request.
var Initialize = body("initialize",
	`{"protocolVersion":"`+LegacyVersion+`","capabilities":{},"clientInfo":{"name":"mcpbench","version":"1"}}`)

// Initialized is the notifications/initialized notification that completes the legacy handshake.
var Initialized = []byte(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)

// Call returns the tools/call request for tool in the legacy era (modern false) or the modern one.
func Call(tool string, modern bool) Body {
	args := `{}`
	if tool == ToolAdd {
		args = `{"a":` + strconv.Itoa(AddA) + `,"b":` + strconv.Itoa(AddB) + `}`
	}
	params := `{"name":"` + tool + `","arguments":` + args
	if modern {
		params += "," + modernMeta
	}
	return body("tools/call", params+"}")
}
