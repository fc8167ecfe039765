package jsonrpc

import (
	"errors"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"
)

// ID is a JSON-RPC request id: a string or an integer, kept in canonical form so that it is echoed
// exactly and compared cheaply (IDs are comparable with ==, and usable as map keys). The zero ID is "no
// id" (a notification, or null in an error response). Integer ids cost no allocation.
type ID struct {
	str  string // a string id's canonical JSON text (quoted)
	num  int64  // an integer id
	kind uint8  // idNone, idNum or idStr
}

const (
	idNone uint8 = iota
	idNum
	idStr
)

// Int64ID returns the integer id n.
func Int64ID(n int64) ID { return ID{num: n, kind: idNum} }

// StringID returns the string id s.
func StringID(s string) ID {
	b, _ := jsontext.AppendQuote(nil, s)
	return ID{str: string(b), kind: idStr}
}

// IsValid reports whether the id is present.
func (id ID) IsValid() bool { return id.kind != idNone }

// IsString reports whether the id is a JSON string.
func (id ID) IsString() bool { return id.kind == idStr }

// Raw returns the id's canonical JSON text ("null" when absent).
func (id ID) Raw() string {
	switch id.kind {
	case idNum:
		return strconv.FormatInt(id.num, 10)
	case idStr:
		return id.str
	}
	return "null"
}

// String returns the id for humans and logs: the integer, or the unquoted string.
func (id ID) String() string {
	if id.kind == idStr {
		s, err := strconv.Unquote(id.str)
		if err == nil {
			return s
		}
	}
	return id.Raw()
}

// appendTo appends the id's JSON form (null when absent).
func (id ID) appendTo(dst []byte) []byte {
	switch id.kind {
	case idNum:
		return strconv.AppendInt(dst, id.num, 10)
	case idStr:
		return append(dst, id.str...)
	}
	return append(dst, "null"...)
}

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
	switch id.kind {
	case idNum:
		return enc.WriteToken(jsontext.Int(id.num))
	case idStr:
		return enc.WriteValue(jsontext.Value(id.str))
	}
	return enc.WriteToken(jsontext.Null)
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
