package schema

import (
	"strings"
	"unicode/utf8"

	"github.com/mcpkit/mcpkit/internal/clip"
)

// ValidationError says where an instance breaks its schema and which rule it breaks.
type ValidationError struct {
	// Path is the location in the instance, e.g. "items[2].name"; empty for the root.
	Path string
	// Rule is the keyword that failed: "type", "required", "minimum", "pattern", …
	Rule string
	// Message explains the failure for a human (and a model).
	Message string
}

// Error implements the error interface: "path: message", or "message" at the root.
func (e *ValidationError) Error() string {
	if e.Path == "" {
		return e.Message
	}
	return e.Path + ": " + e.Message
}

// under prefixes the error's path with a parent segment: a property name or an [index].
func (e *ValidationError) under(seg string) *ValidationError {
	switch {
	case e.Path == "":
		e.Path = seg
	case strings.HasPrefix(e.Path, "["):
		e.Path = seg + e.Path
	default:
		e.Path = seg + "." + e.Path
	}
	return e
}

func fail(rule, msg string) *ValidationError { return &ValidationError{Rule: rule, Message: msg} }

// short returns v (instance text: values, property names — an instance may be megabytes long) as a string
// cut for a message to clip.Max bytes on a UTF-8 boundary, marked when cut.
func short[T ~string | ~[]byte](v T) string {
	if len(v) > clip.Max+utf8.UTFMax {
		v = v[:clip.Max+utf8.UTFMax] // convert only what can be quoted
	}
	return clip.String(string(v), clip.Max)
}
