package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/schema"
)

// Elicitation is the user's answer to a typed form: the action, and the form's content when accepted.
type Elicitation[T any] struct {
	// Action is accept, decline or cancel.
	Action mcp.ElicitAction
	// Content is the submitted form; the zero T unless Action is accept.
	Content T
}

// Accepted reports whether the user submitted the form.
func (e *Elicitation[T]) Accepted() bool { return e.Action == mcp.ElicitActionAccept }

// Elicit asks the user to fill in a form whose schema is inferred from T, a struct of flat primitive fields
// (strings, numbers, integers, booleans, and string enums or lists of them), with defaults, enums, bounds
// and descriptions from `jsonschema` tags. Fields the client leaves out of accepted content take the
// schema's declared defaults (`default=`); then the content is validated against the schema and decoded
// into T. It works in both eras: see Ask and ErrInputRequired.
func Elicit[T any](ctx context.Context, message string) (*Elicitation[T], error) {
	s, raw, err := elicitSchemaFor(reflect.TypeFor[T]())
	if err != nil {
		return nil, err
	}
	res, err := ElicitWith(ctx, &mcp.ElicitParams{Message: message, RequestedSchema: raw})
	if err != nil {
		return nil, err
	}
	out := &Elicitation[T]{Action: res.Action}
	if res.Action != mcp.ElicitActionAccept {
		return out, nil
	}
	content := res.Content
	if len(content) == 0 || content.Kind() == 'n' {
		content = jsontext.Value(`{}`)
	}
	if content, err = withDefaults(s, content); err != nil {
		return nil, fmt.Errorf("mcp: the client's form content: %w", err)
	}
	if err := s.Validate(content); err != nil {
		return nil, fmt.Errorf("mcp: the client's form content does not match the requested schema: %w", err)
	}
	if err := json.Unmarshal(content, &out.Content); err != nil {
		return nil, fmt.Errorf("mcp: decoding the client's form content: %w", err)
	}
	return out, nil
}

// ElicitWith asks the user with explicit params: a hand-written requestedSchema (form mode) or a URL
// (mode "url", with url and elicitationId). It returns the raw result.
func ElicitWith(ctx context.Context, p *mcp.ElicitParams) (*mcp.ElicitResult, error) {
	if p == nil {
		return nil, errors.New("mcp: ElicitWith needs params")
	}
	if p.Mode == mcp.ElicitModeURL {
		if p.URL == "" {
			return nil, errors.New("mcp: a URL-mode elicitation needs a url")
		}
		if r := RequestFrom(ctx); r != nil && r.Era == mcp.EraModern && p.ElicitationID != "" {
			// 2026-07-28 has no elicitationId (nor notifications/elicitation/complete): the round's
			// requestState ties the answer to the request.
			q := *p
			q.ElicitationID = ""
			p = &q
		} else if p.ElicitationID == "" && (r == nil || r.Era != mcp.EraModern) {
			return nil, errors.New("mcp: a URL-mode elicitation needs an elicitationId in a legacy session")
		}
	} else if len(p.RequestedSchema) == 0 {
		return nil, errors.New("mcp: a form elicitation needs requestedSchema")
	}
	raw, err := Ask(ctx, ElicitationInput("", p))
	if err != nil {
		return nil, err
	}
	var res mcp.ElicitResult
	if err := json.Unmarshal(raw[0], &res); err != nil {
		return nil, fmt.Errorf("mcp: decoding elicitation result: %w", err)
	}
	return &res, nil
}

// ElicitURL sends the user to url (URL-mode elicitation, 2025-11-25 and later) for input that must not
// pass through the client, such as credentials. id identifies the elicitation in a legacy session (tell the
// client when it is done with ElicitationComplete); 2026-07-28 has no such id and it is left out. It
// returns the user's action (accept means "I went"). The client must declare elicitation.url.
func ElicitURL(ctx context.Context, message, url, id string) (mcp.ElicitAction, error) {
	res, err := ElicitWith(ctx, &mcp.ElicitParams{Mode: mcp.ElicitModeURL, Message: message, URL: url, ElicitationID: id})
	if err != nil {
		return "", err
	}
	return res.Action, nil
}

