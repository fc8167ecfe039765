package server

import (
	"bytes"
	"context"
	"fmt"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/internal/bufpool"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport"
)

// ToolHandler serves a tool whose arguments arrive as raw JSON (already validated against the tool's
// input schema). A *jsonrpc.Error the handler constructs (returned or wrapped) is sent as a protocol
// error; any other error, including a *ClientError from a question the handler asked the client, becomes
// a result with isError set and the error's message as text, so the model can see it and try again.
type ToolHandler func(ctx context.Context, args jsontext.Value) (*mcp.CallToolResult, error)

// toolEntry is a registered tool.
type toolEntry struct {
	def  mcp.Tool
	in   validator // nil accepts any arguments object
	out  validator // nil: no output schema
	call ToolHandler
	// headers are the input schema's x-mcp-header annotations (checked on 2026-07-28 HTTP requests).
	headers []paramHeader
	// deferTask: a 2026-07-28 call becomes a task when the handler calls StartTask (DeferTaskStart).
	deferTask bool
}

// Tool registers a typed tool: the input schema is inferred from In, the output schema from Out, and
// arguments and results are validated against them. Out may be a struct or map (sent as
// structuredContent), any other type (wrapped as {"result": value}), mcp.Content or []mcp.Content (sent as
// content only), or *mcp.CallToolResult (sent as is). A registration error (a type that has no JSON Schema,
// a malformed struct tag) is reported by Server.Err and stops the server from serving.
func Tool[In, Out any](s *Server, name, description string, fn func(ctx context.Context, in In) (Out, error)) {
	AddTool(s, mcp.Tool{Name: name, Description: description}, fn)
}

// AddTool is Tool with the whole definition: title, annotations, icons, _meta. InputSchema and
// OutputSchema are inferred when empty; when set they replace the inferred ones (and are used to validate).
func AddTool[In, Out any](s *Server, def mcp.Tool, fn func(ctx context.Context, in In) (Out, error)) {
	e, err := newTypedTool(def, fn)
	if err != nil {
		s.fail(fmt.Errorf("server: tool %q: %w", def.Name, err))
		return
	}
	s.putTool(e)
}

// AddRawTool registers a tool with an explicit input schema (def.InputSchema, required) and a handler that
// receives the raw arguments. Use it for schemas known only at run time.
func (s *Server) AddRawTool(def mcp.Tool, h ToolHandler) {
	if len(def.InputSchema) == 0 {
		s.fail(fmt.Errorf("server: tool %q: AddRawTool needs an InputSchema", def.Name))
		return
	}
	in, err := compileSchema(def.InputSchema)
	if err != nil {
		s.fail(fmt.Errorf("server: tool %q: input schema: %w", def.Name, err))
		return
	}
	var out validator
	if len(def.OutputSchema) > 0 {
		if out, err = compileSchema(def.OutputSchema); err != nil {
			s.fail(fmt.Errorf("server: tool %q: output schema: %w", def.Name, err))
			return
		}
	}
	s.putTool(&toolEntry{def: def, in: in, out: out, call: h})
}

// AddForwardedTool registers a tool that another server runs: a proxy or gateway forwarding its calls
// upstream. It is AddRawTool without this server's own validation — neither the arguments against
// def.InputSchema nor the result's structuredContent against def.OutputSchema — because the server that
// runs the tool validates both, and checking them twice on every forwarded call only adds latency. The
// arguments must still be a JSON object (a tool error otherwise, as for any tool); name lookup, scopes,
// x-mcp-header checks and the era's rules apply as for any tool, and the schemas are listed as given.
func (s *Server) AddForwardedTool(def mcp.Tool, h ToolHandler) {
	if len(def.InputSchema) == 0 {
		s.fail(fmt.Errorf("server: tool %q: AddForwardedTool needs an InputSchema", def.Name))
		return
	}
	s.putTool(&toolEntry{def: def, in: objectOnly{}, call: h})
}

// objectOnly is the input check of a forwarded tool: any JSON object.
type objectOnly struct{}

func (objectOnly) Validate(v jsontext.Value) error {
	if v.Kind() != '{' {
		return fmt.Errorf("arguments must be a JSON object")
	}
	return nil
}

func (s *Server) putTool(e *toolEntry) {
	if e.def.Name == "" {
		s.fail(fmt.Errorf("server: a tool needs a name"))
		return
	}
	hs, err := toolParamHeaders(e.def.InputSchema)
	if err != nil {
		s.fail(fmt.Errorf("server: tool %q: input schema: %w", e.def.Name, err))
		return
	}
	e.headers = hs
	s.mu.Lock()
	s.tools.put(e.def.Name, e)
	s.mu.Unlock()
	s.toolsChanged()
}

// RemoveTools removes tools by name and tells clients when any was removed.
func (s *Server) RemoveTools(names ...string) {
	removed := false
	s.mu.Lock()
	for _, n := range names {
		removed = s.tools.remove(n) || removed
	}
	s.mu.Unlock()
	if removed {
		s.toolsChanged()
	}
}

