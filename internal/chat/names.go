package chat

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Separator joins a server's name and its tool's name in the name the model sees: SERVER__TOOL.
const Separator = "__"

// MaxNameLen is the longest function name the chat-completions API takes; names are made of
// [a-zA-Z0-9_-].
const MaxNameLen = 64

// ModelName returns the name tool of server is offered to the model under: server, Separator and tool,
// each with the characters the API refuses replaced by '-'. A result longer than MaxNameLen keeps its
// first 55 characters and ends with '-' and 8 hex digits of a SHA-256 of the original pair, so that it
// stays unique and is the same on every run.
func ModelName(server, tool string) string {
	name := clean(server) + Separator + clean(tool)
	if len(name) <= MaxNameLen {
		return name
	}
	sum := sha256.Sum256([]byte(server + "\x00" + tool))
	return name[:MaxNameLen-9] + "-" + hex.EncodeToString(sum[:4])
}

// clean replaces every character outside [a-zA-Z0-9_-] by '-'; an empty name becomes "-".
func clean(s string) string {
	if s == "" {
		return "-"
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	return b.String()
}
