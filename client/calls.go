package client

import (
	"context"
	"fmt"
	"iter"

	"github.com/mcpkit/mcpkit/mcp"
)

// Ping checks that the server answers: ping in the legacy era, server/discover in the modern one (which
// has no ping).
func (s *Session) Ping(ctx context.Context) error {
	if s.era == mcp.EraModern {
		return s.call(ctx, mcp.MethodDiscover, nil, nil)
	}
	return s.call(ctx, mcp.MethodPing, nil, nil)
}

// ListTools returns one page of tools; pass the previous page's NextCursor to continue.
func (s *Session) ListTools(ctx context.Context, cursor string) (*mcp.ListToolsResult, error) {
	var res mcp.ListToolsResult
	if err := s.call(ctx, mcp.MethodToolsList, &mcp.ListToolsParams{Cursor: cursor}, &res); err != nil {
		return nil, err
	}
	s.toolTasks.record(res.Tools)
	return &res, nil
}

// Tools iterates over every tool, fetching pages as needed. An error ends the iteration.
func (s *Session) Tools(ctx context.Context) iter.Seq2[mcp.Tool, error] {
	return paginate(ctx, s.ListTools, func(r *mcp.ListToolsResult) ([]mcp.Tool, string) { return r.Tools, r.NextCursor })
}

// ListResources returns one page of resources.
func (s *Session) ListResources(ctx context.Context, cursor string) (*mcp.ListResourcesResult, error) {
	var res mcp.ListResourcesResult
	if err := s.call(ctx, mcp.MethodResourcesList, &mcp.ListResourcesParams{Cursor: cursor}, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// Resources iterates over every resource.
func (s *Session) Resources(ctx context.Context) iter.Seq2[mcp.Resource, error] {
	return paginate(ctx, s.ListResources, func(r *mcp.ListResourcesResult) ([]mcp.Resource, string) { return r.Resources, r.NextCursor })
}

// ListResourceTemplates returns one page of resource templates.
func (s *Session) ListResourceTemplates(ctx context.Context, cursor string) (*mcp.ListResourceTemplatesResult, error) {
	var res mcp.ListResourceTemplatesResult
	if err := s.call(ctx, mcp.MethodResourcesTemplatesList, &mcp.ListResourceTemplatesParams{Cursor: cursor}, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// ResourceTemplates iterates over every resource template.
func (s *Session) ResourceTemplates(ctx context.Context) iter.Seq2[mcp.ResourceTemplate, error] {
	return paginate(ctx, s.ListResourceTemplates, func(r *mcp.ListResourceTemplatesResult) ([]mcp.ResourceTemplate, string) {
		return r.ResourceTemplates, r.NextCursor
	})
}

// ReadResource reads a resource by URI.
func (s *Session) ReadResource(ctx context.Context, uri string) (*mcp.ReadResourceResult, error) {
	var res mcp.ReadResourceResult
	if err := s.call(ctx, mcp.MethodResourcesRead, &mcp.ReadResourceParams{URI: uri}, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// Subscribe asks for notifications/resources/updated about uri (legacy era).
func (s *Session) Subscribe(ctx context.Context, uri string) error {
	return s.call(ctx, mcp.MethodResourcesSubscribe, &mcp.SubscribeParams{URI: uri}, nil)
}

// Unsubscribe cancels Subscribe.
func (s *Session) Unsubscribe(ctx context.Context, uri string) error {
	return s.call(ctx, mcp.MethodResourcesUnsubscribe, &mcp.SubscribeParams{URI: uri}, nil)
}

// ListPrompts returns one page of prompts.
func (s *Session) ListPrompts(ctx context.Context, cursor string) (*mcp.ListPromptsResult, error) {
	var res mcp.ListPromptsResult
	if err := s.call(ctx, mcp.MethodPromptsList, &mcp.ListPromptsParams{Cursor: cursor}, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// Prompts iterates over every prompt.
func (s *Session) Prompts(ctx context.Context) iter.Seq2[mcp.Prompt, error] {
	return paginate(ctx, s.ListPrompts, func(r *mcp.ListPromptsResult) ([]mcp.Prompt, string) { return r.Prompts, r.NextCursor })
}

// GetPrompt renders a prompt with arguments.
func (s *Session) GetPrompt(ctx context.Context, name string, args map[string]string) (*mcp.GetPromptResult, error) {
	var res mcp.GetPromptResult
	if err := s.call(ctx, mcp.MethodPromptsGet, &mcp.GetPromptParams{Name: name, Arguments: args}, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// Complete asks for completions of a prompt argument or resource template variable.
func (s *Session) Complete(ctx context.Context, p *mcp.CompleteParams) (*mcp.CompleteResult, error) {
	var res mcp.CompleteResult
	if err := s.call(ctx, mcp.MethodCompletionComplete, p, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// SetLevel sets the minimum level of log notifications: logging/setLevel in the legacy era; in the modern
// era it changes the level sent with every later request.
func (s *Session) SetLevel(ctx context.Context, level mcp.LoggingLevel) error {
	if s.era == mcp.EraModern {
		if level != "" && !level.Valid() {
			return fmt.Errorf("client: %q is not a log level", level)
		}
		return s.buildMeta(level)
	}
	return s.call(ctx, mcp.MethodLoggingSetLevel, &mcp.SetLevelParams{Level: level}, nil)
}

// paginate turns a page fetcher into an iterator.
func paginate[R any, T any](ctx context.Context, fetch func(context.Context, string) (*R, error), items func(*R) ([]T, string)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		cursor := ""
		seen := map[string]bool{}
		for {
			page, err := fetch(ctx, cursor)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			list, next := items(page)
			for _, it := range list {
				if !yield(it, nil) {
					return
				}
			}
			if next == "" {
				return
			}
			if seen[next] {
				var zero T
				yield(zero, fmt.Errorf("client: the server repeated cursor %q; stopping", next))
				return
			}
			seen[next] = true
			cursor = next
		}
	}
}
