package server

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
)

// paramHeader is one x-mcp-header annotation of a tool (2026-07-28) with its canonical header key, computed
// once at registration.
type paramHeader struct {
	mcp.ParamHeader
	key string // http.CanonicalHeaderKey of "Mcp-Param-" + Name
}

// toolParamHeaders reads and checks a tool's x-mcp-header annotations (mcp.ParamHeaders has the rules); a
// bad one is a registration error.
func toolParamHeaders(schema jsontext.Value) ([]paramHeader, error) {
	hs, err := mcp.ParamHeaders(schema)
	if err != nil || len(hs) == 0 {
		return nil, err
	}
	out := make([]paramHeader, len(hs))
	for i, h := range hs {
		out[i] = paramHeader{h, http.CanonicalHeaderKey(h.Header())}
	}
	return out, nil
}

// checkParamHeaders compares the Mcp-Param-* headers of a 2026-07-28 HTTP request with the arguments they
// mirror: a header must be present exactly when its argument has a value, and carry the same value (plain,
// or in the =?base64?…?= form, which must be valid padded base64), once. A mismatch is -32020.
func checkParamHeaders(hs []paramHeader, h http.Header, args jsontext.Value) *jsonrpc.Error {
	for _, p := range hs {
		want, inBody := mcp.ParamValue(args, p.Path)
		vals, inHeader := h[p.key]
		name := strings.Join(p.Path, ".")
		switch {
		case !inBody && !inHeader:
			continue
		case inBody && !inHeader:
			return paramMismatch(fmt.Sprintf("the %s header is required: argument %q is in the body", p.key, name))
		case !inBody:
			return paramMismatch(fmt.Sprintf("the %s header is set but argument %q has no value in the body", p.key, name))
		}
		if len(vals) > 1 {
			return paramMismatch(fmt.Sprintf("the %s header appears more than once", p.key))
		}
		got, err := mcp.DecodeHeaderValue(vals[0])
		if err != nil {
			return paramMismatch(fmt.Sprintf("the %s header: %s", p.key, bounded(err.Error())))
		}
		if got != want {
			return paramMismatch(fmt.Sprintf("the %s header %q does not match argument %q (%q)", p.key, bounded(got), name, bounded(want)))
		}
	}
	return nil
}

func paramMismatch(msg string) *jsonrpc.Error {
	return &jsonrpc.Error{Code: mcp.CodeHeaderMismatch, Message: "Header mismatch: " + msg}
}
