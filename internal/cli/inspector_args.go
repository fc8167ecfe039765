package cli

import (
	"math"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// inspectorPair splits "k=v" at its first '=' (neither side may be empty) and reads v as JSON when it is
// JSON (a number, true, {"a":1}, "quoted"), as the Inspector CLI does for --tool-arg, --prompt-args,
// --metadata and --tool-metadata. raw is nil when v is not JSON.
func inspectorPair(s string) (k, text string, raw jsontext.Value, err error) {
	k, text, ok := strings.Cut(s, "=")
	if !ok || k == "" || text == "" {
		return "", "", nil, Usage("Invalid parameter format: %s. Use key=value format.", s)
	}
	v := jsontext.Value(strings.TrimSpace(text))
	if !v.IsValid() {
		return k, text, nil, nil
	}
	if v.Kind() == '0' { // JavaScript's JSON.parse turns 1e400 into Infinity, which cannot be sent
		f, perr := strconv.ParseFloat(string(v), 64)
		if perr != nil || math.IsInf(f, 0) {
			return "", "", nil, Usage("Invalid value for %q: numbers must be finite (a literal like 1e400 overflows to Infinity and cannot be sent).", k)
		}
	}
	if err := v.Compact(); err != nil {
		return k, text, nil, nil
	}
	return k, text, v, nil
}

// JSONPairs reads --metadata or --tool-metadata pairs into an object: each value is its JSON when it is
// JSON, else the string.
func JSONPairs(kvs []string) (map[string]jsontext.Value, error) {
	out := make(map[string]jsontext.Value, len(kvs))
	for _, kv := range kvs {
		k, text, raw, err := inspectorPair(kv)
		if err != nil {
			return nil, err
		}
		if raw == nil {
			raw = quote(text)
		}
		out[k] = raw
	}
	return out, nil
}

// PromptArgs reads --prompt-args pairs into the string arguments of prompts/get as the Inspector CLI
// does: a JSON string is unquoted, other JSON (numbers, objects) is sent as its compact text, anything
// else as typed.
func PromptArgs(kvs []string) (map[string]string, error) {
	out := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		k, text, raw, err := inspectorPair(kv)
		if err != nil {
			return nil, err
		}
		switch {
		case raw == nil:
			out[k] = text
		case raw.Kind() == '"':
			var s string
			_ = json.Unmarshal(raw, &s)
			out[k] = s
		default:
			out[k] = string(raw)
		}
	}
	return out, nil
}

// InspectorToolArgs types the k=v values of --tool-arg from the tool's input schema, as the Inspector CLI does
// with one deliberate difference (strings stay strings):
//   - a property of type string gets the text as it was typed (the Inspector would send 123 as a number);
//   - a value equal to the property's const (as text) becomes that const;
//   - for any other property, a value that is JSON (a number, true, {"a":1}, [1,2]) is sent as that JSON;
//     a text that is not JSON becomes true or false for a boolean property when it is "true" or "false"
//     in any case, and otherwise stays a string, for the server's validation to report (the Inspector
//     sends null for a number that does not parse and false for a boolean that is not "true");
//   - a JSON string literal ("\"x\"") counts as the text inside it.
//
// A nullable type (["integer","null"], or anyOf with {"type":"null"}) counts as its other type. Root
// unions and $ref are not followed: their properties get the untyped rule (JSON, else string).
func InspectorToolArgs(schema jsontext.Value, kvs []string) (map[string]any, error) {
	var s struct {
		Properties map[string]propSchema `json:"properties"`
	}
	if len(schema) > 0 {
		_ = json.Unmarshal(schema, &s) // an unreadable schema types nothing: the untyped rule applies
	}
	args := make(map[string]any, len(kvs))
	for _, kv := range kvs {
		k, text, raw, err := inspectorPair(kv)
		if err != nil {
			return nil, err
		}
		p, declared := s.Properties[k]
		args[k] = inspectorTyped(p, declared, text, raw)
	}
	return args, nil
}

// propSchema is the part of a property's schema that types its value.
type propSchema struct {
	Type  any            `json:"type"`
	AnyOf []propSchema   `json:"anyOf"`
	Const jsontext.Value `json:"const"`
}

// kind returns the property's type: its "type" (a nullable ["T","null"] counts as T), or the non-null
// branch of a two-branch anyOf with a null one. Empty means untyped.
func (p propSchema) kind() string {
	ts := types(p.Type)
	if len(ts) == 1 {
		return ts[0]
	}
	if len(ts) == 2 && (ts[0] == "null" || ts[1] == "null") {
		if ts[0] == "null" {
			return ts[1]
		}
		return ts[0]
	}
	if len(ts) == 0 && len(p.AnyOf) == 2 {
		a, b := p.AnyOf[0].kind(), p.AnyOf[1].kind()
		switch {
		case a == "null" && b != "null":
			return b
		case b == "null" && a != "null":
			return a
		}
	}
	return ""
}

func inspectorTyped(p propSchema, declared bool, text string, raw jsontext.Value) any {
	if raw != nil && raw.Kind() == '"' { // a quoted string: its text
		_ = json.Unmarshal(raw, &text)
		raw = nil
	}
	if declared && len(p.Const) > 0 && constText(p.Const) == text {
		return p.Const
	}
	kind := ""
	if declared {
		kind = p.kind()
	}
	if kind == "string" {
		return text
	}
	if raw != nil {
		return raw
	}
	if kind == "boolean" {
		switch {
		case strings.EqualFold(text, "true"):
			return true
		case strings.EqualFold(text, "false"):
			return false
		}
	}
	return text
}

// constText is a const as the Inspector compares it with typed text: a string's own text, other JSON as
// written.
func constText(c jsontext.Value) string {
	if c.Kind() == '"' {
		var s string
		_ = json.Unmarshal(c, &s)
		return s
	}
	return string(c)
}

func quote(s string) jsontext.Value {
	b, _ := json.Marshal(s)
	return b
}

// ParseHeader splits a --header value "Name: value" at its first colon, both sides trimmed and neither
// empty.
func ParseHeader(s string) (string, string, error) {
	k, v, ok := strings.Cut(s, ":")
	k, v = strings.TrimSpace(k), strings.TrimSpace(v)
	if !ok || k == "" || v == "" {
		return "", "", Usage("Invalid header format: %s. Use \"HeaderName: Value\" format.", s)
	}
	return k, v, nil
}
