package cli

import (
	"strconv"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// SplitKV splits "k=v" at its first '='.
func SplitKV(flag, s string) (string, string, error) {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return "", "", Usage("%s wants key=value, got %q", flag, s)
	}
	return k, v, nil
}

// ToolArgs types the k=v values of --tool-arg from the tool's input schema: a property of type number or
// integer becomes a number, boolean a boolean, object or array the JSON value; anything else (or a value
// that does not parse as its type) stays a string.
func ToolArgs(schema jsontext.Value, kvs []string) (map[string]any, error) {
	var s struct {
		Properties map[string]struct {
			Type any `json:"type"`
		} `json:"properties"`
	}
	if len(schema) > 0 {
		_ = json.Unmarshal(schema, &s) // an unreadable schema types nothing: values stay strings
	}
	args := make(map[string]any, len(kvs))
	for _, kv := range kvs {
		k, v, err := SplitKV("--tool-arg", kv)
		if err != nil {
			return nil, err
		}
		args[k] = typed(types(s.Properties[k].Type), v)
	}
	return args, nil
}

// types lists a schema's "type": a string or an array of strings.
func types(t any) []string {
	switch t := t.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, x := range t {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func typed(ts []string, v string) any {
	for _, t := range ts {
		switch t {
		case "number", "integer":
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				if t == "integer" || f == float64(int64(f)) {
					if i, err := strconv.ParseInt(v, 10, 64); err == nil {
						return i
					}
				}
				return f
			}
		case "boolean":
			if b, err := strconv.ParseBool(v); err == nil {
				return b
			}
		case "object", "array":
			var x any
			if json.Unmarshal([]byte(v), &x) == nil {
				if _, isMap := x.(map[string]any); (t == "object") == isMap {
					return x
				}
			}
		case "null":
			if v == "null" {
				return nil
			}
		}
	}
	return v
}
