package schema

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Tag is a parsed jsonschema struct tag.
//
// A tag is either a plain description (`jsonschema:"the user's name"`) or a comma-separated list of items,
// each a key=value pair or a flag: description=…, title=…, enum=a|b|c, minimum=, maximum=,
// exclusiveMinimum=, exclusiveMaximum=, multipleOf=, minLength=, maxLength=, minItems=, maxItems=,
// pattern=…, format=…, default=…, x-mcp-header=… (the 2026-07-28 Mcp-Param-{name} HTTP header that mirrors a
// string, integer or boolean argument), and the flags optional and required. The tag is read as a list only when
// every item is a known key=value pair or flag; otherwise the whole tag is the description, so a
// description may contain commas. A value cannot contain a comma (use a plain description for prose).
type Tag struct {
	Description, Title, Pattern, Format string
	Enum                                []string
	Default                             string
	hasDefault                          bool
	Minimum, Maximum                    *float64
	ExclusiveMinimum, ExclusiveMaximum  *float64
	MultipleOf                          *float64
	MinLength, MaxLength                *int
	MinItems, MaxItems                  *int
	Optional, Required                  bool
	// MCPHeader is the x-mcp-header annotation: the Mcp-Param-{MCPHeader} header mirrors this argument.
	MCPHeader string
}

var tagKeys = map[string]bool{
	"description": true, "title": true, "enum": true, "minimum": true, "maximum": true,
	"exclusiveMinimum": true, "exclusiveMaximum": true, "multipleOf": true, "minLength": true,
	"maxLength": true, "minItems": true, "maxItems": true, "pattern": true, "format": true, "default": true,
	"x-mcp-header": true,
}

// ParseTag parses a jsonschema struct tag.
func ParseTag(tag string) (Tag, error) {
	var t Tag
	if tag == "" {
		return t, nil
	}
	items := strings.Split(tag, ",")
	for _, it := range items {
		k, _, hasEq := strings.Cut(it, "=")
		k = strings.TrimSpace(k)
		if (hasEq && !tagKeys[k]) || (!hasEq && k != "optional" && k != "required") {
			return Tag{Description: tag}, nil // prose
		}
	}
	for _, it := range items {
		k, v, hasEq := strings.Cut(it, "=")
		k = strings.TrimSpace(k)
		if !hasEq {
			t.Optional = t.Optional || k == "optional"
			t.Required = t.Required || k == "required"
			continue
		}
		var err error
		switch k {
		case "description":
			t.Description = v
		case "title":
			t.Title = v
		case "pattern":
			t.Pattern = v
		case "format":
			t.Format = v
		case "enum":
			t.Enum = strings.Split(v, "|")
		case "default":
			t.Default, t.hasDefault = v, true
		case "x-mcp-header":
			t.MCPHeader = v
		case "minimum":
			t.Minimum, err = parseFloat(k, v)
		case "maximum":
			t.Maximum, err = parseFloat(k, v)
		case "exclusiveMinimum":
			t.ExclusiveMinimum, err = parseFloat(k, v)
		case "exclusiveMaximum":
			t.ExclusiveMaximum, err = parseFloat(k, v)
		case "multipleOf":
			t.MultipleOf, err = parseFloat(k, v)
		case "minLength":
			t.MinLength, err = parseInt(k, v)
		case "maxLength":
			t.MaxLength, err = parseInt(k, v)
		case "minItems":
			t.MinItems, err = parseInt(k, v)
		case "maxItems":
			t.MaxItems, err = parseInt(k, v)
		}
		if err != nil {
			return t, err
		}
	}
	if t.Optional && t.Required {
		return t, fmt.Errorf("jsonschema tag %q is both optional and required", tag)
	}
	return t, nil
}

func parseFloat(k, v string) (*float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil {
		return nil, fmt.Errorf("jsonschema tag: %s=%q is not a number", k, v)
	}
	return &f, nil
}

