package jsonrpc

import (
	"bytes"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// FuzzDecodeBatch checks batch decoding: a batch either fails as a whole with a parse error or an invalid
// request, or yields one message or one error per element, in order; an element of a well-formed array is
// never a parse error; every decoded element re-encodes to a fixed point (encode → decode → encode gives
// the same bytes, with the same id, method, params and result), and the batch of the re-encoded elements
// decodes to the same messages.
func FuzzDecodeBatch(f *testing.F) {
	for _, s := range []string{
		`[{"jsonrpc":"2.0","id":1,"method":"ping"}]`,
		`[{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}},{"jsonrpc":"2.0","method":"notifications/initialized"}]`,
		`[{"jsonrpc":"2.0","id":1,"result":{}},{"jsonrpc":"2.0","id":2,"error":{"code":-32601,"message":"x","data":[1]}}]`,
		`[1,"x",null,{}]`,
		`[]`,
		`[[]]`,
		`[{"jsonrpc":"2.0","id":1e3,"method":"a"},{"jsonrpc":"2.0","id":-9223372036854775809,"method":"b"}]`,
		`[{"jsonrpc":"2.0","id":null,"method":"a"},{"jsonrpc":"2.0","id":true,"method":"b"}]`,
		`[{"jsonrpc":"2.0","id":1,"method":"a","method":"b"}]`,
		` [ {"jsonrpc":"2.0","id":1,"method":"ping"} ] `,
		`[{"jsonrpc":"2.0","id":1,"method":"ping"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !IsBatch(data) {
			return
		}
		msgs, errs, err := DecodeBatch(data)
		if err != nil {
			if c := ErrorCode(err); c != CodeParseError && c != CodeInvalidRequest {
				t.Fatalf("batch error code %d: %v", c, err)
			}
			return
		}
		var elems []jsontext.Value
		if err := json.Unmarshal(data, &elems); err != nil {
			t.Fatalf("DecodeBatch accepted %q, which is not an array: %v", data, err)
		}
		if len(msgs) != len(elems) || len(errs) != len(elems) || len(elems) == 0 {
			t.Fatalf("%d elements gave %d messages and %d errors", len(elems), len(msgs), len(errs))
		}
		var again bytes.Buffer
		again.WriteByte('[')
		var kept []*Message
		for i, m := range msgs {
			if errs[i] != nil {
				if c := ErrorCode(errs[i]); c != CodeInvalidRequest {
					t.Fatalf("element %d (%s) of a well-formed batch: code %d: %v", i, elems[i], c, errs[i])
				}
				continue
			}
			if m == nil {
				t.Fatalf("element %d: neither a message nor an error", i)
			}
			checkFixedPoint(t, m)
			if len(kept) > 0 {
				again.WriteByte(',')
			}
			again.Write(AppendMessage(nil, m))
			kept = append(kept, m)
		}
		if len(kept) == 0 {
			return
		}
		again.WriteByte(']')
		msgs2, errs2, err := DecodeBatch(again.Bytes())
		if err != nil || len(msgs2) != len(kept) {
			t.Fatalf("the re-encoded batch %s: %v, %d messages", again.Bytes(), err, len(msgs2))
		}
		for i, m := range msgs2 {
			if errs2[i] != nil || !bytes.Equal(AppendMessage(nil, m), AppendMessage(nil, kept[i])) {
				t.Fatalf("element %d changed in the re-encoded batch: %v", i, errs2[i])
			}
		}
	})
}

// checkFixedPoint checks that m, once encoded, decodes to a message that encodes to the same bytes.
func checkFixedPoint(t *testing.T, m *Message) {
	t.Helper()
	first := AppendMessage(nil, m)
	m2, err := DecodeMessage(first)
	if err != nil {
		t.Fatalf("%s (encoded from a decoded message) does not decode: %v", first, err)
	}
	if m2.ID != m.ID || m2.Method != m.Method || !bytes.Equal(m2.Params, m.Params) || !bytes.Equal(m2.Result, m.Result) {
		t.Fatalf("round trip changed the message:\n%s\n%s", first, AppendMessage(nil, m2))
	}
	if second := AppendMessage(nil, m2); !bytes.Equal(first, second) {
		t.Fatalf("encoding is not a fixed point:\n%s\n%s", first, second)
	}
}
