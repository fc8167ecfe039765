package registry

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Func runs a tool on its decoded arguments (JSON objects as map[string]any, numbers as float64) and
// returns a value to encode as JSON, or an error to show the caller.
type Func func(args map[string]any) (any, error)

// Tool is one registered tool.
type Tool struct {
	// Description says what the tool does.
	Description string
	// Schema is the JSON Schema of the arguments (an object schema).
	Schema map[string]any
	// Run runs the tool.
	Run Func
}

// Tools returns the registry: a fresh map, so that a caller may add to it.
func Tools() map[string]Tool {
	return map[string]Tool{
		"word_count": {
			Description: "Count the words, lines and characters of a text",
			Schema:      object(map[string]any{"text": map[string]any{"type": "string", "description": "the text"}}, "text"),
			Run:         wordCount,
		},
		"reverse": {
			Description: "Reverse a text, character by character",
			Schema:      object(map[string]any{"text": map[string]any{"type": "string", "description": "the text"}}, "text"),
			Run:         reverse,
		},
		"mean": {
			Description: "The mean of a list of numbers",
			Schema: object(map[string]any{"numbers": map[string]any{"type": "array", "items": map[string]any{"type": "number"},
				"description": "the numbers"}}, "numbers"),
			Run: mean,
		},
	}
}

// Names returns the registry's tool names, sorted.
func Names(tools map[string]Tool) []string {
	names := make([]string, 0, len(tools))
	for n := range tools {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// object is an object schema with these properties, the named ones required, and no others allowed.
func object(props map[string]any, required ...string) map[string]any {
	return map[string]any{"type": "object", "properties": props, "required": required, "additionalProperties": false}
}

// text returns the string argument key.
func text(args map[string]any, key string) (string, error) {
	s, ok := args[key].(string)
	if !ok {
		return "", fmt.Errorf("%s must be a string", key)
	}
	return s, nil
}

func wordCount(args map[string]any) (any, error) {
	s, err := text(args, "text")
	if err != nil {
		return nil, err
	}
	lines := strings.Count(s, "\n")
	if s != "" && !strings.HasSuffix(s, "\n") {
		lines++
	}
	return map[string]int{"words": len(strings.Fields(s)), "lines": lines, "characters": utf8.RuneCountInString(s)}, nil
}

func reverse(args map[string]any) (any, error) {
	s, err := text(args, "text")
	if err != nil {
		return nil, err
	}
	r := []rune(s)
	slices.Reverse(r)
	return string(r), nil
}

func mean(args map[string]any) (any, error) {
	list, ok := args["numbers"].([]any)
	if !ok {
		return nil, errors.New("numbers must be a list of numbers")
	}
	if len(list) == 0 {
		return nil, errors.New("the mean of no numbers is undefined: give at least one")
	}
	sum := 0.0
	for i, v := range list {
		f, ok := v.(float64)
		if !ok {
			return nil, fmt.Errorf("numbers[%d] is not a number", i)
		}
		sum += f
	}
	return sum / float64(len(list)), nil
}
