package server

import (
	"context"
	"fmt"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/mcp"
)

// CompletionFunc suggests values for an argument: value is what the user typed so far, args the other
// arguments already filled in. At most 100 values are sent; the rest are counted in total and hasMore.
type CompletionFunc func(ctx context.Context, value string, args map[string]string) ([]string, error)

type completionKey struct {
	refType string // mcp.RefPrompt or mcp.RefResource
	ref     string // prompt name or URI template
	arg     string
}

type completer = CompletionFunc

// CompletePromptArgument registers completions for one argument of a prompt.
func (s *Server) CompletePromptArgument(prompt, argument string, fn CompletionFunc) {
	s.mu.Lock()
	s.completers[completionKey{mcp.RefTypePrompt, prompt, argument}] = fn
	s.mu.Unlock()
}

// CompleteResourceVariable registers completions for one variable of a resource template.
func (s *Server) CompleteResourceVariable(uriTemplate, variable string, fn CompletionFunc) {
	s.mu.Lock()
	s.completers[completionKey{mcp.RefTypeResource, uriTemplate, variable}] = fn
	s.mu.Unlock()
}

const maxCompletionValues = 100

func (s *Server) complete(ctx context.Context, r *Request) (jsontext.Value, error) {
	var p mcp.CompleteParams
	if err := decodeParams(r.Params, &p); err != nil {
		return nil, err
	}
	key := completionKey{refType: p.Ref.Type, arg: p.Argument.Name}
	s.mu.RLock()
	switch p.Ref.Type {
	case mcp.RefTypePrompt:
		key.ref = p.Ref.Name
		if _, ok := s.prompts.get(p.Ref.Name); !ok {
			s.mu.RUnlock()
			return nil, invalidParams(fmt.Sprintf("completion/complete: unknown prompt %q", bounded(p.Ref.Name)))
		}
	case mcp.RefTypeResource:
		key.ref = p.Ref.URI
		_, isTemplate := s.templates.get(p.Ref.URI)
		_, isResource := s.resources.get(p.Ref.URI)
		if !isTemplate && !isResource {
			s.mu.RUnlock()
			return nil, invalidParams(fmt.Sprintf("completion/complete: unknown resource or template %q", bounded(p.Ref.URI)))
		}
	default:
		s.mu.RUnlock()
		return nil, invalidParams(fmt.Sprintf("completion/complete: ref.type %q is not ref/prompt or ref/resource", bounded(string(p.Ref.Type))))
	}
	fn := s.completers[key]
	s.mu.RUnlock()

	var res mcp.CompleteResult
	res.Completion.Values = []string{}
	if fn != nil {
		var args map[string]string
		if p.Context != nil {
			args = p.Context.Arguments
		}
		values, err := fn(ctx, p.Argument.Value, args)
		if err != nil {
			if perr := asProtocolError(err); perr != nil {
				return nil, perr
			}
			if ierr := interactionError(mcp.MethodCompletionComplete, err); ierr != nil {
				return nil, ierr
			}
			s.log.Error("mcp: completion failed", "ref", key.ref, "argument", key.arg, "err", err)
			return nil, internalError()
		}
		if len(values) > maxCompletionValues {
			total := len(values)
			res.Completion.Total = &total
			res.Completion.HasMore = true
			values = values[:maxCompletionValues]
		}
		if values != nil {
			res.Completion.Values = values
		}
	}
	r.finish(&res.ResultFields)
	return marshalResult(&res)
}