// ElicitationComplete tells the client of the session serving ctx that the URL-mode elicitation id has
// finished (notifications/elicitation/complete, 2025-11-25). It does nothing on other requests.
func ElicitationComplete(ctx context.Context, id string) error {
	r := RequestFrom(ctx)
	if r == nil || r.Era != mcp.EraLegacy || r.out == nil || !mcp.AtLeast(r.ProtocolVersion, mcp.Version20251125) {
		return nil
	}
	return r.out.Notify(ctx, mcp.MethodNotificationElicitationComplete, &mcp.ElicitationCompleteParams{ElicitationID: id})
}

// URLElicitationRequired returns the error a handler returns when the request cannot go on until the user
// has completed URL-mode elicitations (-32042, 2025-11-25): the client shows them and retries. Each
// elicitation needs a message, a url and an elicitationId.
func URLElicitationRequired(elicitations ...mcp.ElicitParams) error {
	for i := range elicitations {
		elicitations[i].Mode = mcp.ElicitModeURL
	}
	data, err := json.Marshal(mcp.URLElicitationRequiredData{Elicitations: elicitations})
	if err != nil {
		return fmt.Errorf("mcp: encoding URL elicitations: %w", err)
	}
	return &jsonrpc.Error{Code: mcp.CodeURLElicitationRequired, Message: "This request requires more information.", Data: data}
}

// elicitSchemas caches the checked form schema of each type.
var elicitSchemas sync.Map // reflect.Type → elicitSchemaEntry

type elicitSchemaEntry struct {
	s   *schema.Schema
	raw jsontext.Value
	err error
}

func elicitSchemaFor(t reflect.Type) (*schema.Schema, jsontext.Value, error) {
	if e, ok := elicitSchemas.Load(t); ok {
		e := e.(elicitSchemaEntry)
		return e.s, e.raw, e.err
	}
	var e elicitSchemaEntry
	e.s, e.err = schema.ForType(t)
	if e.err == nil {
		e.err = checkElicitSchema(e.s)
	}
	if e.err != nil {
		e.err = fmt.Errorf("mcp: %v cannot be an elicitation form: %w", t, e.err)
	} else {
		e.raw = e.s.JSON()
	}
	elicitSchemas.Store(t, e)
	return e.s, e.raw, e.err
}

// checkElicitSchema enforces the spec's restricted form schema: an object of primitive properties.
func checkElicitSchema(s *schema.Schema) error {
	if s.Type != "object" {
		return errors.New("the form must be a struct")
	}
	for _, p := range s.Properties {
		ps := p.Schema
		switch {
		case len(ps.Types) > 0:
			return fmt.Errorf("field %q may be null; forms take primitive values only (use omitempty instead of a pointer)", p.Name)
		case slices.Contains([]string{"string", "number", "integer", "boolean"}, ps.Type):
		case ps.Type == "array" && ps.Items != nil && ps.Items.Type == "string" && len(ps.Items.Enum) > 0:
			// a multi-select enum
		default:
			return fmt.Errorf("field %q is not a string, number, integer, boolean or list of string enum values", p.Name)
		}
	}
	return nil
}

// withDefaults adds the declared default of every property of s that content (a JSON object) leaves out.
func withDefaults(s *schema.Schema, content jsontext.Value) (jsontext.Value, error) {
	var present map[string]jsontext.Value
	var out jsontext.Value
	for _, p := range s.Properties {
		if len(p.Schema.Default) == 0 {
			continue
		}
		if present == nil {
			if err := json.Unmarshal(content, &present); err != nil {
				return nil, err
			}
		}
		if _, ok := present[p.Name]; ok {
			continue
		}
		if out == nil {
			out = append(jsontext.Value(nil), content[:bytes.LastIndexByte(content, '}')]...)
			if len(present) > 0 {
				out = append(out, ',')
			}
		} else {
			out = append(out, ',')
		}
		out, _ = jsontext.AppendQuote(out, p.Name)
		out = append(out, ':')
		out = append(out, p.Schema.Default...)
	}
	if out == nil {
		return content, nil
	}
	return append(out, '}'), nil
}
