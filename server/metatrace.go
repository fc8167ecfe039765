package server

import (
	"bytes"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/internal/jsonx"
	"github.com/mcpkit/mcpkit/mcp"
)

// The trace context members of a request's _meta (traceparent, tracestate, baggage) differ on every
// request of a traced client, while the rest of its _meta repeats. decodeMeta splits them off, so the
// rest is decoded once and cached as before, and each request gets a copy with its own trace members.

var (
	quotedTrace   = []byte(`"trace`)
	quotedBaggage = []byte(`"baggage"`)
)

// hasTraceKey reports whether raw may have a trace context member (a cheap byte search).
func hasTraceKey(raw []byte) bool {
	return bytes.Contains(raw, quotedTrace) || bytes.Contains(raw, quotedBaggage)
}

// traceMembers are the raw values of the trace members split off a _meta (aliasing it).
type traceMembers struct {
	parent, state, baggage jsontext.Value
}

// splitTrace appends to dst the _meta object raw without its trace members, which it puts in tr. It
// reports false — decode raw as it is then — when raw is not a well-formed object, names a trace member
// twice (the decoder refuses duplicate names, and so must the request) or has a name with an escape.
func splitTrace(raw, dst []byte, tr *traceMembers) ([]byte, bool) {
	d := jsonx.GetDecoder(raw)
	defer d.Put()
	dec := d.Dec
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return nil, false
	}
	dst = append(dst, '{')
	first := true
	for dec.PeekKind() != '}' {
		start := dec.InputOffset()
		name, err := dec.ReadValue() // valid until the next read: matched at once
		if err != nil || bytes.IndexByte(name, '\\') >= 0 {
			return nil, false // an escaped name may spell a trace key: let the decoder judge the whole
		}
		var slot *jsontext.Value
		switch string(name) {
		case `"traceparent"`:
			slot = &tr.parent
		case `"tracestate"`:
			slot = &tr.state
		case `"baggage"`:
			slot = &tr.baggage
		}
		val, err := dec.ReadValue()
		if err != nil {
			return nil, false
		}
		end := int(dec.InputOffset())
		if slot != nil {
			if *slot != nil {
				return nil, false
			}
			*slot = jsontext.Value(raw[end-len(val) : end : end]) // the bytes of raw, not the decoder's
			continue
		}
		member := bytes.TrimLeft(raw[start:end], " \t\r\n,")
		if !first {
			dst = append(dst, ',')
		}
		dst = append(dst, member...)
		first = false
	}
	// Only JSON's own whitespace may follow (bytes.TrimSpace would also pass \f and \v, which a decoder
	// refuses: FuzzSplitTrace found "{}\f").
	if _, err := dec.ReadToken(); err != nil || len(bytes.TrimLeft(raw[dec.InputOffset():], " \t\r\n")) > 0 {
		return nil, false
	}
	return append(dst, '}'), true
}

// tracedMeta is a request's copy of a shared _meta with room for its trace members, so that the usual
// traceparent (55 bytes) and a short tracestate cost one allocation together.
type tracedMeta struct {
	meta mcp.RequestMeta
	buf  [96]byte
}

// onto returns a copy of the shared m carrying the trace members (copied: the message buffer they alias
// is not the request's to keep).
func (tr *traceMembers) onto(m *mcp.RequestMeta) *mcp.RequestMeta {
	if tr.parent == nil && tr.state == nil && tr.baggage == nil {
		return m
	}
	cp := &tracedMeta{meta: *m}
	b := cp.buf[:0]
	if n := len(tr.parent) + len(tr.state) + len(tr.baggage); n > len(cp.buf) {
		b = make([]byte, 0, n)
	}
	take := func(v jsontext.Value) jsontext.Value {
		if v == nil {
			return nil
		}
		b = append(b, v...)
		return jsontext.Value(b[len(b)-len(v) : len(b) : len(b)])
	}
	cp.meta.TraceParent, cp.meta.TraceState, cp.meta.Baggage = take(tr.parent), take(tr.state), take(tr.baggage)
	return &cp.meta
}