func (s *Server) listTools(ctx context.Context, r *Request) (jsontext.Value, error) {
	var p mcp.ListToolsParams
	if err := decodeParams(r.Params, &p); err != nil {
		return nil, err
	}
	s.mu.RLock()
	entries, next, err := s.tools.page(p.Cursor, s.opts.PageSize)
	s.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	res := mcp.ListToolsResult{Tools: make([]mcp.Tool, len(entries)), NextCursor: next}
	hide := s.hiding(ctx)
	res.Tools = res.Tools[:0]
	for _, e := range entries {
		if !hide || s.allowed(ctx, scopeTool, e.def.Name) == nil {
			res.Tools = append(res.Tools, gateTool(e.def, r.ProtocolVersion))
		}
	}
	r.finish(&res.ResultFields)
	r.cache(&res.CacheHints, s.opts.ListTTL.Milliseconds(), listScope(hide))
	return marshalResult(&res)
}

// gateTool drops the fields a protocol version does not have.
func gateTool(t mcp.Tool, version string) mcp.Tool {
	if !mcp.HasStructuredContent(version) {
		t.OutputSchema = nil
		t.Title = ""
	}
	if t.Execution != nil && !legacyHasTasks(version) || mcp.EraOf(version) == mcp.EraModern {
		t.Execution = nil // 2025-11-25 only: 2026-07-28 tools have no execution member
	}
	return t
}

func (s *Server) callTool(ctx context.Context, r *Request) (jsontext.Value, error) {
	var p mcp.CallToolParams
	if err := unmarshalParams(r.Params, &p); err != nil {
		return nil, err
	}
	if p.Name == "" {
		return nil, invalidParams("tools/call: name is required")
	}
	s.mu.RLock()
	t, ok := s.tools.get(p.Name)
	s.mu.RUnlock()
	if !ok {
		return nil, invalidParams(fmt.Sprintf("unknown tool %q", bounded(p.Name)))
	}
	if err := s.checkScope(ctx, scopeTool, p.Name); err != nil {
		return nil, err
	}
	args := p.Arguments
	if len(args) == 0 || args.Kind() == 'n' {
		args = emptyObject
	}
	if len(t.headers) > 0 && r.Era == mcp.EraModern {
		if hp, ok := r.out.(transport.HeaderPeer); ok {
			if h := hp.RequestHeader(); h != nil {
				if e := checkParamHeaders(t.headers, h, args); e != nil {
					return nil, e
				}
			}
		}
	}
	if t.in != nil {
		if err := t.in.Validate(args); err != nil {
			return marshalToolResult(r, toolError(fmt.Sprintf("invalid arguments for tool %q: %s", p.Name, boundedTo(err.Error(), maxErrText))))
		}
	}
	if mode, err := s.taskMode(r, t, p.Task); err != nil {
		return nil, err
	} else if mode != taskInline {
		return s.callToolAsTask(ctx, r, t, args, p.Task, mode)
	}
	res, err := s.runTool(ctx, t, args)
	if err != nil {
		return nil, err
	}
	return marshalToolResult(r, res)
}

// runTool calls the tool's handler and checks its result: a protocol error is returned as a
// *jsonrpc.Error, any other handler error becomes a result with isError set.
func (s *Server) runTool(ctx context.Context, t *toolEntry, args jsontext.Value) (*mcp.CallToolResult, error) {
	res, err := t.call(ctx, args)
	if err != nil {
		if perr := asProtocolError(err); perr != nil {
			return nil, perr
		}
		return toolError(err.Error()), nil
	}
	if res == nil {
		res = &mcp.CallToolResult{}
	}
	if t.out != nil && !res.IsError {
		if len(res.StructuredContent) == 0 {
			s.log.Error("mcp: tool returned no structuredContent although it has an output schema", "tool", t.def.Name)
			return nil, internalError()
		}
		if err := t.out.Validate(res.StructuredContent); err != nil {
			s.log.Error("mcp: tool output does not match its output schema", "tool", t.def.Name, "err", err)
			return nil, internalError()
		}
	}
	return res, nil
}

var emptyObject = jsontext.Value(`{}`)

func marshalToolResult(r *Request, res *mcp.CallToolResult) (jsontext.Value, error) {
	r.iaBox.toolErr = res.IsError
	if !mcp.HasStructuredContent(r.ProtocolVersion) {
		res.StructuredContent = nil
	}
	if res.Content == nil {
		res.Content = []mcp.Content{}
	}
	r.finish(&res.ResultFields)
	buf := bufpool.Get()
	defer bufpool.Put(buf)
	if b, ok := res.AppendJSON(buf.B[:0]); ok {
		buf.B = b
		return bytes.Clone(b), nil
	}
	return marshalResult(res)
}

func toolError(msg string) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: []mcp.Content{mcp.TextContent(msg)}, IsError: true}
}
