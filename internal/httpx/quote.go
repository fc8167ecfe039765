package httpx

import (
	"strconv"

	"github.com/mcpkit/mcpkit/internal/clip"
)

// MaxQuoted is how many bytes of caller input Quote keeps.
const MaxQuoted = clip.Max

// Quote is QuoteBounded(s, MaxQuoted): caller input (a method name, a header) for an error message.
func Quote(s string) string { return QuoteBounded(s, MaxQuoted) }

// QuoteBounded quotes s (Go syntax) for an error message, keeping at most max bytes of it and saying how
// long the whole was, so that caller or server input of any size cannot make an error message large.
func QuoteBounded(s string, max int) string {
	if len(s) <= max {
		return strconv.Quote(s)
	}
	cut := clip.String(s, max) // never a character cut in two; ends with clip.Ellipsis
	return strconv.Quote(cut[:len(cut)-len(clip.Ellipsis)]) + clip.Ellipsis + " (" + strconv.Itoa(len(s)) + " bytes)"
}
