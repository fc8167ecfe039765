package jsonrpc_test

import (
	"context"
	"testing"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/transport/memory"
)

// BenchmarkCallRaw measures one request and its response between two connections over an in-memory pipe:
// both sides' allocations, including the caller's pending-request bookkeeping.
func BenchmarkCallRaw(b *testing.B) {
	x, y := memory.Pipe()
	srv := jsonrpc.NewConn(x, jsonrpc.ConnOptions{Handler: handlerFunc{req: func(ctx context.Context, m *jsonrpc.Message) (jsontext.Value, error) {
		return m.Params, nil
	}}})
	cli := jsonrpc.NewConn(y, jsonrpc.ConnOptions{})
	srv.Start()
	cli.Start()
	defer func() {
		cli.Close()
		srv.Close()
		cli.Wait()
		srv.Wait()
	}()
	ctx := context.Background()
	params := jsontext.Value(`{"a":1}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := cli.CallRaw(ctx, "echo", params); err != nil {
			b.Fatal(err)
		}
	}
}
