package server

import (
	"encoding"
	"reflect"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/schema"
)

// validator checks raw JSON against a compiled schema.
type validator interface {
	Validate(data jsontext.Value) error
}

// inferSchema infers the JSON Schema of t and compiles its validator. Both are cached per type by the
// schema package.
func inferSchema(t reflect.Type) (jsontext.Value, validator, error) {
	sch, err := schema.ForType(t)
	if err != nil {
		return nil, nil, err
	}
	return sch.JSON(), sch, nil
}

// inferWrappedSchema is the output schema of a tool whose result is not an object: {"result": <t>}.
func inferWrappedSchema(t reflect.Type) (jsontext.Value, validator, error) {
	sch, err := schema.ForType(t)
	if err != nil {
		return nil, nil, err
	}
	raw := make([]byte, 0, len(sch.JSON())+64)
	raw = append(raw, `{"type":"object","properties":{"result":`...)
	raw = append(raw, sch.JSON()...)
	raw = append(raw, `},"required":["result"]}`...)
	v, err := schema.CompileJSON(raw)
	if err != nil {
		return nil, nil, err
	}
	return raw, v, nil
}

// compileSchema compiles a schema given as JSON (raw tools, explicit schemas).
func compileSchema(raw jsontext.Value) (validator, error) {
	return schema.CompileJSON(raw)
}

var (
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	jsonMarshalerType = reflect.TypeFor[json.MarshalerTo]()
	jsonMarshalerV1   = reflect.TypeFor[json.Marshaler]()
)

// marshalsItself reports whether t chooses its own JSON form (time.Time and the like).
func marshalsItself(t reflect.Type) bool {
	for _, m := range []reflect.Type{textMarshalerType, jsonMarshalerType, jsonMarshalerV1} {
		if t.Implements(m) || reflect.PointerTo(t).Implements(m) {
			return true
		}
	}
	return false
}
