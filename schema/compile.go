package schema

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Validator checks instances against a compiled schema. It is safe for concurrent use.
type Validator struct {
	native *Schema
	full   *jsonschema.Schema
}

// Validate checks data and returns a *ValidationError (or a syntax error) for the first violation.
func (v *Validator) Validate(data jsontext.Value) error {
	if v.native != nil {
		return v.native.Validate(data)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fail("syntax", "invalid JSON: "+err.Error())
	}
	if err := v.full.Validate(inst); err != nil {
		return fromFull(err)
	}
	return nil
}

// Native reports whether the fast, allocation-free validator is in use (the schema uses only the keywords
// it knows).
func (v *Validator) Native() bool { return v.native != nil }

// CompileJSON compiles a schema given as JSON. Schemas that use only the keywords Schema models (type,
// properties, required, additionalProperties, items, enum, const, bounds, lengths, pattern, format, and
// the annotations title, description, default, $schema) get the native validator; anything else ($ref,
// $defs, allOf/anyOf/oneOf, if/then/else, …) is compiled by a full JSON Schema 2020-12 implementation.
// Remote $ref resolution is disabled: a schema that needs it fails to compile.
func CompileJSON(raw jsontext.Value) (*Validator, error) {
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("schema: not JSON: %w", err)
	}
	if s, ok := nativeFrom(doc); ok {
		if err := s.check(); err != nil {
			return nil, err
		}
		return &Validator{native: s}, nil
	}
	v, err := compileFull(raw)
	if err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	return v, nil
}

// noRemote refuses every remote $ref: fetching URLs named by a peer's schema is a security risk.
type noRemote struct{}

func (noRemote) Load(url string) (any, error) {
	return nil, fmt.Errorf("remote $ref %q is not resolved", url)
}

// check validates the native schema's own keywords (a bad pattern).
func (s *Schema) check() error {
	s.prepare()
	if s.reErr != nil {
		return fmt.Errorf("schema: pattern %q: %w", s.Pattern, s.reErr)
	}
	for _, p := range s.Properties {
		if err := p.Schema.check(); err != nil {
			return err
		}
	}
	for _, sub := range []*Schema{s.Items, s.AdditionalProperties} {
		if sub != nil && !sub.falseSchema {
			if err := sub.check(); err != nil {
				return err
			}
		}
	}
	return nil
}

// nativeFrom converts a decoded schema document to a Schema when every keyword is one the native validator
// handles.
func nativeFrom(doc any) (*Schema, bool) {
	switch d := doc.(type) {
	case bool:
		if d {
			return &Schema{}, true
		}
		return &Schema{falseSchema: true}, true
	case map[string]any:
		s := &Schema{}
		for k, v := range d {
			ok := true
			switch k {
			case "$schema":
				str, _ := v.(string)
				ok = str == "" || strings.Contains(str, "2020-12")
			case "type":
				switch t := v.(type) {
				case string:
					s.Type = t
				case []any:
					for _, x := range t {
						str, isStr := x.(string)
						ok = ok && isStr
						s.Types = append(s.Types, str)
					}
				default:
					ok = false
				}
			case "title", "description", "format", "pattern", "contentEncoding", "x-mcp-header":
				str, isStr := v.(string)
				ok = isStr
				switch k {
				case "x-mcp-header":
					s.MCPHeader = str
				case "title":
					s.Title = str
				case "description":
					s.Description = str
				case "format":
					s.Format = str
				case "pattern":
					s.Pattern = str
				case "contentEncoding":
					s.ContentEncoding = str
				}
			case "properties":
				props, isMap := v.(map[string]any)
				if !isMap {
					return nil, false
				}
				// Keep the document's member order for determinism: decode order is lost in a Go map, so
				// sort by name.
				for _, name := range sortedKeys(props) {
					ps, pok := nativeFrom(props[name])
					if !pok {
						return nil, false
					}
					s.Properties = append(s.Properties, Property{Name: name, Schema: ps})
				}
			case "required":
				arr, isArr := v.([]any)
				ok = isArr
				for _, x := range arr {
					str, isStr := x.(string)
					ok = ok && isStr
					s.Required = append(s.Required, str)
				}
			case "additionalProperties", "items":
				sub, sok := nativeFrom(v)
				ok = sok
				if k == "items" {
					s.Items = sub
				} else {
					s.AdditionalProperties = sub
				}
			case "enum":
				arr, isArr := v.([]any)
				ok = isArr
				for _, x := range arr {
					b, _ := json.Marshal(x)
					s.Enum = append(s.Enum, b)
				}
			case "const", "default":
				b, _ := json.Marshal(v)
				if k == "const" {
					s.Const = b
				} else {
					s.Default = b
				}
			case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf":
				f, isNum := v.(float64)
				ok = isNum
				p := &f
				switch k {
				case "minimum":
					s.Minimum = p
				case "maximum":
					s.Maximum = p
				case "exclusiveMinimum":
					s.ExclusiveMinimum = p
				case "exclusiveMaximum":
					s.ExclusiveMaximum = p
				case "multipleOf":
					s.MultipleOf = p
				}
			case "minLength", "maxLength", "minItems", "maxItems":
				f, isNum := v.(float64)
				ok = isNum && f >= 0 && f == float64(int(f))
				n := int(f)
				switch k {
				case "minLength":
					s.MinLength = &n
				case "maxLength":
					s.MaxLength = &n
				case "minItems":
					s.MinItems = &n
				case "maxItems":
					s.MaxItems = &n
				}
			default:
				ok = false
			}
			if !ok {
				return nil, false
			}
		}
		return s, true
	}
	return nil, false
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

// fromFull turns the full validator's error into a ValidationError naming the deepest location.
func fromFull(err error) error {
	verr, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return fail("schema", err.Error())
	}
	leaf := verr
	for len(leaf.Causes) > 0 {
		leaf = leaf.Causes[0]
	}
	path := ""
	for _, seg := range leaf.InstanceLocation {
		if path != "" {
			path += "."
		}
		path += seg
	}
	// The full report lists every failed branch (anyOf, oneOf, …), one per line: keep them all, on one line.
	var parts []string
	for _, line := range strings.Split(verr.Error(), "\n")[1:] {
		line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "- "))
		if line != "" {
			parts = append(parts, line)
		}
	}
	msg := strings.Join(parts, "; ")
	if msg == "" {
		msg = leaf.Error()
	}
	return &ValidationError{Path: path, Rule: "schema", Message: msg}
}

// compileFull compiles raw with the full 2020-12 implementation only (tests cross-check against it).
func compileFull(raw jsontext.Value) (*Validator, error) {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.UseLoader(noRemote{})
	if err := c.AddResource("mem:///schema.json", inst); err != nil {
		return nil, err
	}
	full, err := c.Compile("mem:///schema.json")
	if err != nil {
		return nil, err
	}
	return &Validator{full: full}, nil
}
