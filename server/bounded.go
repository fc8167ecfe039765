package server

import "unicode/utf8"

// maxQuoted bounds caller input quoted in error messages (method, tool, prompt and argument names, URIs).
const maxQuoted = 128

// bounded returns s cut to at most maxQuoted bytes on a UTF-8 boundary, with "…" appended when cut, so
// that an error message never echoes megabytes a caller sent.
func bounded(s string) string { return boundedTo(s, maxQuoted) }

// maxErrText bounds a whole error text from elsewhere (a JSON decoder, a schema validator) that may quote
// caller input.
const maxErrText = 512

// boundedTo cuts s to at most max bytes on a UTF-8 boundary, with "…" appended when cut.
func boundedTo(s string, max int) string {
	if len(s) <= max {
		return s
	}
	n := max
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
