package server

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/internal/httpx"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
)

// paramHeader is one x-mcp-header annotation of a tool's input schema (2026-07-28): a primitive argument,
// reached from the root through properties only, that HTTP clients mirror into the Mcp-Param-{Name} header
// so that proxies can route on it.
type paramHeader struct {
	path   []string // the chain of property names
	header string   // the canonical header name, "Mcp-Param-…"
}

// schemaNode is the part of a JSON Schema the annotation rules look at.
type schemaNode struct {
	Type       any                   `json:"type"`
	Header     *string               `json:"x-mcp-header"`
	Properties map[string]schemaNode `json:"properties"`
}

// toolParamHeaders reads the x-mcp-header annotations of an input schema. Annotations must sit on string,
// integer or boolean properties reachable through properties alone, with header-token names unique
// regardless of case; anything else makes the tool definition invalid (the spec's rules). Annotations
// under items, composition or conditional keywords are not read, so they cannot be honoured: tools that
// need them should not be registered with them.
func toolParamHeaders(schema jsontext.Value) ([]paramHeader, error) {
	if !strings.Contains(string(schema), `"x-mcp-header"`) {
		return nil, nil
	}
	var root schemaNode
	if err := json.Unmarshal(schema, &root); err != nil {
		return nil, err
	}
	var out []paramHeader
	seen := map[string]string{}
	var walk func(n schemaNode, path []string) error
	walk = func(n schemaNode, path []string) error {
		for name, p := range n.Properties {
			at := append(append([]string(nil), path...), name)
			where := strings.Join(at, ".")
			if p.Header != nil {
				switch p.Type {
				case "string", "integer", "boolean":
				default:
					return fmt.Errorf("property %q: x-mcp-header needs a string, integer or boolean type (not %v)", where, p.Type)
				}
				if !httpx.IsToken(*p.Header) {
					return fmt.Errorf("property %q: x-mcp-header %q is not a valid header name", where, *p.Header)
				}
				h := http.CanonicalHeaderKey("Mcp-Param-" + *p.Header)
				if other, dup := seen[h]; dup {
					return fmt.Errorf("properties %q and %q both use x-mcp-header %q", other, where, *p.Header)
				}
				seen[h] = where
				out = append(out, paramHeader{path: at, header: h})
			}
			if err := walk(p, at); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(root, nil); err != nil {
		return nil, err
	}
	return out, nil
}

// argAt returns the argument at path, or nil when absent or null.
func argAt(args jsontext.Value, path []string) jsontext.Value {
	cur := args
	for _, name := range path {
		if cur.Kind() != '{' {
			return nil
		}
		var members map[string]jsontext.Value
		if json.Unmarshal(cur, &members) != nil {
			return nil
		}
		cur = members[name]
		if len(cur) == 0 {
			return nil
		}
	}
	if cur.Kind() == 'n' {
		return nil
	}
	return cur
}

// checkParamHeaders compares the Mcp-Param-* headers of a 2026-07-28 HTTP request with the arguments they
// mirror: a header must be present exactly when its argument has a value, and carry the same value (plain,
// or in the =?base64?…?= form, which must be valid padded base64). A mismatch is -32020.
func checkParamHeaders(hs []paramHeader, h http.Header, args jsontext.Value) *jsonrpc.Error {
	for _, p := range hs {
		raw := argAt(args, p.path)
		vals, inHeader := h[p.header]
		name := strings.Join(p.path, ".")
		switch {
		case raw == nil && !inHeader:
			continue
		case raw != nil && !inHeader:
			return paramMismatch(fmt.Sprintf("the %s header is required: argument %q is in the body", p.header, name))
		case raw == nil:
			return paramMismatch(fmt.Sprintf("the %s header is set but argument %q has no value in the body", p.header, name))
		}
		got, err := decodeParamHeader(vals[0])
		if err != nil {
			return paramMismatch(fmt.Sprintf("the %s header: %v", p.header, err))
		}
		if want := argText(raw); got != want {
			return paramMismatch(fmt.Sprintf("the %s header %q does not match argument %q (%s)", p.header, got, name, raw))
		}
	}
	return nil
}

// decodeParamHeader decodes the =?base64?…?= form strictly; any other value is literal.
func decodeParamHeader(v string) (string, error) {
	const pre, suf = "=?base64?", "?="
	if len(v) >= len(pre)+len(suf) && strings.HasPrefix(v, pre) && strings.HasSuffix(v, suf) {
		b, err := base64.StdEncoding.Strict().DecodeString(v[len(pre) : len(v)-len(suf)])
		if err != nil {
			return "", fmt.Errorf("invalid base64 value")
		}
		return string(b), nil
	}
	return v, nil
}

// argText is an argument as a header carries it: a string's text, a number's or boolean's JSON.
func argText(raw jsontext.Value) string {
	if raw.Kind() == '"' {
		var s string
		_ = json.Unmarshal(raw, &s)
		return s
	}
	return string(raw)
}

func paramMismatch(msg string) *jsonrpc.Error {
	return &jsonrpc.Error{Code: mcp.CodeHeaderMismatch, Message: "Header mismatch: " + msg}
}
