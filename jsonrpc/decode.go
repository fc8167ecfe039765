package jsonrpc

import (
	"bytes"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// wireMessage is the on-the-wire shape; decoding goes through it and is then checked.
type wireMessage struct {
	JSONRPC string         `json:"jsonrpc"`
	ID      jsontext.Value `json:"id,omitzero"`
	Method  string         `json:"method,omitzero"`
	Params  jsontext.Value `json:"params,omitzero"`
	Result  jsontext.Value `json:"result,omitzero"`
	Error   *Error         `json:"error,omitzero"`
}

// DecodeMessage decodes one JSON-RPC message. Member names match case-sensitively and duplicates are
// rejected. The error is an *Error: CodeParseError for bytes that are not JSON, CodeInvalidRequest for JSON
// that is not a valid message (its ID is set when the id could be read, so the reply can name it).
func DecodeMessage(data []byte) (*Message, error) {
	m := new(Message)
	if err := decodeInto(data, m); err != nil {
		return m, err
	}
	return m, nil
}

func decodeInto(data []byte, m *Message) error {
	var w wireMessage
	if err := json.Unmarshal(data, &w); err != nil {
		if !isJSON(data) {
			return &Error{Code: CodeParseError, Message: "parse error: " + trimErr(err)}
		}
		// Valid JSON of the wrong shape; try to recover the id for the reply.
		m.ID = salvageID(data)
		return &Error{Code: CodeInvalidRequest, Message: "invalid request: " + trimErr(err)}
	}
	id, err := parseID(w.ID)
	if err != nil {
		return &Error{Code: CodeInvalidRequest, Message: "invalid request: " + err.Error()}
	}
	m.ID = id
	m.Method, m.Params, m.Result, m.Error = w.Method, w.Params, w.Result, w.Error
	if w.JSONRPC != "2.0" {
		return &Error{Code: CodeInvalidRequest, Message: `invalid request: "jsonrpc" must be "2.0"`}
	}
	switch {
	case w.Method != "":
		if w.Result != nil || w.Error != nil {
			return &Error{Code: CodeInvalidRequest, Message: "invalid request: a request carries no result or error"}
		}
		if len(w.ID) > 0 && !id.IsValid() {
			return &Error{Code: CodeInvalidRequest, Message: "invalid request: id must not be null"}
		}
		if len(w.Params) > 0 && k(w.Params) != '{' && k(w.Params) != '[' {
			return &Error{Code: CodeInvalidRequest, Message: "invalid request: params must be an object or an array"}
		}
	case w.Result != nil && w.Error != nil:
		return &Error{Code: CodeInvalidRequest, Message: "invalid response: both result and error are set"}
	case w.Result == nil && w.Error == nil:
		if len(w.ID) == 0 {
			return &Error{Code: CodeInvalidRequest, Message: `invalid request: "method" is missing`}
		}
		return &Error{Code: CodeInvalidRequest, Message: "invalid response: neither result nor error is set"}
	case w.Result != nil && !id.IsValid():
		return &Error{Code: CodeInvalidRequest, Message: "invalid response: a result needs an id"}
	}
	return nil
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

func trimErr(err error) string {
	s := err.Error()
	const p = "json: "
	if len(s) > len(p) && s[:len(p)] == p {
		s = s[len(p):]
	}
	return s
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