func parseInt(k, v string) (*int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 {
		return nil, fmt.Errorf("jsonschema tag: %s=%q is not a non-negative integer", k, v)
	}
	return &n, nil
}

// apply puts the tag's keywords on s, checking that values fit the field's type.
func (t Tag) apply(s *Schema) error {
	if t.Description != "" {
		s.Description = t.Description
	}
	if t.Title != "" {
		s.Title = t.Title
	}
	if t.Format != "" {
		s.Format = t.Format
	}
	if t.Pattern != "" {
		if s.Type != "string" {
			return fmt.Errorf("pattern applies to strings, not %s", typeName(s))
		}
		if _, err := regexp.Compile(t.Pattern); err != nil {
			return fmt.Errorf("pattern %q: %w", t.Pattern, err)
		}
		s.Pattern = t.Pattern
	}
	numeric := s.Type == "integer" || s.Type == "number"
	for _, n := range []struct {
		v   *float64
		dst **float64
		k   string
	}{{t.Minimum, &s.Minimum, "minimum"}, {t.Maximum, &s.Maximum, "maximum"}, {t.ExclusiveMinimum, &s.ExclusiveMinimum, "exclusiveMinimum"},
		{t.ExclusiveMaximum, &s.ExclusiveMaximum, "exclusiveMaximum"}, {t.MultipleOf, &s.MultipleOf, "multipleOf"}} {
		if n.v == nil {
			continue
		}
		if !numeric {
			return fmt.Errorf("%s applies to numbers, not %s", n.k, typeName(s))
		}
		*n.dst = n.v
	}
	for _, n := range []struct {
		v    *int
		dst  **int
		k    string
		kind string
	}{{t.MinLength, &s.MinLength, "minLength", "string"}, {t.MaxLength, &s.MaxLength, "maxLength", "string"},
		{t.MinItems, &s.MinItems, "minItems", "array"}, {t.MaxItems, &s.MaxItems, "maxItems", "array"}} {
		if n.v == nil {
			continue
		}
		if s.Type != n.kind {
			return fmt.Errorf("%s applies to %ss, not %s", n.k, n.kind, typeName(s))
		}
		*n.dst = n.v
	}
	if len(t.Enum) > 0 {
		s.Enum = nil
		for _, e := range t.Enum {
			v, err := literal(s, e)
			if err != nil {
				return fmt.Errorf("enum value %q: %w", e, err)
			}
			s.Enum = append(s.Enum, v)
		}
	}
	if t.MCPHeader != "" {
		switch s.Type {
		case "string", "integer", "boolean":
		default:
			return fmt.Errorf("x-mcp-header applies to strings, integers and booleans, not %s", typeName(s))
		}
		s.MCPHeader = t.MCPHeader
	}
	if t.hasDefault {
		v, err := literal(s, t.Default)
		if err != nil {
			return fmt.Errorf("default %q: %w", t.Default, err)
		}
		s.Default = v
	}
	return nil
}

// literal turns a tag value into JSON of the schema's type.
func literal(s *Schema, v string) (jsontext.Value, error) {
	switch s.Type {
	case "string":
		b, err := json.Marshal(v)
		return b, err
	case "integer":
		if _, err := strconv.ParseInt(v, 10, 64); err != nil {
			return nil, fmt.Errorf("not an integer")
		}
		return jsontext.Value(v), nil
	case "number":
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			return nil, fmt.Errorf("not a number")
		}
		return jsontext.Value(v), nil
	case "boolean":
		if v != "true" && v != "false" {
			return nil, fmt.Errorf("not a boolean")
		}
		return jsontext.Value(v), nil
	}
	raw := jsontext.Value(v)
	if !raw.IsValid() {
		return nil, fmt.Errorf("not JSON, and the field is %s", typeName(s))
	}
	return raw, nil
}

func typeName(s *Schema) string {
	if s.Type == "" {
		return "any type"
	}
	return s.Type
}
