// Package mcp holds the data of the Model Context Protocol: every message parameter and result, capability,
// content type, error code, method name and protocol version of the revisions 2024-11-05, 2025-03-26,
// 2025-06-18, 2025-11-25 and 2026-07-28.
//
// One set of Go types covers all five revisions. A field that only some revisions know is optional
// (omitted when zero), so a value encodes correctly for an older peer as long as the caller leaves the
// newer fields empty; the predicates in versions.go (HasStructuredContent, HasResultType, …) say which
// revision knows what.
//
// JSON is handled by github.com/go-json-experiment/json. Struct tags follow its rules: optional members use
// `omitzero`, required ones have no omit option, and Go-embedded structs and catch-all maps are JSON-embedded
// with `json:",embed"` (the older `,inline`/`,unknown` spellings are silently ignored by this version of the
// library). Free-form JSON — schemas, tool arguments, structured content, experimental capabilities — stays
// a jsontext.Value until someone needs it. Decoding and re-encoding a spec example gives back the same JSON:
// objects that may carry extension keys keep them, and the few fields where an explicit zero differs from an
// absent member (ttlMs: 0, priority: 0, isError: false, text: "") keep that difference.
//
// The package must not do I/O and knows nothing of JSON-RPC framing (ids, the jsonrpc member, the error
// object): that is package jsonrpc. It has no dependencies inside mcpkit.
package mcp
