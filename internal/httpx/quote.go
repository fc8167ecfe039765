package httpx

import (
	"strconv"
	"unicode/utf8"
)

// QuoteBounded quotes s (Go syntax) for an error message, keeping at most max bytes of it and saying how
// long the whole was, so that caller or server input of any size cannot make an error message large.
func QuoteBounded(s string, max int) string {
	if len(s) <= max {
		return strconv.Quote(s)
	}
	n := max
	for i := 0; i < utf8.UTFMax-1 && n > 0 && !utf8.RuneStart(s[n]); i++ {
		n-- // do not cut a character in two
	}
	return strconv.Quote(s[:n]) + "… (" + strconv.Itoa(len(s)) + " bytes)"
}
