package jsonrpc

import (
	"errors"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"
)

// ID is a JSON-RPC request id: a string or an integer. IDs are comparable with == and usable as map keys;
// the zero ID is "no id" (a notification, or null in an error response).
//
// A reply echoes the id exactly as the peer wrote it. Integers written in canonical form that fit an int64
// (the usual case) are kept unboxed and cost no allocation; any other integer-valued number (1e3, 1.0, -0,
// integers beyond int64) is kept as the literal it was written as, so 1e3 and 1000 are different ids. String
// ids are kept in a canonical JSON form, so "\u0061" and "a" are the same id.
type ID struct {
	str  string // a string id's canonical JSON text (quoted), or a number literal as written (idRaw)
	num  int64  // an integer id
	kind uint8  // idNone, idNum, idStr or idRaw
}

const (
	idNone uint8 = iota
	idNum
	idStr
	idRaw // a number kept as its literal
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
	case idStr, idRaw:
		return id.str
	}
	return "null"
}

// String returns the id for humans and logs: the number as written, or the unquoted string.
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
	case idStr, idRaw:
		return append(dst, id.str...)
	}
	return append(dst, "null"...)
}

var errBadID = errors.New("id must be a string or an integer")

// parseID turns the raw JSON of an id into an ID. "null" yields the zero ID (valid only in error responses).
// A number that is not an integer is refused with errBadID, but the returned ID still holds its literal, so
// that the refusal can name it.
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
		if n, ok := canonicalInt(v); ok {
			return Int64ID(n), nil
		}
		id := ID{str: string(v), kind: idRaw}
		if !isIntegral(v) {
			return id, errBadID
		}
		return id, nil
	}
	return ID{}, errBadID
}

// canonicalInt parses a JSON number written as a plain integer that fits an int64 and that formats back to
// the same text (so not -0). Anything else reports false.
func canonicalInt(v []byte) (int64, bool) {
	d := v
	neg := len(d) > 0 && d[0] == '-'
	if neg {
		d = d[1:]
	}
	if len(d) == 0 || len(d) > 19 || (d[0] == '0' && (len(d) > 1 || neg)) {
		return 0, false
	}
	var u uint64
	for _, c := range d {
		if c < '0' || c > '9' {
			return 0, false
		}
		u = u*10 + uint64(c-'0') // 19 digits cannot overflow a uint64
	}
	switch {
	case neg && u <= 1<<63:
		return int64(-u), true // two's complement: -(1<<63) is math.MinInt64
	case !neg && u <= 1<<63-1:
		return int64(u), true
	}
	return 0, false
}

// isIntegral reports whether the JSON number literal v denotes an integer, exactly (1e-400 does not, although
// it rounds to 0 as a float64; 2.50e1 does).
func isIntegral(v []byte) bool {
	i := 0
	if i < len(v) && v[i] == '-' {
		i++
	}
	var digits, frac int // significant digits so far (after leading zeros), and how many follow the point
	tz := 0              // trailing zeros among the digits
	inFrac := false
	for ; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= '0' && c <= '9':
			if inFrac {
				frac++
			}
			if c == '0' {
				if digits > 0 {
					tz++
				}
				continue
			}
			digits++
			digits += tz
			tz = 0
		case c == '.':
			inFrac = true
		case c == 'e' || c == 'E':
			return digits == 0 || expAtLeast(v[i+1:], frac-tz)
		default:
			return false
		}
	}
	return digits == 0 || frac <= tz
}

// expAtLeast reports whether the exponent literal e (optionally signed) is at least min.
func expAtLeast(e []byte, min int) bool {
	neg := false
	if len(e) > 0 && (e[0] == '+' || e[0] == '-') {
		neg = e[0] == '-'
		e = e[1:]
	}
	const limit = 1 << 30 // beyond any fractional part a message can hold
	n := 0
	for _, c := range e {
		if c < '0' || c > '9' {
			return false
		}
		if n < limit {
			n = n*10 + int(c-'0')
		}
	}
	if neg {
		n = -n
	}
	return n >= min
}

// MarshalJSONTo implements json v2 marshaling.
func (id ID) MarshalJSONTo(enc *jsontext.Encoder) error {
	switch id.kind {
	case idNum:
		return enc.WriteToken(jsontext.Int(id.num))
	case idStr, idRaw:
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
