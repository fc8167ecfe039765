package jsonrpc

import (
	"bytes"
	"errors"
	"io"
	"sync"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/internal/clip"
	"github.com/mcpkit/mcpkit/internal/jsonx"
)

// DecodeMessage decodes one JSON-RPC message. Member names match case-sensitively and duplicates are
// rejected. The error is an *Error: CodeParseError for bytes that are not JSON, CodeInvalidRequest for JSON
// that is not a valid message (its ID is set when the id could be read, so the reply can name it).
//
// The message's Params and Result alias data (nothing is copied): data must not change while the message
// is in use. Streams hand over their buffers (see Stream.Read), so this holds for Conn.
func DecodeMessage(data []byte) (*Message, error) {
	m := new(Message)
	if err := decodeInto(data, m); err != nil {
		return m, err
	}
	return m, nil
}

// wireFields are the members of a message as raw JSON slices of the input.
type wireFields struct {
	jsonrpc, id, method, params, result, errv []byte
}

func decodeInto(data []byte, m *Message) error {
	var w wireFields
	if err := scanMessage(data, &w); err != nil {
		if !isJSON(data) {
			return &Error{Code: CodeParseError, Message: "parse error: " + trimErr(err)}
		}
		// Valid JSON of the wrong shape; try to recover the id for the reply.
		m.ID = salvageID(data)
		return &Error{Code: CodeInvalidRequest, Message: "invalid request: " + trimErr(err)}
	}
	id, err := parseID(w.id)
	if err != nil {
		m.ID = id // a number that is not an integer is named as written; anything else is null
		return &Error{Code: CodeInvalidRequest, Message: "invalid request: " + err.Error()}
	}
	m.ID = id
	if len(w.method) > 0 {
		if jsontext.Value(w.method).Kind() != '"' {
			return &Error{Code: CodeInvalidRequest, Message: `invalid request: "method" must be a string`}
		}
		m.Method = internMethod(w.method)
	}
	m.Params, m.Result = w.params, w.result
	if len(w.errv) > 0 && jsontext.Value(w.errv).Kind() != 'n' {
		var e Error
		if err := json.Unmarshal(w.errv, &e); err != nil {
			return &Error{Code: CodeInvalidRequest, Message: "invalid response: error: " + trimErr(err)}
		}
		m.Error = &e
	}
	if string(w.jsonrpc) != `"2.0"` {
		return &Error{Code: CodeInvalidRequest, Message: `invalid request: "jsonrpc" must be "2.0"`}
	}
	switch {
	case m.Method != "":
		if m.Result != nil || m.Error != nil {
			return &Error{Code: CodeInvalidRequest, Message: "invalid request: a request carries no result or error"}
		}
		if len(w.id) > 0 && !id.IsValid() {
			return &Error{Code: CodeInvalidRequest, Message: "invalid request: id must not be null"}
		}
		if len(m.Params) > 0 && k(m.Params) != '{' && k(m.Params) != '[' {
			return &Error{Code: CodeInvalidRequest, Message: "invalid request: params must be an object or an array"}
		}
	case m.Result != nil && m.Error != nil:
		return &Error{Code: CodeInvalidRequest, Message: "invalid response: both result and error are set"}
	case m.Result == nil && m.Error == nil:
		if len(w.id) == 0 {
			return &Error{Code: CodeInvalidRequest, Message: `invalid request: "method" is missing`}
		}
		return &Error{Code: CodeInvalidRequest, Message: "invalid response: neither result nor error is set"}
	case m.Result != nil && !id.IsValid():
		return &Error{Code: CodeInvalidRequest, Message: "invalid response: a result needs an id"}
	}
	return nil
}

// scanMessage reads the members of one JSON object with a pooled decoder, recording each known member's
// raw value as a slice of data. Unknown members are skipped; duplicate names and trailing data are errors.
func scanMessage(data []byte, w *wireFields) error {
	d := jsonx.GetDecoder(data)
	defer d.Put()
	dec := d.Dec
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	if tok.Kind() != '{' {
		return errors.New("a message must be a JSON object")
	}
	for dec.PeekKind() != '}' {
		name, err := dec.ReadValue()
		if err != nil {
			return err
		}
		if bytes.IndexByte(name, '\\') >= 0 { // an escaped name: compare its canonical form
			plain, err := jsontext.AppendUnquote(nil, name)
			if err != nil {
				return err
			}
			if name, err = jsontext.AppendQuote(nil, plain); err != nil {
				return err
			}
		}
		var dst *[]byte // decided before the next read: name is only valid until then
		switch string(name) {
		case `"jsonrpc"`:
			dst = &w.jsonrpc
		case `"id"`:
			dst = &w.id
		case `"method"`:
			dst = &w.method
		case `"params"`:
			dst = &w.params
		case `"result"`:
			dst = &w.result
		case `"error"`:
			dst = &w.errv
		}
		val, err := dec.ReadValue()
		if err != nil {
			return err
		}
		if dst != nil {
			end := int(dec.InputOffset())
			*dst = data[end-len(val) : end : end] // the value as it is in data (capacity capped: appends copy)
		}
	}
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		if err == nil {
			err = errors.New("data after the message")
		}
		return err
	}
	return nil
}

