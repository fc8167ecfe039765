package ask

import (
	"fmt"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/mcp"
)

// Form is an elicitation's requested schema: its fields in the order the server wrote them.
type Form struct {
	Fields []Field
}

// Field is one property of a form.
type Field struct {
	// Name is the property's name, the key of its value in the answer.
	Name string
	// Schema is the property's schema.
	Schema mcp.PrimitiveSchema
	// Required says the answer must have it.
	Required bool
	// Choices are the options of an enum (single- or multi-select), in order; empty for other fields.
	Choices []Choice
}

// Choice is one option of an enum field.
type Choice struct {
	// Value is what the answer carries.
	Value string
	// Label is what the user reads (the title, or the value when there is none).
	Label string
}

// ParseForm reads a requested schema: an object schema whose properties are primitive schemas. A
// property of a type the spec does not allow in forms is an error: the form could not be filled honestly.
func ParseForm(raw jsontext.Value) (*Form, error) {
	if len(raw) == 0 {
		return nil, fmt.Errorf("the request has no requestedSchema")
	}
	var top struct {
		Type       string         `json:"type"`
		Properties jsontext.Value `json:"properties"`
		Required   []string       `json:"required"`
	}
	if err := json.Unmarshal(raw, &top); err != nil {
		return nil, fmt.Errorf("requestedSchema: %w", err)
	}
	if top.Type != "" && top.Type != "object" {
		return nil, fmt.Errorf("requestedSchema has type %q, want object", top.Type)
	}
	f := &Form{}
	if len(top.Properties) == 0 {
		return f, nil
	}
	// Walk the properties as written: a map would lose their order, and the order is the form's.
	dec := jsontext.NewDecoder(strings.NewReader(string(top.Properties)))
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return nil, fmt.Errorf("requestedSchema: properties is not an object")
	}
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return nil, fmt.Errorf("requestedSchema: %w", err)
		}
		name := tok.String()
		val, err := dec.ReadValue()
		if err != nil {
			return nil, fmt.Errorf("requestedSchema: %w", err)
		}
		fd := Field{Name: name, Required: slices.Contains(top.Required, name)}
		if err := json.Unmarshal(val, &fd.Schema); err != nil {
			return nil, fmt.Errorf("requestedSchema: property %q: %w", name, err)
		}
		if err := fd.prepare(); err != nil {
			return nil, fmt.Errorf("requestedSchema: property %q: %w", name, err)
		}
		f.Fields = append(f.Fields, fd)
	}
	for _, r := range top.Required {
		if !slices.ContainsFunc(f.Fields, func(fd Field) bool { return fd.Name == r }) {
			return nil, fmt.Errorf("requestedSchema: required property %q is not among the properties", r)
		}
	}
	return f, nil
}

