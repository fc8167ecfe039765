package streamable

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
)

// requestFacts are what a client needs from a request body to choose its era and headers.
type requestFacts struct {
	version   string         // params._meta protocol version: set for 2026-07-28 requests
	name      string         // params.name / params.uri, for the methods that have Mcp-Name
	hasName   bool           //
	arguments jsontext.Value // tools/call arguments
}

var metaVersionKey = []byte(`"` + mcp.MetaProtocolVersion + `"`)

func readRequestFacts(m *jsonrpc.Message) requestFacts {
	var f requestFacts
	if len(m.Params) == 0 || (!bytes.Contains(m.Params, metaVersionKey) && nameMethod(m.Method) == "") {
		return f
	}
	var p struct {
		Meta *struct {
			Version string `json:"io.modelcontextprotocol/protocolVersion"`
		} `json:"_meta"`
		Name      *string        `json:"name"`
		URI       *string        `json:"uri"`
		Arguments jsontext.Value `json:"arguments"`
	}
	if json.Unmarshal(m.Params, &p) != nil {
		return f
	}
	if p.Meta != nil {
		f.version = p.Meta.Version
	}
	switch nameMethod(m.Method) {
	case "name":
		if p.Name != nil {
			f.name, f.hasName = *p.Name, true
		}
	case "uri":
		if p.URI != nil {
			f.name, f.hasName = *p.URI, true
		}
	}
	f.arguments = p.Arguments
	return f
}

// encodeHeaderValue returns v as a header value: as is when it is plain visible ASCII (spaces only
// inside), otherwise in the =?base64?…?= form of the 2026-07-28 binding (also for a plain value that
// looks like that form, and for the empty string, which a header cannot tell from an absent value).
func encodeHeaderValue(v string) string {
	plain := v != "" && v[0] != ' ' && v[len(v)-1] != ' ' &&
		!(strings.HasPrefix(v, "=?base64?") && strings.HasSuffix(v, "?="))
	for i := 0; plain && i < len(v); i++ {
		plain = v[i] >= 0x20 && v[i] <= 0x7e
	}
	if plain {
		return v
	}
	return "=?base64?" + base64.StdEncoding.EncodeToString([]byte(v)) + "?="
}

// paramHeader is one x-mcp-header annotation of a tool's input schema: the argument at path is mirrored
// into the Mcp-Param-{name} header.
type paramHeader struct {
	path []string
	name string
}

// setParamHeaders adds the Mcp-Param-* headers of a tools/call whose tool declared some.
func setParamHeaders(h http.Header, params []paramHeader, arguments jsontext.Value) {
	for _, p := range params {
		if v, ok := argumentAt(arguments, p.path); ok {
			h.Set("Mcp-Param-"+p.name, encodeHeaderValue(v))
		}
	}
}

// argumentAt returns the string form of the primitive value at path in the arguments object: strings as
// they are, integers in decimal, booleans as true/false. Absent, null and non-primitive values report false.
func argumentAt(arguments jsontext.Value, path []string) (string, bool) {
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

// toolParamHeaders reads the x-mcp-header annotations of an input schema. An annotation that breaks the
// rules of the 2026-07-28 binding (empty or not a header token, duplicated, on a non-primitive or number
// property, or not reachable from the root through properties alone) makes the whole tool invalid.
func toolParamHeaders(schema jsontext.Value) ([]paramHeader, error) {
	if len(schema) == 0 || !bytes.Contains(schema, []byte(`"x-mcp-header"`)) {
		return nil, nil
	}
	var root any
	if err := json.Unmarshal(schema, &root); err != nil {
		return nil, fmt.Errorf("inputSchema is not JSON: %w", err)
	}
	var out []paramHeader
	seen := map[string]bool{}
	if err := scanSchema(root, nil, true, &out, seen); err != nil {
		return nil, err
	}
	return out, nil
}

// scanSchema walks a schema node. reachable means the node is the root or is reached from it through
// properties keys only; path is the chain of those keys.
func scanSchema(node any, path []string, reachable bool, out *[]paramHeader, seen map[string]bool) error {
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
				return fmt.Errorf("x-mcp-header must annotate a property reachable through properties alone")
			}
			if err := checkAnnotation(n, raw, path, seen); err != nil {
				return err
			}
			*out = append(*out, paramHeader{path: append([]string(nil), path...), name: raw.(string)})
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
	for i := 0; i < len(name); i++ {
		if !isTokenChar(name[i]) {
			return fmt.Errorf("x-mcp-header %q of %s is not an HTTP header token", name, where)
		}
	}
	if key := strings.ToLower(name); seen[key] {
		return fmt.Errorf("x-mcp-header %q is used twice", name)
	} else {
		seen[key] = true
	}
	switch t, _ := prop["type"].(string); t {
	case "string", "integer", "boolean":
	default:
		return fmt.Errorf("x-mcp-header %q annotates %s, whose type %q is not string, integer or boolean", name, where, t)
	}
	return nil
}

// isTokenChar reports whether c may appear in an HTTP field name (RFC 9110 tchar).
func isTokenChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// learnTools reads a 2026-07-28 tools/list result: it records each tool's x-mcp-header annotations in
// headers (by tool name) and removes tools whose annotations are invalid, as the binding requires. It
// returns the result to deliver (result itself when nothing was removed) and the names it removed.
func learnTools(result jsontext.Value, headers map[string][]paramHeader) (jsontext.Value, []string, []error) {
	if !bytes.Contains(result, []byte(`"x-mcp-header"`)) {
		// Nothing annotated: forget what earlier pages of these tools declared.
		var page struct {
			Tools []struct {
				Name string `json:"name"`
			} `json:"tools"`
		}
		if json.Unmarshal(result, &page) == nil {
			for _, t := range page.Tools {
				delete(headers, t.Name)
			}
		}
		return result, nil, nil
	}
	var obj map[string]jsontext.Value
	if json.Unmarshal(result, &obj) != nil {
		return result, nil, nil
	}
	var tools []jsontext.Value
	if json.Unmarshal(obj["tools"], &tools) != nil {
		return result, nil, nil
	}
	kept := tools[:0:0]
	var removed []string
	var reasons []error
	for _, raw := range tools {
		var t struct {
			Name        string         `json:"name"`
			InputSchema jsontext.Value `json:"inputSchema"`
		}
		if json.Unmarshal(raw, &t) != nil {
			kept = append(kept, raw)
			continue
		}
		ph, err := toolParamHeaders(t.InputSchema)
		if err != nil {
			removed = append(removed, t.Name)
			reasons = append(reasons, err)
			delete(headers, t.Name)
			continue
		}
		if len(ph) > 0 {
			headers[t.Name] = ph
		} else {
			delete(headers, t.Name)
		}
		kept = append(kept, raw)
	}
	if len(removed) == 0 {
		return result, nil, nil
	}
	list, err := json.Marshal(kept)
	if err != nil {
		return result, nil, nil
	}
	obj["tools"] = list
	out, err := json.Marshal(obj, json.Deterministic(true))
	if err != nil {
		return result, nil, nil
	}
	return out, removed, reasons
}
