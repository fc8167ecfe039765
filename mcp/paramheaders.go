package mcp

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// ParamHeader is one x-mcp-header annotation of a tool's input schema (2026-07-28): the argument at Path
// (a chain of properties keys) is mirrored into the HTTP header "Mcp-Param-" + Name, so that proxies can
// route on it without reading the body.
type ParamHeader struct {
	Path []string
	Name string
}

// Header returns the header name, "Mcp-Param-" + Name (not canonicalised).
func (p ParamHeader) Header() string { return "Mcp-Param-" + p.Name }

// ParamHeaders reads the x-mcp-header annotations of an input schema and checks them against the rules of
// the 2026-07-28 binding: a non-empty HTTP field-name token, unique regardless of case, on a string,
// integer or boolean property reachable from the root through properties keys alone (not under items,
// composition, conditional keywords, $defs or $ref). A violation makes the whole tool definition invalid
// and is returned as an error.
func ParamHeaders(inputSchema jsontext.Value) ([]ParamHeader, error) {
	if len(inputSchema) == 0 || !bytes.Contains(inputSchema, []byte(`"x-mcp-header"`)) {
		return nil, nil
	}
	var root any
	if err := json.Unmarshal(inputSchema, &root); err != nil {
		return nil, fmt.Errorf("inputSchema is not JSON: %w", err)
	}
	var out []ParamHeader
	seen := map[string]bool{}
	if err := scanSchema(root, nil, true, &out, seen); err != nil {
		return nil, err
	}
	return out, nil
}

// scanSchema walks a schema node. reachable means the node is the root or is reached from it through
// properties keys only; path is the chain of those keys.
func scanSchema(node any, path []string, reachable bool, out *[]ParamHeader, seen map[string]bool) error {
	switch n := node.(type) {
	case []any:
		for _, v := range n {
			if err := scanSchema(v, nil, false, out, seen); err != nil {
				return err
			}
		}
	case map[string]any:
		if raw, ok := n["x-mcp-header"]; ok {
			if !reachable || len(path) == 0 {
				return errors.New("x-mcp-header must annotate a property reachable through properties alone")
			}
			if err := checkAnnotation(n, raw, path, seen); err != nil {
				return err
			}
			*out = append(*out, ParamHeader{Path: append([]string(nil), path...), Name: raw.(string)})
		}
		for k, v := range n {
			switch k {
			case "properties":
				props, ok := v.(map[string]any)
				if !ok {
					continue
				}
				for name, sub := range props {
					if err := scanSchema(sub, append(path[:len(path):len(path)], name), reachable, out, seen); err != nil {
						return err
					}
				}
			case "const", "default", "examples", "enum", "x-mcp-header":
				// Values, not schemas.
			default:
				if err := scanSchema(v, nil, false, out, seen); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func checkAnnotation(prop map[string]any, raw any, path []string, seen map[string]bool) error {
	where := strings.Join(path, ".")
	name, ok := raw.(string)
	if !ok || name == "" {
		return fmt.Errorf("x-mcp-header of %s must be a non-empty string", where)
	}
	if !IsHeaderToken(name) {
		return fmt.Errorf("x-mcp-header %q of %s is not an HTTP header token", name, where)
	}
	key := strings.ToLower(name)
	if seen[key] {
		return fmt.Errorf("x-mcp-header %q is used twice", name)
	}
	seen[key] = true
	switch t, _ := prop["type"].(string); t {
	case "string", "integer", "boolean":
	default:
		return fmt.Errorf("x-mcp-header %q annotates %s, whose type %q is not string, integer or boolean", name, where, t)
	}
	return nil
}

// IsHeaderToken reports whether name is a non-empty HTTP field-name token (RFC 9110 section 5.1: 1*tchar).
func IsHeaderToken(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range []byte(name) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// ParamValue returns the header text of the primitive argument at path: a string as it is, an integer in
// decimal (integral floats within JavaScript's safe range too), a boolean as true/false. Absent, null and
// non-primitive values report false: their header is omitted.
func ParamValue(arguments jsontext.Value, path []string) (string, bool) {
	v := arguments
	for _, key := range path {
		var obj map[string]jsontext.Value
		if len(v) == 0 || v.Kind() != '{' || json.Unmarshal(v, &obj) != nil {
			return "", false
		}
		if v = obj[key]; v == nil {
			return "", false
		}
	}
	switch v.Kind() {
	case '"':
		var s string
		if json.Unmarshal(v, &s) != nil {
			return "", false
		}
		return s, true
	case 't':
		return "true", true
	case 'f':
		return "false", true
	case '0':
		if n, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return strconv.FormatInt(n, 10), true
		}
		if f, err := strconv.ParseFloat(string(v), 64); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return strconv.FormatInt(int64(f), 10), true
		}
	}
	return "", false
}

const (
	b64Prefix = "=?base64?"
	b64Suffix = "?="
)

// EncodeHeaderValue returns v as an Mcp-Name or Mcp-Param-* header value: as it is when it is plain
// visible ASCII (spaces only inside), otherwise in the =?base64?…?= form (also for a plain value that looks
// like that form, and for the empty string, which a header cannot tell from an absent value).
func EncodeHeaderValue(v string) string {
	plain := v != "" && v[0] != ' ' && v[len(v)-1] != ' ' && !(strings.HasPrefix(v, b64Prefix) && strings.HasSuffix(v, b64Suffix))
	for i := 0; plain && i < len(v); i++ {
		plain = v[i] >= 0x20 && v[i] <= 0x7e
	}
	if plain {
		return v
	}
	return b64Prefix + base64.StdEncoding.EncodeToString([]byte(v)) + b64Suffix
}

// ErrHeaderValue is returned for a header value that cannot be decoded: a control character, or a
// =?base64?…?= value that is not strict padded base64.
var ErrHeaderValue = errors.New("malformed header value")

// DecodeHeaderValue decodes a header value written by EncodeHeaderValue: the =?base64?…?= form strictly,
// anything else as literal text.
func DecodeHeaderValue(v string) (string, error) {
	for _, c := range []byte(v) {
		if (c < 0x20 && c != '\t') || c == 0x7f {
			return "", ErrHeaderValue
		}
	}
	if len(v) >= len(b64Prefix)+len(b64Suffix) && strings.HasPrefix(v, b64Prefix) && strings.HasSuffix(v, b64Suffix) {
		b, err := base64.StdEncoding.Strict().DecodeString(v[len(b64Prefix) : len(v)-len(b64Suffix)])
		if err != nil {
			return "", ErrHeaderValue
		}
		return string(b), nil
	}
	return v, nil
}
