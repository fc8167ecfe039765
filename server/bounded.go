package server

import "unicode/utf8"

// maxQuoted bounds caller input quoted in error messages (method, tool, prompt and argument names, URIs).
const maxQuoted = 128

// bounded returns s cut to at most maxQuoted bytes on a UTF-8 boundary, with "…" appended when cut, so
// that an error message never echoes megabytes a caller sent.
func bounded(s string) string {
	if len(s) <= maxQuoted {
		return s
	}
	n := maxQuoted
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
