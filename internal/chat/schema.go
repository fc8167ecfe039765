package chat

import (
	"fmt"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Parameters converts a tool's input schema to the function parameters the model is given: the same
// JSON Schema object (properties, required, descriptions, nested schemas all kept) without its
// "$schema" member, with "type":"object" and an empty "properties" added when missing, as some
// providers refuse a schema without them. A schema that is not a JSON object is an error.
func Parameters(schema jsontext.Value) (map[string]any, error) {
	m := map[string]any{}
	if len(schema) > 0 {
		if err := json.Unmarshal(schema, &m); err != nil {
			return nil, fmt.Errorf("input schema: %w", err)
		}
		if m == nil {
			m = map[string]any{}
		}
	}
	delete(m, "$schema")
	if _, ok := m["type"]; !ok {
		m["type"] = "object"
	}
	if _, ok := m["properties"]; !ok {
		m["properties"] = map[string]any{}
	}
	return m, nil
}
