package mcp

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"
	"go.yaml.in/yaml/v3"
)

// Bounds on the JSON a frontmatter block may expand to (aliases can multiply a small document).
const (
	maxYAMLNodes = 10000
	maxYAMLDepth = 64
)

// yamlToJSON renders a YAML document whose root is a mapping as a JSON object, keeping key order.
func yamlToJSON(src []byte) (jsontext.Value, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, errors.New("it is empty (a mapping with name and description is required)")
	}
	root := doc.Content[0]
	for root.Kind == yaml.AliasNode && root.Alias != nil {
		root = root.Alias
	}
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: it is not a mapping (name: …, description: …)", root.Line)
	}
	c := yamlConverter{}
	var out jsontext.Value
	if err := c.convert(root, 0, &out); err != nil {
		return nil, err
	}
	return out, nil
}

type yamlConverter struct {
	nodes int
}

// convert appends the JSON rendering of n to *out.
func (c *yamlConverter) convert(n *yaml.Node, depth int, out *jsontext.Value) error {
	c.nodes++
	if c.nodes > maxYAMLNodes || depth > maxYAMLDepth {
		return fmt.Errorf("it expands to more than %d values or %d levels", maxYAMLNodes, maxYAMLDepth)
	}
	switch n.Kind {
	case yaml.AliasNode:
		if n.Alias == nil {
			return fmt.Errorf("line %d: unresolved alias", n.Line)
		}
		return c.convert(n.Alias, depth+1, out)
	case yaml.MappingNode:
		*out = append(*out, '{')
		seen := make(map[string]bool, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode || k.ShortTag() != "!!str" {
				if k.ShortTag() == "!!merge" {
					return fmt.Errorf("line %d: merge keys (<<) are not supported", k.Line)
				}
				return fmt.Errorf("line %d: key %s is not a string", k.Line, quoteBounded(k.Value))
			}
			if seen[k.Value] {
				return fmt.Errorf("line %d: key %s appears twice", k.Line, quoteBounded(k.Value))
			}
			seen[k.Value] = true
			if i > 0 {
				*out = append(*out, ',')
			}
			var err error
			if *out, err = jsontext.AppendQuote(*out, k.Value); err != nil {
				return fmt.Errorf("line %d: key: %w", k.Line, err)
			}
			*out = append(*out, ':')
			if err := c.convert(n.Content[i+1], depth+1, out); err != nil {
				return err
			}
		}
		*out = append(*out, '}')
		return nil
	case yaml.SequenceNode:
		*out = append(*out, '[')
		for i, e := range n.Content {
			if i > 0 {
				*out = append(*out, ',')
			}
			if err := c.convert(e, depth+1, out); err != nil {
				return err
			}
		}
		*out = append(*out, ']')
		return nil
	case yaml.ScalarNode:
		return appendScalar(n, out)
	}
	return fmt.Errorf("line %d: unsupported YAML node", n.Line)
}

// appendScalar renders a scalar by its resolved tag: null, booleans and numbers as JSON literals, everything
// else (strings, timestamps, binary, custom tags) as the string written.
func appendScalar(n *yaml.Node, out *jsontext.Value) error {
	switch n.ShortTag() {
	case "!!null":
		*out = append(*out, "null"...)
		return nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return fmt.Errorf("line %d: %w", n.Line, err)
		}
		*out = strconv.AppendBool(*out, b)
		return nil
	case "!!int", "!!float":
		var v any
		if err := n.Decode(&v); err != nil {
			return fmt.Errorf("line %d: %w", n.Line, err)
		}
		switch x := v.(type) {
		case int:
			*out = strconv.AppendInt(*out, int64(x), 10)
		case int64:
			*out = strconv.AppendInt(*out, x, 10)
		case uint64:
			*out = strconv.AppendUint(*out, x, 10)
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("line %d: %s is not a number JSON can carry", n.Line, quoteBounded(n.Value))
			}
			*out = strconv.AppendFloat(*out, x, 'g', -1, 64)
		default:
			return fmt.Errorf("line %d: %s is not a number", n.Line, quoteBounded(n.Value))
		}
		return nil
	}
	var err error
	*out, err = jsontext.AppendQuote(*out, n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	return nil
}
