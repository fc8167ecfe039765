package client

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	"github.com/go-json-experiment/json/jsontext"
)

// Call sends one request with params (a JSON object, or nil for none) in the session's era and returns
// its result as the server sent it, undecoded: for tools that print results without losing the members
// mcpkit's types do not know. A params object whose first member is "_meta" keeps it: in the 2026-07-28
// era its members are merged with the per-request _meta the session adds (whose keys they must not
// repeat). An input_required result is driven to its end as the typed calls do.
func (s *Session) Call(ctx context.Context, method string, params jsontext.Value) (jsontext.Value, error) {
	if params == nil {
		params = jsontext.Value("{}")
	}
	if params.Kind() != '{' || !params.IsValid() {
		return nil, fmt.Errorf("client: %s params must be a JSON object", method)
	}
	return s.callEncodedAs(ctx, method, params, s.tasksOn)
}

// leadingMeta splits params whose first member is "_meta" with an object value: it returns that
// object's members and params without the member. Other params come back unchanged, with no members.
func leadingMeta(params []byte) (members, rest []byte) {
	const prefix = `{"_meta":{`
	if !bytes.HasPrefix(params, []byte(prefix)) {
		return nil, params
	}
	dec := jsontext.NewDecoder(bytes.NewReader(params))
	if _, err := dec.ReadToken(); err != nil { // {
		return nil, params
	}
	if _, err := dec.ReadToken(); err != nil { // "_meta"
		return nil, params
	}
	val, err := dec.ReadValue()
	if err != nil {
		return nil, params
	}
	end := int(dec.InputOffset())
	after := bytes.TrimLeft(params[end:], " \t\r\n")
	after = bytes.TrimPrefix(after, []byte(","))
	rest = append([]byte{'{'}, after...)
	return bytes.TrimSpace(val[1 : len(val)-1]), rest
}

// withoutKeys returns members (the members of a JSON object, without its braces, as leadingMeta returns
// them) without those whose name is the key of one of extra: a key must not appear twice in _meta (a
// strict peer refuses the request), and the member a middleware set wins over the caller's — a proxy
// forwarding its caller's traceparent through a traced session sends its own span's. members are
// returned unchanged when none is dropped or they do not parse.
func withoutKeys(members []byte, extra []metaMember) []byte {
	dec := jsontext.NewDecoder(bytes.NewReader(slices.Concat([]byte{'{'}, members, []byte{'}'})))
	if _, err := dec.ReadToken(); err != nil {
		return members
	}
	var out []byte
	dropped := false
	for dec.PeekKind() == '"' {
		start := int(dec.InputOffset()) - 1 // offsets are of the wrapped text: one '{' before members
		tok, err := dec.ReadToken()
		if err != nil {
			return members
		}
		name := tok.String() // before ReadValue voids the token
		if _, err := dec.ReadValue(); err != nil {
			return members
		}
		end := int(dec.InputOffset()) - 1
		if slices.ContainsFunc(extra, func(m metaMember) bool { return m.key == name }) {
			dropped = true
			continue
		}
		member := bytes.TrimLeft(members[start:end], " \t\r\n,")
		if len(out) > 0 {
			out = append(out, ',')
		}
		out = append(out, member...)
	}
	if !dropped {
		return members
	}
	return out
}
