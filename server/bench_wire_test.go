package server_test

import (
	"bytes"
	"context"
	"strconv"
	"testing"

	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

// BenchmarkServerToolCallWire measures the server alone: request bytes in → decode → dispatch → typed
// handler → encode → response bytes out, over the in-memory stream (which copies each message once). No
// client library is involved, unlike BenchmarkInProcessToolCall.
func BenchmarkServerToolCallWire(b *testing.B) {
	meta := `,"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}`
	for _, c := range []struct{ name, meta string }{{mcp.Version20251125, ""}, {mcp.Version20260728, meta}} {
		b.Run(c.name, func(b *testing.B) {
			s := server.New("bench", "1", nil)
			server.Tool(s, "add", "add", func(ctx context.Context, in benchArgs) (int, error) { return in.A + in.B, nil })
			stream := serveB(b, s)
			ctx := context.Background()
			roundTrip := func(msg []byte) []byte {
				if err := stream.Write(ctx, msg); err != nil {
					b.Fatal(err)
				}
				reply, err := stream.Read(ctx)
				if err != nil {
					b.Fatal(err)
				}
				return reply
			}
			if c.meta == "" {
				roundTrip([]byte(`{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"` + c.name + `","capabilities":{},"clientInfo":{"name":"b","version":"1"}}}`))
				if err := stream.Write(ctx, []byte(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)); err != nil {
					b.Fatal(err)
				}
			}
			prefix := []byte(`{"jsonrpc":"2.0","id":`)
			suffix := []byte(`,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}` + c.meta + `}}`)
			var msg []byte
			id := 0
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				id++
				msg = append(strconv.AppendInt(append(msg[:0], prefix...), int64(id), 10), suffix...)
				if reply := roundTrip(msg); !bytes.Contains(reply, []byte(`"text":"3"`)) {
					b.Fatalf("reply %s", reply)
				}
			}
		})
	}
}
