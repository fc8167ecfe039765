package server

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/mcp"
)

// PromptResult is the set of results a prompt handler may return: a string (one user message), a list of
// messages, or the whole result.
type PromptResult interface {
	string | []mcp.PromptMessage | *mcp.GetPromptResult
}

type promptEntry struct {
	def mcp.Prompt
	get func(ctx context.Context, args map[string]string) (*mcp.GetPromptResult, error)
}

// Prompt registers a prompt. Its arguments are the string fields of A: the name from the json tag, the
// description from the jsonschema tag, required unless the json tag has omitempty/omitzero or the field is
// a pointer. Use struct{} for a prompt without arguments.
func Prompt[A any, R PromptResult](s *Server, name, description string, fn func(ctx context.Context, args A) (R, error)) {
	AddPrompt(s, mcp.Prompt{Name: name, Description: description}, fn)
}

// AddPrompt is Prompt with the whole definition (title, icons, _meta). def.Arguments, when empty, is
// inferred from A.
func AddPrompt[A any, R PromptResult](s *Server, def mcp.Prompt, fn func(ctx context.Context, args A) (R, error)) {
	if def.Name == "" {
		s.fail(fmt.Errorf("server: a prompt needs a name"))
		return
	}
	args, err := promptArguments(reflect.TypeFor[A]())
	if err != nil {
		s.fail(fmt.Errorf("server: prompt %q: %w", def.Name, err))
		return
	}
	if len(def.Arguments) == 0 {
		def.Arguments = args
	}
	required := []string{}
	for _, a := range def.Arguments {
		if a.Required {
			required = append(required, a.Name)
		}
	}
	e := &promptEntry{def: def}
	e.get = func(ctx context.Context, in map[string]string) (*mcp.GetPromptResult, error) {
		for _, name := range required {
			if _, ok := in[name]; !ok {
				return nil, invalidParams(fmt.Sprintf("prompt %q: missing required argument %q", def.Name, name))
			}
		}
		var a A
		if len(in) > 0 {
			raw, err := json.Marshal(in)
			if err != nil {
				return nil, err
			}
			if err := json.Unmarshal(raw, &a); err != nil {
				return nil, invalidParams(fmt.Sprintf("prompt %q: arguments: %s", def.Name, trimJSONErr(err)))
			}
		}
		out, err := fn(ctx, a)
		if err != nil {
			return nil, err
		}
		switch v := any(out).(type) {
		case string:
			return &mcp.GetPromptResult{Messages: []mcp.PromptMessage{{Role: mcp.RoleUser, Content: mcp.TextContent(v)}}}, nil
		case []mcp.PromptMessage:
			return &mcp.GetPromptResult{Messages: v}, nil
		case *mcp.GetPromptResult:
			if v == nil {
				return &mcp.GetPromptResult{}, nil
			}
			return v, nil
		}
		return nil, fmt.Errorf("unreachable prompt result type %T", out)
	}
	s.mu.Lock()
	s.prompts.put(def.Name, e)
	s.mu.Unlock()
	s.promptsChanged()
}

// promptArguments infers prompt arguments from a struct of string fields.
func promptArguments(t reflect.Type) ([]mcp.PromptArgument, error) {
	if t.Kind() == reflect.Map && t.Key().Kind() == reflect.String && t.Elem().Kind() == reflect.String {
		return nil, nil // free-form arguments
	}
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("argument type %s must be a struct of string fields or map[string]string", t)
	}
	var out []mcp.PromptArgument
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" && opts == "" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		ft := f.Type
		optional := strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero")
		if ft.Kind() == reflect.Pointer {
			ft, optional = ft.Elem(), true
		}
		if ft.Kind() != reflect.String {
			return nil, fmt.Errorf("field %s is %s: prompt arguments are strings", f.Name, f.Type)
		}
		desc := f.Tag.Get("jsonschema")
		if d, ok := strings.CutPrefix(desc, "description="); ok {
			desc = d
		}
		out = append(out, mcp.PromptArgument{Name: name, Description: desc, Required: !optional})
	}
	return out, nil
}

// RemovePrompts removes prompts by name.
func (s *Server) RemovePrompts(names ...string) {
	removed := false
	s.mu.Lock()
	for _, n := range names {
		removed = s.prompts.remove(n) || removed
	}
	s.mu.Unlock()
	if removed {
		s.promptsChanged()
	}
}

func (s *Server) listPrompts(ctx context.Context, r *Request) (jsontext.Value, error) {
	var p mcp.ListPromptsParams
	if err := decodeParams(r.Params, &p); err != nil {
		return nil, err
	}
	s.mu.RLock()
	entries, next, err := s.prompts.page(p.Cursor, s.opts.PageSize)
	s.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	res := mcp.ListPromptsResult{Prompts: make([]mcp.Prompt, len(entries)), NextCursor: next}
	hide := s.hiding(ctx)
	res.Prompts = res.Prompts[:0]
	for _, e := range entries {
		if !hide || s.allowed(ctx, scopePrompt, e.def.Name) == nil {
			res.Prompts = append(res.Prompts, e.def)
		}
	}
	r.finish(&res.ResultFields)
	r.cache(&res.CacheHints, s.opts.ListTTL.Milliseconds(), listScope(hide))
	return marshalResult(&res)
}

func (s *Server) getPrompt(ctx context.Context, r *Request) (jsontext.Value, error) {
	var p mcp.GetPromptParams
	if err := decodeParams(r.Params, &p); err != nil {
		return nil, err
	}
	s.mu.RLock()
	e, ok := s.prompts.get(p.Name)
	s.mu.RUnlock()
	if !ok {
		return nil, invalidParams(fmt.Sprintf("unknown prompt %q", bounded(p.Name)))
	}
	if err := s.checkScope(ctx, scopePrompt, p.Name); err != nil {
		return nil, err
	}
	res, err := e.get(ctx, p.Arguments)
	if err != nil {
		if perr := asProtocolError(err); perr != nil {
			return nil, perr
		}
		if ierr := interactionError(mcp.MethodPromptsGet, err); ierr != nil {
			return nil, ierr
		}
		s.log.Error("mcp: prompt failed", "prompt", p.Name, "err", err)
		return nil, internalError()
	}
	if res.Messages == nil {
		res.Messages = []mcp.PromptMessage{}
	}
	r.finish(&res.ResultFields)
	return marshalResult(res)
}
