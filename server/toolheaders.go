package server

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
)

// paramHeader is one x-mcp-header annotation of a tool's input schema (2026-07-28): a top-level primitive
// argument that HTTP clients mirror into the Mcp-Param-{Name} header, so that proxies can route on it.
type paramHeader struct {
	arg    string // the argument (property) name
	header string // the canonical header name, "Mcp-Param-…"
}

// toolParamHeaders reads the x-mcp-header annotations of an input schema's top-level properties.
func toolParamHeaders(schema jsontext.Value) ([]paramHeader, error) {
	if !strings.Contains(string(schema), `"x-mcp-header"`) {
		return nil, nil
	}
	var doc struct {
		Properties map[string]struct {
			Type   any    `json:"type"`
			Header string `json:"x-mcp-header"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(schema, &doc); err != nil {
		return nil, err
	}
	var out []paramHeader
	seen := map[string]string{}
	for name, p := range doc.Properties {
		if p.Header == "" {
			continue
		}
		switch p.Type {
		case "string", "number", "integer", "boolean":
		default:
			return nil, fmt.Errorf("property %q: x-mcp-header needs a string, number, integer or boolean type", name)
		}
		h := http.CanonicalHeaderKey("Mcp-Param-" + p.Header)
		if strings.ContainsAny(p.Header, " \t\r\n:()<>@,;\\\"/[]?={}") {
			return nil, fmt.Errorf("property %q: x-mcp-header %q is not a valid header name", name, p.Header)
		}
		if other, dup := seen[h]; dup {
			return nil, fmt.Errorf("properties %q and %q both use x-mcp-header %q", other, name, p.Header)
		}
		seen[h] = name
		out = append(out, paramHeader{arg: name, header: h})
	}
	return out, nil
}

// checkParamHeaders compares the Mcp-Param-* headers of a 2026-07-28 HTTP request with the arguments they
// mirror: a header must be present exactly when its argument is, and carry the same value (plain, or in the
// =?base64?…?= form, which must be valid padded base64). A mismatch is -32020.
func checkParamHeaders(hs []paramHeader, h http.Header, args jsontext.Value) *jsonrpc.Error {
	var members map[string]jsontext.Value
	if err := json.Unmarshal(args, &members); err != nil {
		return nil // not an object: argument validation reports it
	}
	for _, p := range hs {
		raw, inBody := members[p.arg]
		vals, inHeader := h[p.header]
		switch {
		case !inBody && !inHeader:
			continue
		case inBody && !inHeader:
			return paramMismatch(fmt.Sprintf("the %s header is required: argument %q is in the body", p.header, p.arg))
		case !inBody:
			return paramMismatch(fmt.Sprintf("the %s header is set but argument %q is not in the body", p.header, p.arg))
		}
		got, err := decodeParamHeader(vals[0])
		if err != nil {
			return paramMismatch(fmt.Sprintf("the %s header: %v", p.header, err))
		}
		if want := argText(raw); got != want {
			return paramMismatch(fmt.Sprintf("the %s header %q does not match argument %q (%s)", p.header, got, p.arg, raw))
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
