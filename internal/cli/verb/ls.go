package verb

import (
	"context"
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
)

// descWidth bounds a description in a table: its first line, cut at this many characters.
const descWidth = 60

// listing is everything ls shows; a nil list is a section the server does not support.
type listing struct {
	Tools             []mcp.Tool             `json:"tools,omitzero"`
	Resources         []mcp.Resource         `json:"resources,omitzero"`
	ResourceTemplates []mcp.ResourceTemplate `json:"resourceTemplates,omitzero"`
	Prompts           []mcp.Prompt           `json:"prompts,omitzero"`
}

// Ls prints the server's tools, resources, resource templates and prompts: aligned tables, a section
// saying "(none)" when its list is empty and "(not offered by this server)" when the server lacks the
// capability; with JSON one object with the four lists (absent: not offered).
func Ls(ctx context.Context, s *client.Session, e *Env) error {
	caps := s.ServerCapabilities()
	var l listing
	var err error
	if caps.Tools != nil {
		if l.Tools, err = collect(ctx, s.Tools); err != nil {
			return fmt.Errorf("tools/list: %w", err)
		}
	}
	if caps.Resources != nil {
		if l.Resources, err = collect(ctx, s.Resources); err != nil {
			return fmt.Errorf("resources/list: %w", err)
		}
		if l.ResourceTemplates, err = collect(ctx, s.ResourceTemplates); err != nil {
			return fmt.Errorf("resources/templates/list: %w", err)
		}
	}
	if caps.Prompts != nil {
		if l.Prompts, err = collect(ctx, s.Prompts); err != nil {
			return fmt.Errorf("prompts/list: %w", err)
		}
	}
	if e.JSON {
		return printJSON(e.Out, &l)
	}
	w := e.Out
	section(w, "TOOLS", l.Tools, []string{"NAME", "ARGUMENTS", "DESCRIPTION"}, func(t mcp.Tool) []string {
		return []string{t.Name, toolArgs(t.InputSchema), desc(t.Title, t.Description)}
	})
	section(w, "RESOURCES", l.Resources, []string{"URI", "NAME", "MIME TYPE", "DESCRIPTION"}, func(r mcp.Resource) []string {
		return []string{r.URI, r.Name, r.MimeType, desc(r.Title, r.Description)}
	})
	section(w, "RESOURCE TEMPLATES", l.ResourceTemplates, []string{"URI TEMPLATE", "NAME", "MIME TYPE", "DESCRIPTION"}, func(r mcp.ResourceTemplate) []string {
		return []string{r.URITemplate, r.Name, r.MimeType, desc(r.Title, r.Description)}
	})
	section(w, "PROMPTS", l.Prompts, []string{"NAME", "ARGUMENTS", "DESCRIPTION"}, func(p mcp.Prompt) []string {
		return []string{p.Name, promptArgs(p.Arguments), desc(p.Title, p.Description)}
	})
	return nil
}

// collect reads every page of a list; the result is non-nil (an empty list is not an unsupported one).
func collect[T any](ctx context.Context, seq func(context.Context) iter.Seq2[T, error]) ([]T, error) {
	out := []T{}
	for x, err := range seq(ctx) {
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

// section prints a titled table, or why there is none.
func section[T any](w io.Writer, title string, items []T, head []string, row func(T) []string) {
	fmt.Fprintf(w, "%s\n", title)
	switch {
	case items == nil:
		fmt.Fprint(w, "  (not offered by this server)\n\n")
		return
	case len(items) == 0:
		fmt.Fprint(w, "  (none)\n\n")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.TabIndent)
	line := func(cells []string) {
		for i := range cells {
			cells[i] = strings.Map(func(r rune) rune {
				if r == '\t' || r == '\n' || r == '\r' {
					return ' '
				}
				return r
			}, cells[i])
		}
		fmt.Fprintf(tw, "  %s\n", strings.TrimRight(strings.Join(cells, "\t"), "\t"))
	}
	line(slices.Clone(head))
	for _, it := range items {
		line(row(it))
	}
	tw.Flush()
	fmt.Fprintln(w)
}

// desc is a table's description cell: the title and the description's first line, cut to descWidth.
func desc(title, d string) string {
	d, _, _ = strings.Cut(d, "\n")
	if title != "" && title != d {
		if d == "" {
			d = title
		} else {
			d = title + ": " + d
		}
	}
	if utf8.RuneCountInString(d) > descWidth {
		d = string([]rune(d)[:descWidth-1]) + "…"
	}
	return d
}

// toolArgs lists a tool's arguments as name:type, an optional one with a "?" after its name, in the
// schema's order.
func toolArgs(schema jsontext.Value) string {
	var s struct {
		Properties jsontext.Value `json:"properties"`
		Required   []string       `json:"required"`
	}
	if json.Unmarshal(schema, &s) != nil || len(s.Properties) == 0 {
		return ""
	}
	var parts []string
	for name, prop := range orderedMembers(s.Properties) {
		var p struct {
			Type any `json:"type"`
		}
		_ = json.Unmarshal(prop, &p)
		opt := "?"
		if slices.Contains(s.Required, name) {
			opt = ""
		}
		part := name + opt
		switch t := p.Type.(type) {
		case string:
			part += ":" + t
		case []any:
			var ts []string
			for _, x := range t {
				if str, ok := x.(string); ok {
					ts = append(ts, str)
				}
			}
			part += ":" + strings.Join(ts, "|")
		}
		parts = append(parts, part)
	}
	return strings.Join(parts, " ")
}

// orderedMembers iterates over a JSON object's members in the order they are written.
func orderedMembers(obj jsontext.Value) iter.Seq2[string, jsontext.Value] {
	return func(yield func(string, jsontext.Value) bool) {
		dec := jsontext.NewDecoder(strings.NewReader(string(obj)))
		if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
			return
		}
		for dec.PeekKind() != '}' {
			tok, err := dec.ReadToken()
			if err != nil {
				return
			}
			name := tok.String() // before the next read voids tok
			val, err := dec.ReadValue()
			if err != nil {
				return
			}
			if !yield(name, val) {
				return
			}
		}
	}
}

// promptArgs lists a prompt's arguments, an optional one with a "?" after its name.
func promptArgs(args []mcp.PromptArgument) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = a.Name
		if !a.Required {
			parts[i] += "?"
		}
	}
	return strings.Join(parts, " ")
}
