package streamable

import (
	"bytes"
	"net/http"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/mcp"
)

// setParamHeaders adds the Mcp-Param-* headers of a tools/call whose tool declared some.
func setParamHeaders(h http.Header, params []mcp.ParamHeader, arguments jsontext.Value) {
	for _, p := range params {
		if v, ok := mcp.ParamValue(arguments, p.Path); ok {
			h.Set(p.Header(), mcp.EncodeHeaderValue(v))
		}
	}
}

// learnTools reads a 2026-07-28 tools/list result: it records each tool's x-mcp-header annotations in
// headers (by tool name) and removes tools whose annotations are invalid, as the binding requires. It
// returns the result to deliver (result itself when nothing was removed) and the names it removed.
func learnTools(result jsontext.Value, headers map[string][]mcp.ParamHeader) (jsontext.Value, []string, []error) {
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
		ph, err := mcp.ParamHeaders(t.InputSchema)
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
