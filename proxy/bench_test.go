package proxy_test

import (
	"context"
	"testing"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/mcp"
)

// BenchmarkToolsCall is tools/call add against the demo in process over memory pipes, directly and through
// the proxy, with both hops in the same era: the proxy's cost per forwarded call (one more decode, dispatch
// and encode on each side of the hop).
func BenchmarkToolsCall(b *testing.B) {
	for _, version := range []string{mcp.Version20251125, mcp.Version20260728} {
		b.Run("direct/"+version, func(b *testing.B) {
			sess, stop := connectDirect(b, version)
			defer stop()
			benchAdd(b, context.Background(), sess)
		})
		b.Run("proxy/"+version, func(b *testing.B) {
			r := newRig(b, version, version, client.Options{})
			benchAdd(b, context.Background(), r.down)
		})
	}
}

func benchAdd(b *testing.B, ctx context.Context, sess *client.Session) {
	args := map[string]int{"a": 1, "b": 2}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		res, err := sess.CallTool(ctx, "add", args)
		if err != nil || res.IsError {
			b.Fatalf("add = %+v, %v", res, err)
		}
	}
}

func connectDirect(b *testing.B, version string) (*client.Session, func()) {
	b.Helper()
	stream := serve(b, demo.New())
	sess, err := client.Connect(context.Background(), stream, &client.Options{ProtocolVersion: version})
	if err != nil {
		b.Fatal(err)
	}
	return sess, func() { sess.Close() }
}
