package schema

import (
	"regexp"
	"strconv"
	"sync"

	"github.com/go-json-experiment/json/jsontext"
)

// Schema is the subset of JSON Schema 2020-12 that inference produces and the native validator checks.
// Build it with For, ForType or CompileJSON; treat it as read-only afterwards.
type Schema struct {
	// Type is the JSON type ("object", "string", "integer", …); empty accepts any type. Types, when set,
	// lists several.
	Type  string
	Types []string

	Title, Description string
	Format             string
	ContentEncoding    string
	Pattern            string

	// Properties keeps declaration order, so the encoded schema is deterministic.
	Properties []Property
	Required   []string
	// AdditionalProperties is nil when unset (any extra member is allowed), NoAdditional when false.
	AdditionalProperties *Schema
	Items                *Schema

	// MCPHeader is the x-mcp-header annotation of a tool argument (2026-07-28): the client mirrors the
	// argument into the Mcp-Param-{MCPHeader} HTTP header. An annotation, not checked by Validate.
	MCPHeader string

	Enum    []jsontext.Value
	Const   jsontext.Value
	Default jsontext.Value

	Minimum, Maximum                   *float64
	ExclusiveMinimum, ExclusiveMaximum *float64
	MultipleOf                         *float64
	MinLength, MaxLength               *int
	MinItems, MaxItems                 *int

	falseSchema bool // the schema `false`: nothing validates
	compiled    sync.Once
	re          *regexp.Regexp
	reErr       error
	required    map[string]int // property name → index into requiredBit order
	enumCanon   []string       // canonical JSON of each Enum value
	constCanon  string
	encoded     jsontext.Value
	encodeOnce  sync.Once
}

// Property is one named property of an object schema.
type Property struct {
	Name   string
	Schema *Schema
}

// NoAdditional is the value of AdditionalProperties that forbids members not listed in Properties.
var NoAdditional = &Schema{falseSchema: true}

// prop returns the schema of the named property.
func (s *Schema) prop(name []byte) *Schema {
	for i := range s.Properties {
		if s.Properties[i].Name == string(name) {
			return s.Properties[i].Schema
		}
	}
	return nil
}

func (s *Schema) prepare() {
	s.compiled.Do(func() {
		if s.Pattern != "" {
			s.re, s.reErr = regexp.Compile(s.Pattern)
		}
		if len(s.Required) > 0 {
			s.required = make(map[string]int, len(s.Required))
			for i, r := range s.Required {
				s.required[r] = i
			}
		}
		for _, e := range s.Enum {
			s.enumCanon = append(s.enumCanon, canonical(e))
		}
		if len(s.Const) > 0 {
			s.constCanon = canonical(s.Const)
		}
	})
}

func canonical(v jsontext.Value) string {
	c := v.Clone()
	if err := c.Canonicalize(); err != nil {
		return string(v)
	}
	return string(c)
}

func ptr[T any](v T) *T { return &v }

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
