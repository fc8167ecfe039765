package main

import (
	"fmt"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// objectSchema is the part of a JSON Schema object this client reads: the properties' types and defaults.
type objectSchema struct {
	Properties map[string]struct {
		Type    jsontext.Value `json:"type"`
		Default jsontext.Value `json:"default"`
	} `json:"properties"`
	Required []string `json:"required"`
}

func decodeObjectSchema(schema jsontext.Value) (*objectSchema, error) {
	var o objectSchema
	if len(schema) == 0 {
		return &o, nil
	}
	if err := json.Unmarshal(schema, &o); err != nil {
		return nil, fmt.Errorf("reading the schema: %w", err)
	}
	return &o, nil
}

// sampleArguments returns arguments for a tool's input schema: a value of the declared type for every
// required property (the scenarios that call tools by schema only check which tools are called and which
// headers are sent, not the values).
func sampleArguments(schema jsontext.Value) (jsontext.Value, error) {
	o, err := decodeObjectSchema(schema)
	if err != nil {
		return nil, err
	}
	args := make(map[string]jsontext.Value, len(o.Required))
	for _, name := range o.Required {
		p := o.Properties[name]
		v, err := sampleValue(p.Type)
		if err != nil {
			return nil, fmt.Errorf("property %q: %w", name, err)
		}
		args[name] = v
	}
	return json.Marshal(args, json.Deterministic(true))
}

// sampleValue returns a value of a JSON Schema type ("string", ["integer","null"], …; absent means any).
func sampleValue(typ jsontext.Value) (jsontext.Value, error) {
	name := ""
	switch typ.Kind() {
	case 0: // absent
	case '"':
		if err := json.Unmarshal(typ, &name); err != nil {
			return nil, err
		}
	case '[':
		var names []string
		if err := json.Unmarshal(typ, &names); err != nil {
			return nil, fmt.Errorf("type %s: %w", typ, err)
		}
		if len(names) > 0 {
			name = names[0]
		}
	default:
		return nil, fmt.Errorf("type %s is neither a string nor a list", typ)
	}
	switch name {
	case "", "string":
		return jsontext.Value(`"sample"`), nil
	case "integer":
		return jsontext.Value(`1`), nil
	case "number":
		return jsontext.Value(`1.5`), nil
	case "boolean":
		return jsontext.Value(`true`), nil
	case "object":
		return jsontext.Value(`{}`), nil
	case "array":
		return jsontext.Value(`[]`), nil
	case "null":
		return jsontext.Value(`null`), nil
	}
	return nil, fmt.Errorf("unknown type %q", name)
}

// schemaDefaults returns an object holding the default of every property of an elicitation's
// requestedSchema that has one: what a user who accepts a form pre-filled with the defaults sends back.
func schemaDefaults(schema jsontext.Value) (jsontext.Value, error) {
	o, err := decodeObjectSchema(schema)
	if err != nil {
		return nil, err
	}
	content := make(map[string]jsontext.Value, len(o.Properties))
	for name, p := range o.Properties {
		if len(p.Default) > 0 {
			content[name] = p.Default
		}
	}
	return json.Marshal(content, json.Deterministic(true))
}
