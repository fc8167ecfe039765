// Package schema infers JSON Schema (2020-12) from Go types and validates raw JSON against schemas.
//
// For is the short path: the schema of a Go type, inferred once and cached. Struct tags steer it: the json
// tag names fields and marks them optional (omitempty, omitzero); the jsonschema tag is either a plain
// description or a comma-separated list of key=value items (see ParseTag). Validation walks the raw JSON
// tokens without building map[string]any, so validating tool arguments on the hot path costs almost no
// allocation. Schemas written by hand (any 2020-12 keyword, $ref, composition) compile with CompileJSON,
// which uses the native validator when it can and github.com/santhosh-tekuri/jsonschema/v6 when it cannot.
//
// This package knows nothing of MCP.
package schema
