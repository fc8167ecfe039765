package jsonrpc_test

import (
	"context"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/jsonrpc"
)

// TestIDEchoedExactly: the reply carries the request's id exactly as the peer wrote it, including numbers
// that do not round-trip through int64 or that are not written in canonical integer form.
func TestIDEchoedExactly(t *testing.T) {
	send, recv := rawPeer(t, jsonrpc.ConnOptions{Handler: echo()})
	for _, id := range []string{
		`1`, `-9223372036854775808`, `9223372036854775807`, // int64 bounds: the unboxed form
		`-9223372036854775809`, `9223372036854775808`, `123456789012345678901234567890`,
		`1e3`, `1E3`, `1e+3`, `1.0`, `2.50e1`, `-0`, `0.0`, `0e5`,
		`"\u0061"`,
	} {
		send(`{"jsonrpc":"2.0","id":` + id + `,"method":"echo","params":{}}`)
		want := `{"jsonrpc":"2.0","id":` + id + `,"result":{}}`
		if id == `"\u0061"` {
			want = `{"jsonrpc":"2.0","id":"a","result":{}}` // strings are compared and echoed by value
		}
		if got := recv(); got != want {
			t.Errorf("id %s answered as %s", id, got)
		}
	}
	// Numbers that are not integers are refused, and the refusal still names the id as it was written.
	for _, id := range []string{`1e-400`, `1.5`, `-0.25e1`} {
		send(`{"jsonrpc":"2.0","id":` + id + `,"method":"echo","params":{}}`)
		got := recv()
		if !strings.HasPrefix(got, `{"jsonrpc":"2.0","id":`+id+`,"error":{"code":-32600,`) {
			t.Errorf("id %s answered as %s", id, got)
		}
	}
}

// TestDuplicateRawIDInFlight: an id kept as written (not an int64) is still detected as a duplicate while
// the first request with it is in flight; the same value written differently is a different id.
func TestDuplicateRawIDInFlight(t *testing.T) {
	release := make(chan struct{})
	h := handlerFunc{req: func(ctx context.Context, m *jsonrpc.Message) (jsontext.Value, error) {
		if m.Method == "block" {
			select {
			case <-release:
			case <-ctx.Done():
			}
		}
		return jsontext.Value(`{}`), nil
	}}
	send, recv := rawPeer(t, jsonrpc.ConnOptions{Handler: h})
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()
	send(`{"jsonrpc":"2.0","id":1e3,"method":"block"}`)
	send(`{"jsonrpc":"2.0","id":1e3,"method":"block"}`)
	if got := recv(); !strings.Contains(got, `"id":1e3,"error"`) || !strings.Contains(got, "already in use") {
		t.Fatalf("duplicate id answered with %s", got)
	}
	send(`{"jsonrpc":"2.0","id":1000,"method":"quick"}`)
	if got := recv(); got != `{"jsonrpc":"2.0","id":1000,"result":{}}` {
		t.Fatalf("id 1000 while 1e3 is in flight: %s", got)
	}
	close(release)
	if got := recv(); got != `{"jsonrpc":"2.0","id":1e3,"result":{}}` {
		t.Fatalf("first request: %s", got)
	}
}

// TestCancelByRawID: a cancellation names the request by its id as written.
func TestCancelByRawID(t *testing.T) {
	started := make(chan struct{})
	h := handlerFunc{req: func(ctx context.Context, m *jsonrpc.Message) (jsontext.Value, error) {
		if m.Method != "block" {
			return jsontext.Value(`{}`), nil
		}
		close(started)
		<-ctx.Done()
		return nil, ctx.Err()
	}}
	send, recv := rawPeer(t, jsonrpc.ConnOptions{Handler: h, CancelMethod: "cancel"})
	send(`{"jsonrpc":"2.0","id":-9223372036854775809,"method":"block"}`)
	<-started
	send(`{"jsonrpc":"2.0","method":"cancel","params":{"requestId":-9223372036854775809}}`)
	send(`{"jsonrpc":"2.0","id":7,"method":"next"}`)
	if got := recv(); !strings.Contains(got, `"id":7`) {
		t.Fatalf("a cancelled request must get no reply; got %s", got)
	}
}

// TestIDReusableOnceAnswered: an id may be used again as soon as its answer arrived (the connection
// releases it before writing the answer, not after): a client that numbers requests 1, 1, 1… one at a
// time is never told the id is in use. It was, now and then: the id was released after the answer left.
func TestIDReusableOnceAnswered(t *testing.T) {
	send, recv := rawPeer(t, jsonrpc.ConnOptions{Handler: echo()})
	for i := range 2000 {
		send(`{"jsonrpc":"2.0","id":7,"method":"echo","params":{}}`)
		if got := recv(); got != `{"jsonrpc":"2.0","id":7,"result":{}}` {
			t.Fatalf("request %d with id 7 once the previous one was answered: %s", i, got)
		}
	}
}
