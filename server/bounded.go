package server

import "github.com/mcpkit/mcpkit/internal/clip"

// maxErrText bounds a whole error text from elsewhere (a JSON decoder, a schema validator) that may quote
// caller input.
const maxErrText = 512

// bounded returns caller input (method, tool, prompt and argument names, URIs) cut for an error message,
// so that a reply never echoes megabytes a caller sent.
func bounded(s string) string { return clip.String(s, clip.Max) }

// boundedTo cuts s to at most max bytes on a UTF-8 boundary, marked when cut.
func boundedTo(s string, max int) string { return clip.String(s, max) }
