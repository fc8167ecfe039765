package ask

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/go-json-experiment/json"

	"github.com/mcpkit/mcpkit/mcp"
)

// Fill asks for each field of form in turn on out, reading the answers from in: the default is shown in
// brackets and taken on an empty line, enums are numbered choices, a value that does not fit is explained
// and asked again. Then it asks whether to send the answer (accept), decline or cancel. The end of input
// cancels; ctx ending returns its error.
func Fill(ctx context.Context, in *Lines, out io.Writer, message string, form *Form) (*mcp.ElicitResult, error) {
	fmt.Fprintf(out, "\nThe server asks: %s\n", message)
	content := map[string]any{}
	for i := range form.Fields {
		v, set, err := askField(ctx, in, out, &form.Fields[i])
		if errors.Is(err, errEOF) {
			fmt.Fprintln(out, "\n(input ended: cancelled)")
			return &mcp.ElicitResult{Action: mcp.ElicitActionCancel}, nil
		}
		if err != nil {
			return nil, err
		}
		if set {
			content[form.Fields[i].Name] = v
		}
	}
	for {
		fmt.Fprint(out, "Send this answer? [Y]es / [n]o, decline / [c]ancel: ")
		s, err := in.next(ctx)
		if errors.Is(err, errEOF) {
			fmt.Fprintln(out, "\n(input ended: cancelled)")
			return &mcp.ElicitResult{Action: mcp.ElicitActionCancel}, nil
		}
		if err != nil {
			return nil, err
		}
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "", "y", "yes", "a", "accept":
			raw, err := json.Marshal(content, json.Deterministic(true))
			if err != nil {
				return nil, err
			}
			return &mcp.ElicitResult{Action: mcp.ElicitActionAccept, Content: raw}, nil
		case "n", "no", "d", "decline":
			return &mcp.ElicitResult{Action: mcp.ElicitActionDecline}, nil
		case "c", "cancel":
			return &mcp.ElicitResult{Action: mcp.ElicitActionCancel}, nil
		}
		fmt.Fprintln(out, "  answer y, n or c")
	}
}

// askField asks for one field until the answer fits; set is false when an optional field is left empty.
func askField(ctx context.Context, in *Lines, out io.Writer, f *Field) (v any, set bool, err error) {
	s := &f.Schema
	head := "  " + f.Label()
	if s.Description != "" && s.Description != f.Label() {
		head += " — " + s.Description
	}
	var hints []string
	if f.Required {
		hints = append(hints, "required")
	}
	switch {
	case s.Type == "boolean":
		hints = append(hints, "y/n")
	case s.Type == "array":
		hints = append(hints, "numbers separated by commas")
	case len(f.Choices) > 0:
		hints = append(hints, fmt.Sprintf("1-%d", len(f.Choices)))
	case s.Type == "integer":
		hints = append(hints, "whole number")
	case s.Type == "number":
		hints = append(hints, "number")
	case s.Format != "":
		hints = append(hints, formatHint(s.Format))
	}
	if s.Minimum != nil || s.Maximum != nil {
		hints = append(hints, bounds(s.Minimum, s.Maximum))
	}
	if len(hints) > 0 {
		head += " (" + strings.Join(hints, ", ") + ")"
	}
	def, hasDef := f.Default()
	fmt.Fprintln(out, head)
	for i, c := range f.Choices {
		fmt.Fprintf(out, "    %d) %s\n", i+1, c.Label)
	}
	for {
		fmt.Fprint(out, "  > ")
		if hasDef {
			fmt.Fprintf(out, "[%s] ", shown(f, def))
		}
		line, err := in.next(ctx)
		if err != nil {
			return nil, false, err
		}
		if strings.TrimSpace(line) == "" {
			switch {
			case hasDef:
				return def, true, nil
			case !f.Required:
				return nil, false, nil
			}
			fmt.Fprintln(out, "  this field is required")
			continue
		}
		v, err := f.Parse(line)
		if err != nil {
			fmt.Fprintf(out, "  %v\n", err)
			continue
		}
		return v, true, nil
	}
}

func formatHint(format string) string {
	switch format {
	case "date":
		return "date, YYYY-MM-DD"
	case "date-time":
		return "date-time, YYYY-MM-DDThh:mm:ssZ"
	}
	return format
}

func bounds(lo, hi *float64) string {
	switch {
	case lo != nil && hi != nil:
		return fmt.Sprintf("%v to %v", *lo, *hi)
	case lo != nil:
		return fmt.Sprintf("at least %v", *lo)
	}
	return fmt.Sprintf("at most %v", *hi)
}

// shown is a default as the user would type it.
func shown(f *Field, v any) string {
	switch x := v.(type) {
	case bool:
		if x {
			return "y"
		}
		return "n"
	case string:
		for i, c := range f.Choices {
			if c.Value == x && len(f.Choices) > 0 {
				return fmt.Sprintf("%d", i+1)
			}
		}
		return x
	case []any:
		var parts []string
		for _, it := range x {
			s, _ := it.(string)
			for i, c := range f.Choices {
				if c.Value == s {
					parts = append(parts, fmt.Sprintf("%d", i+1))
				}
			}
		}
		return strings.Join(parts, ",")
	}
	return fmt.Sprint(v)
}
