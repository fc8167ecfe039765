package jsonrpc_test

import (
	"context"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/jsonrpc"
)

// TestErrorsQuoteInputBounded: error messages quote caller input (method names, ids, decoder details)
// only up to a small bound.
func TestErrorsQuoteInputBounded(t *testing.T) {
	huge := strings.Repeat("m", 300<<10)            // far beyond any bound; 3 MB makes no difference but time under -race
	send, recv := rawPeer(t, jsonrpc.ConnOptions{}) // no handler: "method not found"
	for _, msg := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"` + huge + `"}`,
		`{"jsonrpc":"2.0","id":2,"method":"x","` + huge + `":1,"` + huge + `":2}`, // duplicate member
		`{"jsonrpc":"2.0","id":3,"method":"x","params":{"` + huge + `":1,"` + huge + `":2}}`,
		`{"jsonrpc":"2.0","id":4,"method":"x","params":{"a":` + huge + `}}`,
	} {
		send(msg)
		got := recv()
		m, err := jsonrpc.DecodeMessage([]byte(got))
		if err != nil || m.Error == nil {
			t.Fatalf("reply %.200s: %v", got, err)
		}
		if len(m.Error.Message) > 512 {
			t.Errorf("error message of %d bytes: %.200s…", len(m.Error.Message), m.Error.Message)
		}
	}
	// Two requests in flight with the same huge string id: the duplicate error names it briefly.
	release := make(chan struct{})
	defer close(release)
	h := handlerFunc{req: func(ctx context.Context, m *jsonrpc.Message) (jsontext.Value, error) {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return nil, nil
	}}
	send, recv = rawPeer(t, jsonrpc.ConnOptions{Handler: h})
	id := `"` + huge + `"`
	send(`{"jsonrpc":"2.0","id":` + id + `,"method":"a"}`)
	send(`{"jsonrpc":"2.0","id":` + id + `,"method":"a"}`)
	m, err := jsonrpc.DecodeMessage([]byte(recv()))
	if err != nil || m.Error == nil || len(m.Error.Message) > 512 {
		t.Fatalf("duplicate huge id: %v, %d bytes of message", err, len(m.Error.Message))
	}
}
