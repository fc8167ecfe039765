package streamable

import (
	"bytes"
	"net/http"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/internal/httpx"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
)

// Header names of the MCP HTTP binding.
const (
	headerSessionID       = "Mcp-Session-Id"
	headerProtocolVersion = "Mcp-Protocol-Version" // canonical form: Header.Get then needs no conversion
	headerMethod          = "Mcp-Method"
	headerName            = "Mcp-Name"
	headerLastEventID     = "Last-Event-Id"
)

// bodyFacts are the body values the 2026-07-28 headers mirror (read by the server to check the headers,
// and by the client to write them).
type bodyFacts struct {
	version string // params._meta["io.modelcontextprotocol/protocolVersion"]: set for 2026-07-28 requests
	name    string // params.name, params.uri or params.taskId, for the methods that have Mcp-Name
	hasName bool
	params  jsontext.Value // the params, for the arguments that Mcp-Param-* headers mirror
	// traceParent and traceState are params._meta's W3C trace context, which the client mirrors into
	// the traceparent and tracestate headers.
	traceParent, traceState string
}

var metaKey = []byte(`"_meta"`)

func readBodyFacts(m *jsonrpc.Message) bodyFacts {
	f := bodyFacts{params: m.Params}
	if len(m.Params) == 0 {
		return f
	}
	var p struct {
		Meta *struct {
			Version     string `json:"io.modelcontextprotocol/protocolVersion"`
			TraceParent string `json:"traceparent"`
			TraceState  string `json:"tracestate"`
		} `json:"_meta"`
		Name   *string `json:"name"`
		URI    *string `json:"uri"`
		TaskID *string `json:"taskId"`
	}
	if bytes.Contains(m.Params, metaKey) || nameMethod(m.Method) != "" {
		_ = json.Unmarshal(m.Params, &p)
	}
	if p.Meta != nil {
		f.version = p.Meta.Version
		f.traceParent, f.traceState = p.Meta.TraceParent, p.Meta.TraceState
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
	case "taskId":
		if p.TaskID != nil {
			f.name, f.hasName = *p.TaskID, true
		}
	}
	return f
}

// nameMethod says which params member Mcp-Name mirrors for a method ("" when it has none).
func nameMethod(method string) string {
	switch method {
	case mcp.MethodToolsCall, mcp.MethodPromptsGet:
		return "name"
	case mcp.MethodResourcesRead:
		return "uri"
	case mcp.MethodTasksGet, mcp.MethodTasksUpdate, mcp.MethodTasksCancel: // tasks extension (SEP-2663)
		return "taskId"
	}
	return ""
}

// isModernRequest decides the era of a POST: the body's _meta names a protocol version, or the
// MCP-Protocol-Version header names a 2026-07-28-era version. Everything else follows the legacy rules.
func isModernRequest(r *http.Request, m *jsonrpc.Message) bool {
	if mcp.EraOf(r.Header.Get(headerProtocolVersion)) == mcp.EraModern {
		return true
	}
	return readBodyFacts(m).version != ""
}

// mirroredHeaders are the headers that repeat the body of a 2026-07-28 request, canonical keys.
var mirroredHeaders = [...]string{headerProtocolVersion, headerMethod, headerName}

// checkModernHeaders validates the mirrored headers against the body: any missing, malformed or
// mismatching header, or one sent twice, is -32020 (HeaderMismatch).
func checkModernHeaders(r *http.Request, m *jsonrpc.Message) *jsonrpc.Error {
	for _, h := range mirroredHeaders {
		if len(r.Header[h]) > 1 {
			// Two values: a proxy routing on one of them would see another request than the server.
			return headerMismatch("the " + h + " header appears more than once")
		}
	}
	f := readBodyFacts(m)
	hv := r.Header.Get(headerProtocolVersion)
	switch {
	case hv == "":
		return headerMismatch("the MCP-Protocol-Version header is required")
	case f.version != "" && hv != f.version:
		return headerMismatch("MCP-Protocol-Version header " + quote(hv) + " does not match _meta protocolVersion " + quote(f.version))
	}
	if m.IsRequest() || m.IsNotification() {
		hm, ok := headerValue(r, headerMethod)
		switch {
		case !ok:
			return headerMismatch("the Mcp-Method header is malformed")
		case hm == "":
			return headerMismatch("the Mcp-Method header is required")
		case hm != m.Method:
			return headerMismatch("Mcp-Method header " + quote(hm) + " does not match the body method " + quote(m.Method))
		}
	}
	if nameMethod(m.Method) != "" {
		hn, ok := headerValue(r, headerName)
		switch {
		case !ok:
			return headerMismatch("the Mcp-Name header is malformed")
		case r.Header.Get(headerName) == "" && f.hasName:
			return headerMismatch("the Mcp-Name header is required for " + m.Method)
		case f.hasName && hn != f.name:
			return headerMismatch("Mcp-Name header " + quote(hn) + " does not match the body value " + quote(f.name))
		}
	}
	return nil
}

// headerValue returns a header's value, decoding the =?base64?…?= form. ok is false for a malformed
// encoding or forbidden characters.
func headerValue(r *http.Request, name string) (string, bool) {
	v, err := mcp.DecodeHeaderValue(r.Header.Get(name))
	return v, err == nil
}

func headerMismatch(msg string) *jsonrpc.Error {
	return &jsonrpc.Error{Code: mcp.CodeHeaderMismatch, Message: "Header mismatch: " + msg}
}

// quote quotes caller input for an error message, bounded (httpx.Quote).
func quote(s string) string { return httpx.Quote(s) }

// quoteID quotes a request id for an error message, bounded.
func quoteID(id jsonrpc.ID) string { return httpx.Quote(id.String()) }

// modernStatus is the HTTP status of a 2026-07-28 error answered as JSON.
func modernStatus(e *jsonrpc.Error) int {
	switch e.Code {
	case mcp.CodeMethodNotFound:
		return http.StatusNotFound
	case mcp.CodeInvalidParams, mcp.CodeInvalidRequest, mcp.CodeParseError, mcp.CodeHeaderMismatch,
		mcp.CodeMissingRequiredClientCapability, mcp.CodeUnsupportedProtocolVersion:
		return http.StatusBadRequest
	}
	return http.StatusOK
}