// prepare checks the property's type and gathers its choices.
func (f *Field) prepare() error {
	s := &f.Schema
	switch s.Type {
	case "string":
		switch {
		case len(s.OneOf) > 0:
			for _, o := range s.OneOf {
				f.Choices = append(f.Choices, Choice{o.Const, cmpOr(o.Title, o.Const)})
			}
		case len(s.Enum) > 0:
			for i, v := range s.Enum {
				label := v
				if i < len(s.EnumNames) && s.EnumNames[i] != "" {
					label = s.EnumNames[i]
				}
				f.Choices = append(f.Choices, Choice{v, label})
			}
		}
	case "number", "integer", "boolean":
	case "array":
		if s.Items == nil {
			return fmt.Errorf("an array needs items (a multi-select enum)")
		}
		for _, o := range s.Items.AnyOf {
			f.Choices = append(f.Choices, Choice{o.Const, cmpOr(o.Title, o.Const)})
		}
		for _, v := range s.Items.Enum {
			f.Choices = append(f.Choices, Choice{v, v})
		}
		if len(f.Choices) == 0 {
			return fmt.Errorf("a multi-select has no options")
		}
	default:
		return fmt.Errorf("type %q is not a form field type (string, number, integer, boolean, or array of enum)", s.Type)
	}
	return nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Label is what the form calls the field: its title, or its name.
func (f *Field) Label() string { return cmpOr(f.Schema.Title, f.Name) }

// Default returns the field's default value, if it has a usable one.
func (f *Field) Default() (any, bool) {
	if len(f.Schema.Default) == 0 {
		return nil, false
	}
	var v any
	if json.Unmarshal(f.Schema.Default, &v) != nil || f.Check(v) != nil {
		return nil, false
	}
	if f.Schema.Type == "integer" { // JSON numbers decode as float64; keep an integer an integer
		if n, ok := v.(float64); ok {
			return int64(n), true
		}
	}
	return v, true
}

// Parse turns what the user typed into the field's value and checks it. A choice may be typed as its
// number or its value; a multi-select as numbers or values separated by commas; a boolean as y, yes,
// true, 1 or n, no, false, 0.
func (f *Field) Parse(in string) (any, error) {
	in = strings.TrimSpace(in)
	var v any
	switch s := &f.Schema; {
	case s.Type == "array":
		var picked []string
		for part := range strings.SplitSeq(in, ",") {
			if part = strings.TrimSpace(part); part == "" {
				continue
			}
			c, err := f.choice(part)
			if err != nil {
				return nil, err
			}
			if !slices.Contains(picked, c) {
				picked = append(picked, c)
			}
		}
		if picked == nil {
			picked = []string{}
		}
		v = picked
	case len(f.Choices) > 0:
		c, err := f.choice(in)
		if err != nil {
			return nil, err
		}
		v = c
	case s.Type == "boolean":
		switch strings.ToLower(in) {
		case "y", "yes", "true", "1":
			v = true
		case "n", "no", "false", "0":
			v = false
		default:
			return nil, fmt.Errorf("answer y or n")
		}
	case s.Type == "integer":
		n, err := strconv.ParseInt(in, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a whole number", in)
		}
		v = n
	case s.Type == "number":
		n, err := strconv.ParseFloat(in, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", in)
		}
		v = n
	default:
		v = in
	}
	if err := f.Check(v); err != nil {
		return nil, err
	}
	return v, nil
}

// choice finds the option typed as its number (1-based) or its value.
func (f *Field) choice(in string) (string, error) {
	if n, err := strconv.Atoi(in); err == nil && n >= 1 && n <= len(f.Choices) {
		return f.Choices[n-1].Value, nil
	}
	for _, c := range f.Choices {
		if c.Value == in {
			return c.Value, nil
		}
	}
	return "", fmt.Errorf("%q is not one of the choices: type a number from 1 to %d", in, len(f.Choices))
}

// Check validates a value against the field's schema: its JSON type, the enum, length, format and bounds.
// Numbers may be float64 (decoded JSON) or int64.
func (f *Field) Check(v any) error {
	s := &f.Schema
	switch s.Type {
	case "string":
		str, ok := v.(string)
		if !ok {
			return fmt.Errorf("want a string, got %s", kind(v))
		}
		if len(f.Choices) > 0 {
			if !slices.ContainsFunc(f.Choices, func(c Choice) bool { return c.Value == str }) {
				return fmt.Errorf("%q is not one of %s", str, f.values())
			}
			return nil
		}
		n := utf8.RuneCountInString(str)
		if s.MinLength != nil && n < *s.MinLength {
			return fmt.Errorf("at least %d characters, please", *s.MinLength)
		}
		if s.MaxLength != nil && n > *s.MaxLength {
			return fmt.Errorf("at most %d characters, please", *s.MaxLength)
		}
		return checkFormat(s.Format, str)
	case "number", "integer":
		var n float64
		switch x := v.(type) {
		case float64:
			n = x
		case int64:
			n = float64(x)
		case int:
			n = float64(x)
		default:
			return fmt.Errorf("want a number, got %s", kind(v))
		}
		if s.Type == "integer" && n != float64(int64(n)) {
			return fmt.Errorf("want a whole number, got %v", n)
		}
		if s.Minimum != nil && n < *s.Minimum {
			return fmt.Errorf("%v is below the minimum %v", n, *s.Minimum)
		}
		if s.Maximum != nil && n > *s.Maximum {
			return fmt.Errorf("%v is above the maximum %v", n, *s.Maximum)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("want true or false, got %s", kind(v))
		}
	case "array":
		var items []string
		switch x := v.(type) {
		case []string:
			items = x
		case []any:
			for _, it := range x {
				str, ok := it.(string)
				if !ok {
					return fmt.Errorf("want a list of strings, got a %s in it", kind(it))
				}
				items = append(items, str)
			}
		default:
			return fmt.Errorf("want a list, got %s", kind(v))
		}
		for _, it := range items {
			if !slices.ContainsFunc(f.Choices, func(c Choice) bool { return c.Value == it }) {
				return fmt.Errorf("%q is not one of %s", it, f.values())
			}
		}
		if s.MinItems != nil && len(items) < *s.MinItems {
			return fmt.Errorf("choose at least %d", *s.MinItems)
		}
		if s.MaxItems != nil && len(items) > *s.MaxItems {
			return fmt.Errorf("choose at most %d", *s.MaxItems)
		}
	}
	return nil
}

func (f *Field) values() string {
	vs := make([]string, len(f.Choices))
	for i, c := range f.Choices {
		vs[i] = strconv.Quote(c.Value)
	}
	return strings.Join(vs, ", ")
}

func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case float64, int64, int:
		return "a number"
	case bool:
		return "a boolean"
	case []any, []string:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// checkFormat checks the string formats the spec names for forms; others are not checked.
func checkFormat(format, s string) error {
	switch format {
	case "email":
		if a, err := mail.ParseAddress(s); err != nil || a.Address != s {
			return fmt.Errorf("%q is not an email address", s)
		}
	case "uri":
		if u, err := url.Parse(s); err != nil || u.Scheme == "" {
			return fmt.Errorf("%q is not a URI (scheme:…)", s)
		}
	case "date":
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return fmt.Errorf("%q is not a date (YYYY-MM-DD)", s)
		}
	case "date-time":
		if _, err := time.Parse(time.RFC3339, s); err != nil {
			return fmt.Errorf("%q is not a date-time (YYYY-MM-DDThh:mm:ssZ)", s)
		}
	}
	return nil
}

// Validate checks a whole answer: every required field present, no field the form lacks, each value
// valid. It returns the answer with the defaults of absent fields filled in.
func (f *Form) Validate(content map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(f.Fields))
	for k := range content {
		if !slices.ContainsFunc(f.Fields, func(fd Field) bool { return fd.Name == k }) {
			return nil, fmt.Errorf("the form has no field %q (fields: %s)", k, f.names())
		}
	}
	for i := range f.Fields {
		fd := &f.Fields[i]
		v, ok := content[fd.Name]
		if !ok {
			if d, has := fd.Default(); has {
				out[fd.Name] = d
				continue
			}
			if fd.Required {
				return nil, fmt.Errorf("field %q is required", fd.Name)
			}
			continue
		}
		if err := fd.Check(v); err != nil {
			return nil, fmt.Errorf("field %q: %w", fd.Name, err)
		}
		out[fd.Name] = v
	}
	return out, nil
}

func (f *Form) names() string {
	ns := make([]string, len(f.Fields))
	for i, fd := range f.Fields {
		ns[i] = fd.Name
	}
	return strings.Join(ns, ", ")
}
