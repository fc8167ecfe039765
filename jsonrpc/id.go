package jsonrpc

import (
	"errors"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"
)

// ID is a JSON-RPC request id: a string or an integer, kept in canonical JSON form so that it is echoed
// exactly and compared cheaply. The zero ID is "no id" (a notification, or null in an error response).
type ID struct {
	raw string // canonical JSON text: an integer, or a quoted string; "" when absent
}

// Int64ID returns the integer id n.
func Int64ID(n int64) ID { return ID{raw: strconv.FormatInt(n, 10)} }

// StringID returns the string id s.
func StringID(s string) ID {
	b, _ := jsontext.AppendQuote(nil, s)
	return ID{raw: string(b)}
}

// IsValid reports whether the id is present.
func (id ID) IsValid() bool { return id.raw != "" }

// IsString reports whether the id is a JSON string.
func (id ID) IsString() bool { return id.raw != "" && id.raw[0] == '"' }

// Raw returns the id's canonical JSON text ("null" when absent).
func (id ID) Raw() string {
	if id.raw == "" {
		return "null"
	}
	return id.raw
}

// String returns the id for humans and logs: the integer, or the unquoted string.
func (id ID) String() string {
	if id.IsString() {
		s, err := strconv.Unquote(id.raw)
		if err == nil {
			return s
		}
	}
	return id.raw
}

// appendTo appends the id's JSON form (null when absent).
func (id ID) appendTo(dst []byte) []byte { return append(dst, id.Raw()...) }

var errBadID = errors.New("id must be a string or an integer")

// parseID turns the raw JSON of an id into an ID. "null" yields the zero ID (valid only in error responses).
func parseID(v jsontext.Value) (ID, error) {
	if len(v) == 0 {
		return ID{}, nil
	}
	switch v.Kind() {
	case 'n':
		return ID{}, nil
	case '"':
		// Canonicalise escapes so that "\u0061" and "a" are the same id.
		var s string
		if err := unquote(v, &s); err != nil {
			return ID{}, errBadID
		}
		return StringID(s), nil
	case '0':
		n, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil {
			// Accept integral floats such as 1.0 or 1e3 by value.
			f, ferr := strconv.ParseFloat(string(v), 64)
			if ferr != nil || f != float64(int64(f)) {
				return ID{}, errBadID
			}
			n = int64(f)
		}
		return Int64ID(n), nil
	}
	return ID{}, errBadID
}

// MarshalJSONTo implements json v2 marshaling.
func (id ID) MarshalJSONTo(enc *jsontext.Encoder) error {
	return enc.WriteValue(jsontext.Value(id.Raw()))
}

// UnmarshalJSONFrom implements json v2 unmarshaling.
func (id *ID) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	parsed, err := parseID(v)
	if err != nil {
		return err
	}
	*id = parsed
	return nil
}
