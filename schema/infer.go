package schema

import (
	"encoding"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

var cache sync.Map // reflect.Type → cached

type cached struct {
	s   *Schema
	err error
}

// For returns the schema of T, inferred once and cached.
func For[T any]() (*Schema, error) { return ForType(reflect.TypeFor[T]()) }

// ForType returns the schema of t, inferred once and cached. Rules:
//
//   - structs are objects whose properties follow the json tags (embedded structs are inlined, "-" and
//     unexported fields skipped); "properties" is always present; additionalProperties is left unset, so
//     extra members are allowed (hosts often send them);
//   - a field is required unless it is a pointer, its json tag has omitempty or omitzero, or its jsonschema
//     tag says optional; a pointer field without omitempty/omitzero is also nullable (a nil pointer encodes
//     as null), one with them is not;
//   - bool, integers (unsigned ones with minimum 0), floats and strings map to their JSON types; []byte is a
//     base64 string; slices and arrays are arrays; maps with string keys are objects whose
//     additionalProperties is the value's schema; interfaces accept anything;
//   - time.Time is a date-time string; other types that marshal themselves as text are strings; types with
//     their own JSON marshaling, jsontext.Value and json.RawMessage-like values accept anything;
//   - recursive types, channels, functions and complex numbers are errors naming the field path.
func ForType(t reflect.Type) (*Schema, error) {
	if c, ok := cache.Load(t); ok {
		c := c.(cached)
		return c.s, c.err
	}
	inf := inferrer{visiting: map[reflect.Type]bool{}}
	s, err := inf.infer(t, t.String())
	c, _ := cache.LoadOrStore(t, cached{s, err})
	return c.(cached).s, c.(cached).err
}

type inferrer struct {
	visiting map[reflect.Type]bool
}

var (
	timeType          = reflect.TypeFor[time.Time]()
	jsontextValueType = reflect.TypeFor[jsontext.Value]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	jsonMarshalerTo   = reflect.TypeFor[json.MarshalerTo]()
	jsonMarshaler     = reflect.TypeFor[json.Marshaler]()
)

func implements(t, iface reflect.Type) bool {
	return t.Implements(iface) || (t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(iface))
}

func (inf *inferrer) infer(t reflect.Type, path string) (*Schema, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return &Schema{Type: "string", Format: "date-time"}, nil
	case t == jsontextValueType:
		return &Schema{}, nil
	case implements(t, jsonMarshalerTo) || implements(t, jsonMarshaler):
		return &Schema{}, nil // it chooses its own JSON form
	case implements(t, textMarshalerType):
		return &Schema{Type: "string"}, nil
	}
	switch t.Kind() {
	case reflect.Bool:
		return &Schema{Type: "boolean"}, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return &Schema{Type: "integer"}, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return &Schema{Type: "integer", Minimum: ptr(0.0)}, nil
	case reflect.Float32, reflect.Float64:
		return &Schema{Type: "number"}, nil
	case reflect.String:
		return &Schema{Type: "string"}, nil
	case reflect.Interface:
		return &Schema{}, nil
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 && t.Kind() == reflect.Slice {
			return &Schema{Type: "string", ContentEncoding: "base64"}, nil
		}
		items, err := inf.infer(t.Elem(), path+"[]")
		if err != nil {
			return nil, err
		}
		s := &Schema{Type: "array", Items: items}
		if t.Kind() == reflect.Array {
			s.MinItems, s.MaxItems = ptr(t.Len()), ptr(t.Len())
		}
		return s, nil
	case reflect.Map:
		if k := t.Key().Kind(); k != reflect.String && !implements(t.Key(), textMarshalerType) &&
			!(k >= reflect.Int && k <= reflect.Uint64) {
			return nil, fmt.Errorf("schema: %s: map key type %s cannot be a JSON object key", path, t.Key())
		}
		vals, err := inf.infer(t.Elem(), path+"[key]")
		if err != nil {
			return nil, err
		}
		return &Schema{Type: "object", AdditionalProperties: vals}, nil
	case reflect.Struct:
		return inf.inferStruct(t, path)
	}
	return nil, fmt.Errorf("schema: %s: type %s has no JSON Schema (channels, functions and complex numbers do not encode as JSON)", path, t)
}

func (inf *inferrer) inferStruct(t reflect.Type, path string) (*Schema, error) {
	if inf.visiting[t] {
		return nil, fmt.Errorf("schema: %s: recursive type %s is not supported; use a jsontext.Value field or a hand-written schema", path, t)
	}
	inf.visiting[t] = true
	defer delete(inf.visiting, t)
	s := &Schema{Type: "object"}
	if err := inf.addFields(s, t, path); err != nil {
		return nil, err
	}
	return s, nil
}

func (inf *inferrer) addFields(s *Schema, t reflect.Type, path string) error {
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" && opts == "" {
			continue
		}
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				if inf.visiting[ft] {
					return fmt.Errorf("schema: %s.%s: recursive embedding", path, f.Name)
				}
				inf.visiting[ft] = true
				err := inf.addFields(s, ft, path)
				delete(inf.visiting, ft)
				if err != nil {
					return err
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fpath := path + "." + f.Name
		fs, err := inf.infer(f.Type, fpath)
		if err != nil {
			return err
		}
		tag, err := ParseTag(f.Tag.Get("jsonschema"))
		if err != nil {
			return fmt.Errorf("schema: %s: %w", fpath, err)
		}
		fs = cloneShallow(fs)
		if err := tag.apply(fs); err != nil {
			return fmt.Errorf("schema: %s: %w", fpath, err)
		}
		omits := strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero")
		if f.Type.Kind() == reflect.Pointer && !omits && fs.Type != "" && len(fs.Types) == 0 {
			// A nil pointer without omitempty encodes as null: say so, or our own output would not validate.
			fs.Types = []string{fs.Type, "null"}
			fs.Type = ""
		}
		optional := f.Type.Kind() == reflect.Pointer || omits
		if tag.Optional {
			optional = true
		}
		if tag.Required {
			optional = false
		}
		s.Properties = append(s.Properties, Property{Name: name, Schema: fs})
		if !optional {
			s.Required = append(s.Required, name)
		}
	}
	return nil
}

// cloneShallow copies a schema so that tags on one field do not change a schema shared with another.
func cloneShallow(s *Schema) *Schema {
	c := &Schema{
		Type: s.Type, Types: s.Types, Title: s.Title, Description: s.Description, Format: s.Format,
		ContentEncoding: s.ContentEncoding, Pattern: s.Pattern, Properties: s.Properties, Required: s.Required,
		AdditionalProperties: s.AdditionalProperties, Items: s.Items, Enum: s.Enum, Const: s.Const,
		Default: s.Default, Minimum: s.Minimum, Maximum: s.Maximum, ExclusiveMinimum: s.ExclusiveMinimum,
		ExclusiveMaximum: s.ExclusiveMaximum, MultipleOf: s.MultipleOf, MinLength: s.MinLength,
		MaxLength: s.MaxLength, MinItems: s.MinItems, MaxItems: s.MaxItems, falseSchema: s.falseSchema,
	}
	return c
}
