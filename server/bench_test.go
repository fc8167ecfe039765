package server_test

import (
	"context"
	"testing"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

type benchArgs struct {
	A int `json:"a"`
	B int `json:"b"`
}

// BenchmarkInProcessToolCall measures one typed tools/call end to end: client encode → in-memory transport →
// server decode, validate, dispatch, typed handler, encode → client decode. Both sides' allocations count.
func BenchmarkInProcessToolCall(b *testing.B) {
	for _, v := range []string{mcp.Version20260728, mcp.Version20251125} {
		b.Run(v, func(b *testing.B) {
			s := server.New("bench", "1", nil)
			server.Tool(s, "add", "add", func(ctx context.Context, in benchArgs) (int, error) { return in.A + in.B, nil })
			sess := connectB(b, s, v)
			ctx := context.Background()
			args := benchArgs{A: 1, B: 2}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				res, err := sess.CallTool(ctx, "add", &args)
				if err != nil || res.IsError {
					b.Fatal(err, res)
				}
			}
		})
	}
}

func connectB(b *testing.B, s *server.Server, version string) *client.Session {
	b.Helper()
	stream := serveB(b, s)
	sess, err := client.Connect(context.Background(), stream, &client.Options{ProtocolVersion: version})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { sess.Close() })
	return sess
}