// Member returns the raw value of the top-level member name of the JSON object obj (nil when absent),
// without decoding anything else and without allocating. The value aliases obj. Names with escapes are not
// matched.
func Member(obj []byte, name string) (jsontext.Value, error) {
	d := jsonx.GetDecoder(obj)
	defer d.Put()
	dec := d.Dec
	tok, err := dec.ReadToken()
	if err != nil {
		return nil, err
	}
	if tok.Kind() != '{' {
		return nil, errors.New("not a JSON object")
	}
	for dec.PeekKind() != '}' {
		n, err := dec.ReadValue()
		if err != nil {
			return nil, err
		}
		match := len(n) == len(name)+2 && string(n[1:len(n)-1]) == name
		val, err := dec.ReadValue()
		if err != nil {
			return nil, err
		}
		if match {
			end := int(dec.InputOffset())
			return obj[end-len(val) : end : end], nil
		}
	}
	return nil, nil
}

// methods interns method names: a handful of names repeat on every message, so each is allocated once.
var methods = struct {
	sync.RWMutex
	m map[string]string
}{m: map[string]string{}}

// internMethod returns the method name a raw JSON string holds, sharing one string per distinct name (up
// to a bound, so that hostile peers cannot grow the table).
func internMethod(raw []byte) string {
	if bytes.IndexByte(raw, '\\') < 0 && len(raw) >= 2 {
		plain := raw[1 : len(raw)-1]
		methods.RLock()
		s, ok := methods.m[string(plain)]
		methods.RUnlock()
		if ok {
			return s
		}
	}
	b, err := jsontext.AppendUnquote(nil, raw)
	if err != nil {
		return ""
	}
	s := string(b)
	methods.Lock()
	if len(methods.m) < 256 {
		methods.m[s] = s
	}
	methods.Unlock()
	return s
}

func k(v jsontext.Value) jsontext.Kind {
	return v.Kind()
}

// salvageID reads "id" from a JSON object that failed to decode as a message, so the error reply can carry
// it. It returns the zero ID when there is none.
func salvageID(data []byte) ID {
	var probe struct {
		ID jsontext.Value `json:"id"`
	}
	if json.Unmarshal(data, &probe, jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)) != nil {
		return ID{}
	}
	id, _ := parseID(probe.ID)
	return id
}

// trimErr returns a decoder error for an error message: without the package prefix, and bounded, because
// decoder errors quote the input (a duplicate member name, a JSON pointer into the message).
func trimErr(err error) string {
	s := err.Error()
	const p = "json: "
	if len(s) > len(p) && s[:len(p)] == p {
		s = s[len(p):]
	}
	return clip.String(s, 2*clip.Max)
}

// IsBatch reports whether data is a JSON array (a batch), looking only at its first non-space byte.
func IsBatch(data []byte) bool {
	data = bytes.TrimLeft(data, " \t\r\n")
	return len(data) > 0 && data[0] == '['
}

// DecodeBatch splits a JSON array of messages and decodes each. Elements that fail to decode are returned
// with a non-nil error at the same index, so that each can be answered. An empty array is an invalid request.
func DecodeBatch(data []byte) ([]*Message, []error, error) {
	var raw []jsontext.Value
	if err := json.Unmarshal(data, &raw); err != nil {
		if !isJSON(data) {
			return nil, nil, &Error{Code: CodeParseError, Message: "parse error: " + trimErr(err)}
		}
		return nil, nil, &Error{Code: CodeInvalidRequest, Message: "invalid request: " + trimErr(err)}
	}
	if len(raw) == 0 {
		return nil, nil, &Error{Code: CodeInvalidRequest, Message: "invalid request: empty batch"}
	}
	msgs := make([]*Message, len(raw))
	errs := make([]error, len(raw))
	for i, r := range raw {
		msgs[i], errs[i] = DecodeMessage(r)
	}
	return msgs, errs, nil
}

func unquote(v jsontext.Value, s *string) error {
	b, err := jsontext.AppendUnquote(nil, v)
	if err != nil {
		return err
	}
	*s = string(b)
	return nil
}

// isJSON reports whether data is syntactically JSON (duplicate member names are a shape problem, not a
// parse error).
func isJSON(data []byte) bool {
	return jsontext.Value(data).IsValid(jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
}
