package jsonrpc

import (
	"strings"
	"testing"
)

func TestDecodeMessage(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		wantCode int64 // 0 = valid
		kind     string
		id       string
	}{
		{"request int id", `{"jsonrpc":"2.0","id":1,"method":"ping"}`, 0, "request", "1"},
		{"request string id", `{"jsonrpc":"2.0","id":"a\u0062","method":"ping","params":{}}`, 0, "request", `"ab"`},
		{"integral float id", `{"jsonrpc":"2.0","id":2.0,"method":"ping"}`, 0, "request", "2.0"},
		{"id beyond int64", `{"jsonrpc":"2.0","id":-9223372036854775809,"method":"ping"}`, 0, "request", "-9223372036854775809"},
		{"notification", `{"jsonrpc":"2.0","method":"notifications/initialized"}`, 0, "notification", "null"},
		{"result", `{"jsonrpc":"2.0","id":7,"result":{"x":1}}`, 0, "response", "7"},
		{"error null id", `{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"bad"}}`, 0, "response", "null"},
		{"not json", `{"jsonrpc":"2.0",`, CodeParseError, "", ""},
		{"garbage", `hello`, CodeParseError, "", ""},
		{"wrong version", `{"jsonrpc":"1.0","id":1,"method":"ping"}`, CodeInvalidRequest, "", "1"},
		{"missing version", `{"id":1,"method":"ping"}`, CodeInvalidRequest, "", "1"},
		{"case sensitive names", `{"jsonrpc":"2.0","id":1,"Method":"ping"}`, CodeInvalidRequest, "", "1"},
		{"duplicate member", `{"jsonrpc":"2.0","id":1,"method":"a","method":"b"}`, CodeInvalidRequest, "", "1"},
		{"null id request", `{"jsonrpc":"2.0","id":null,"method":"ping"}`, CodeInvalidRequest, "", ""},
		{"object id", `{"jsonrpc":"2.0","id":{},"method":"ping"}`, CodeInvalidRequest, "", ""},
		{"fractional id", `{"jsonrpc":"2.0","id":1.5,"method":"ping"}`, CodeInvalidRequest, "", "1.5"},
		{"tiny id", `{"jsonrpc":"2.0","id":1e-400,"method":"ping"}`, CodeInvalidRequest, "", "1e-400"},
		{"params scalar", `{"jsonrpc":"2.0","id":1,"method":"ping","params":3}`, CodeInvalidRequest, "", "1"},
		{"method wrong type", `{"jsonrpc":"2.0","id":4,"method":3}`, CodeInvalidRequest, "", "4"},
		{"both result and error", `{"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":"x"}}`, CodeInvalidRequest, "", "1"},
		{"nothing", `{"jsonrpc":"2.0"}`, CodeInvalidRequest, "", ""},
		{"id without method or result", `{"jsonrpc":"2.0","id":3}`, CodeInvalidRequest, "", "3"},
		{"array is not a message", `[1]`, CodeInvalidRequest, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := DecodeMessage([]byte(tt.in))
			if tt.wantCode != 0 {
				if ErrorCode(err) != tt.wantCode {
					t.Fatalf("err = %v, want code %d", err, tt.wantCode)
				}
				if tt.id != "" && m.ID.Raw() != tt.id {
					t.Errorf("salvaged id = %s, want %s", m.ID.Raw(), tt.id)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			var kind string
			switch {
			case m.IsRequest():
				kind = "request"
			case m.IsNotification():
				kind = "notification"
			case m.IsResponse():
				kind = "response"
			}
			if kind != tt.kind {
				t.Errorf("kind = %s, want %s", kind, tt.kind)
			}
			if m.ID.Raw() != tt.id {
				t.Errorf("id = %s, want %s", m.ID.Raw(), tt.id)
			}
		})
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	msgs := []*Message{
		{ID: Int64ID(42), Method: "tools/call", Params: []byte(`{"name":"add"}`)},
		{Method: "notifications/progress", Params: []byte(`{"progress":1}`)},
		{ID: StringID("x\"y"), Result: []byte(`{"ok":true}`)},
		{ID: Int64ID(3), Error: &Error{Code: -32601, Message: "method \"x\" not found", Data: []byte(`{"m":"x"}`)}},
	}
	for _, want := range msgs {
		b := AppendMessage(nil, want)
		got, err := DecodeMessage(b)
		if err != nil {
			t.Fatalf("decode %s: %v", b, err)
		}
		if got.ID != want.ID || got.Method != want.Method || string(got.Params) != string(want.Params) || string(got.Result) != string(want.Result) {
			t.Errorf("round trip of %s = %+v", b, got)
		}
		if (got.Error == nil) != (want.Error == nil) || (got.Error != nil && (got.Error.Code != want.Error.Code || got.Error.Message != want.Error.Message || string(got.Error.Data) != string(want.Error.Data))) {
			t.Errorf("error round trip of %s = %+v", b, got.Error)
		}
	}
}

func TestDecodeBatch(t *testing.T) {
	msgs, errs, err := DecodeBatch([]byte(`[{"jsonrpc":"2.0","id":1,"method":"a"},{"bad":true},{"jsonrpc":"2.0","method":"n"}]`))
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 3 || errs[0] != nil || errs[1] == nil || errs[2] != nil {
		t.Fatalf("msgs=%d errs=%v", len(msgs), errs)
	}
	if _, _, err := DecodeBatch([]byte(`[]`)); ErrorCode(err) != CodeInvalidRequest || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty batch: %v", err)
	}
	if _, _, err := DecodeBatch([]byte(`[{`)); ErrorCode(err) != CodeParseError {
		t.Errorf("broken batch: %v", err)
	}
}

func FuzzDecodeMessage(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"ping"}`,
		`{"jsonrpc":"2.0","id":"x","result":{}}`,
		`{"jsonrpc":"2.0","method":"n","params":[1,2]}`,
		`[{"jsonrpc":"2.0","id":1,"method":"a"}]`,
		`{"jsonrpc":"2.0","id":1e2,"error":{"code":-1,"message":""}}`,
		`{"jsonrpc":"2.0","id":-9223372036854775809,"method":"m"}`,
		`{"jsonrpc":"2.0","id":2.50e1,"method":"m"}`,
		`{"jsonrpc":"2.0","id":1e-400,"method":"m"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if IsBatch(data) {
			_, _, _ = DecodeBatch(data)
			return
		}
		m, err := DecodeMessage(data)
		if err != nil {
			if c := ErrorCode(err); c != CodeParseError && c != CodeInvalidRequest {
				t.Fatalf("unexpected error code %d: %v", c, err)
			}
			return
		}
		// Whatever decodes must re-encode to something that decodes to the same message.
		again, err := DecodeMessage(AppendMessage(nil, m))
		if err != nil {
			t.Fatalf("re-encoded message does not decode: %v", err)
		}
		if again.ID != m.ID || again.Method != m.Method || idChanged(t, data, m.ID) {
			t.Fatalf("round trip changed the message: %+v vs %+v", m, again)
		}
	})
}

// idChanged reports whether a decoded number id differs from the "id" member of data as written (ids with
// an escaped member name are not checked).
func idChanged(t *testing.T, data []byte, id ID) bool {
	v, err := Member(data, "id")
	if err != nil {
		t.Fatal(err)
	}
	return v != nil && id.IsValid() && !id.IsString() && id.Raw() != string(v)
}
