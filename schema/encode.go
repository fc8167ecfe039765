package schema

import (
	"strconv"

	"github.com/go-json-experiment/json/jsontext"
)

// JSON returns the schema as JSON, encoded once and cached. Member order is fixed, so equal schemas encode
// to equal bytes.
func (s *Schema) JSON() jsontext.Value {
	s.encodeOnce.Do(func() { s.encoded = s.appendJSON(nil) })
	return s.encoded
}

// MarshalJSONTo implements json v2 marshaling.
func (s *Schema) MarshalJSONTo(enc *jsontext.Encoder) error {
	return enc.WriteValue(s.JSON())
}

func (s *Schema) appendJSON(b []byte) []byte {
	if s.falseSchema {
		return append(b, "false"...)
	}
	w := objWriter{b: append(b, '{')}
	switch {
	case len(s.Types) > 0:
		w.key("type")
		w.b = append(w.b, '[')
		for i, t := range s.Types {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.b, _ = jsontext.AppendQuote(w.b, t)
		}
		w.b = append(w.b, ']')
	case s.Type != "":
		w.str("type", s.Type)
	}
	w.str("title", s.Title)
	w.str("description", s.Description)
	w.str("format", s.Format)
	w.str("contentEncoding", s.ContentEncoding)
	w.str("pattern", s.Pattern)
	if s.Type == "object" || len(s.Properties) > 0 {
		w.key("properties")
		w.b = append(w.b, '{')
		for i, p := range s.Properties {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.b, _ = jsontext.AppendQuote(w.b, p.Name)
			w.b = append(w.b, ':')
			w.b = p.Schema.appendJSON(w.b)
		}
		w.b = append(w.b, '}')
	}
	if len(s.Required) > 0 {
		w.key("required")
		w.b = append(w.b, '[')
		for i, r := range s.Required {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.b, _ = jsontext.AppendQuote(w.b, r)
		}
		w.b = append(w.b, ']')
	}
	if s.AdditionalProperties != nil {
		w.key("additionalProperties")
		w.b = s.AdditionalProperties.appendJSON(w.b)
	}
	if s.Items != nil {
		w.key("items")
		w.b = s.Items.appendJSON(w.b)
	}
	if len(s.Enum) > 0 {
		w.key("enum")
		w.b = append(w.b, '[')
		for i, e := range s.Enum {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.b = append(w.b, e...)
		}
		w.b = append(w.b, ']')
	}
	w.raw("const", s.Const)
	w.raw("default", s.Default)
	w.str("x-mcp-header", s.MCPHeader)
	w.num("minimum", s.Minimum)
	w.num("maximum", s.Maximum)
	w.num("exclusiveMinimum", s.ExclusiveMinimum)
	w.num("exclusiveMaximum", s.ExclusiveMaximum)
	w.num("multipleOf", s.MultipleOf)
	w.int("minLength", s.MinLength)
	w.int("maxLength", s.MaxLength)
	w.int("minItems", s.MinItems)
	w.int("maxItems", s.MaxItems)
	return append(w.b, '}')
}

type objWriter struct {
	b    []byte
	some bool
}

func (w *objWriter) key(k string) {
	if w.some {
		w.b = append(w.b, ',')
	}
	w.some = true
	w.b, _ = jsontext.AppendQuote(w.b, k)
	w.b = append(w.b, ':')
}

func (w *objWriter) str(k, v string) {
	if v != "" {
		w.key(k)
		w.b, _ = jsontext.AppendQuote(w.b, v)
	}
}

func (w *objWriter) raw(k string, v jsontext.Value) {
	if len(v) > 0 {
		w.key(k)
		w.b = append(w.b, v...)
	}
}

func (w *objWriter) num(k string, v *float64) {
	if v != nil {
		w.key(k)
		w.b = strconv.AppendFloat(w.b, *v, 'g', -1, 64)
	}
}

func (w *objWriter) int(k string, v *int) {
	if v != nil {
		w.key(k)
		w.b = strconv.AppendInt(w.b, int64(*v), 10)
	}
}
