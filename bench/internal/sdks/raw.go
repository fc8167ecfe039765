package sdks

import (
	"bytes"
	"io"
	"net/http"
	"sync"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/bench/internal/workload"
)

// The raw ceiling: a plain net/http handler that decodes the same JSON-RPC request into typed values and
// encodes the same result an SDK would, with pooled buffers and nothing else — no sessions, no schema
// validation, no protocol rules. No SDK can be faster than this on the same machine; it shows how much of
// an SDK's time is HTTP and JSON, and how much is the SDK.

func rawSDK() *SDK {
	return &SDK{
		Name:    Raw,
		Version: "net/http",
		HTTP: func(HTTPOptions) (http.Handler, func(), error) {
			return http.HandlerFunc(serveRaw), func() {}, nil
		},
	}
}

type rawRequest struct {
	JSONRPC string         `json:"jsonrpc"`
	ID      jsontext.Value `json:"id,omitzero"`
	Method  string         `json:"method"`
	Params  jsontext.Value `json:"params,omitzero"`
}

type rawCallParams struct {
	Name      string         `json:"name"`
	Arguments jsontext.Value `json:"arguments,omitzero"`
}

type rawResponse struct {
	JSONRPC string         `json:"jsonrpc"`
	ID      jsontext.Value `json:"id"`
	Result  any            `json:"result"`
}

type rawContent struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type rawToolResult struct {
	Content           []rawContent   `json:"content"`
	StructuredContent jsontext.Value `json:"structuredContent,omitzero"`
}

var rawInitResult = jsontext.Value(`{"protocolVersion":"` + workload.LegacyVersion +
	`","capabilities":{"tools":{}},"serverInfo":{"name":"raw","version":"1"}}`)

var rawBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func serveRaw(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	in := rawBuffers.Get().(*bytes.Buffer)
	defer rawBuffers.Put(in)
	in.Reset()
	if _, err := in.ReadFrom(io.LimitReader(r.Body, 4<<20)); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var req rawRequest
	if err := json.Unmarshal(in.Bytes(), &req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if len(req.ID) == 0 { // a notification
		w.WriteHeader(http.StatusAccepted)
		return
	}
	var result any
	switch req.Method {
	case "initialize":
		w.Header().Set("Mcp-Session-Id", "raw")
		result = rawInitResult
	case "tools/call":
		var p rawCallParams
		if err := json.Unmarshal(req.Params, &p); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		switch p.Name {
		case workload.ToolAdd:
			var args workload.AddArgs
			if err := json.Unmarshal(p.Arguments, &args); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			structured, err := json.Marshal(workload.Add(args))
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			result = &rawToolResult{Content: []rawContent{{"text", string(structured)}}, StructuredContent: structured}
		case workload.ToolText:
			result = &rawToolResult{Content: []rawContent{{"text", workload.Text}}}
		default:
			http.Error(w, "unknown tool", http.StatusBadRequest)
			return
		}
	default:
		http.Error(w, "unknown method", http.StatusBadRequest)
		return
	}
	out := rawBuffers.Get().(*bytes.Buffer)
	defer rawBuffers.Put(out)
	out.Reset()
	if err := json.MarshalWrite(out, &rawResponse{JSONRPC: "2.0", ID: req.ID, Result: result}); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(out.Bytes())
}
