package shop

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/schema"
)

// CustomerKey names a customer in tool arguments: an email, or an id given as a string ("1") or, as models
// and CLIs that type their arguments often send it, as a number (1). The tools' input schema says
// "type": ["string", "integer"] for it (see inputSchema).
type CustomerKey string

// UnmarshalJSON accepts a JSON string or integer.
func (k *CustomerKey) UnmarshalJSON(b []byte) error {
	if s := strings.TrimSpace(string(b)); strings.HasPrefix(s, `"`) {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*k = CustomerKey(v)
		return nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return fmt.Errorf("a customer is an id or an email, not %s", b)
	}
	*k = CustomerKey(strconv.FormatInt(n, 10))
	return nil
}

// MarshalJSON writes the key as a string.
func (k CustomerKey) MarshalJSON() ([]byte, error) { return json.Marshal(string(k)) }

// inputSchema is the input schema inferred from In, with every top-level property named "customer" typed
// string or integer (CustomerKey marshals itself, so inference leaves its type open).
func inputSchema[In any]() (jsontext.Value, error) {
	s, err := schema.For[In]()
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(s.JSON(), &m); err != nil {
		return nil, err
	}
	if props, ok := m["properties"].(map[string]any); ok {
		if c, ok := props["customer"].(map[string]any); ok {
			c["type"] = []any{"string", "integer"}
		}
	}
	b, err := json.Marshal(m, json.Deterministic(true))
	return jsontext.Value(b), err
}
