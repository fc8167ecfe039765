// Package clip bounds caller input quoted in error messages and logs, so that a peer cannot make a reply or
// a log line as large as its request (a 3 MB method name echoed in full).
package clip

import "unicode/utf8"

// Max is the bound for one piece of caller input quoted in a message: a method name, an id, a URI.
const Max = 128

// Ellipsis marks text that was cut.
const Ellipsis = "…"

// String returns s when it is at most max bytes long; otherwise its first max bytes or fewer (never splitting
// a UTF-8 sequence) followed by Ellipsis. max <= 0 means Max.
func String(s string, max int) string {
	if max <= 0 {
		max = Max
	}
	if len(s) <= max {
		return s
	}
	return s[:cut(s, max)] + Ellipsis
}

// Bytes is String for a byte slice; it always returns a copy.
func Bytes(b []byte, max int) string {
	if max <= 0 {
		max = Max
	}
	if len(b) <= max {
		return string(b)
	}
	return string(b[:cut(b, max)]) + Ellipsis
}

// cut returns where to cut s (len(s) > max) at or before max bytes: before the UTF-8 sequence that would
// straddle max, or at max itself when the bytes there are not valid UTF-8 anyway.
func cut[T string | []byte](s T, max int) int {
	n := max
	for n > 0 && n > max-utf8.UTFMax && !utf8.RuneStart(s[n]) {
		n--
	}
	if n < max && utf8.RuneStart(s[n]) && seqLen(s[n]) > max-n {
		return n
	}
	return max
}

// seqLen is the length of the UTF-8 sequence that lead byte b starts.
func seqLen(b byte) int {
	switch {
	case b >= 0xF0:
		return 4
	case b >= 0xE0:
		return 3
	case b >= 0xC0:
		return 2
	}
	return 1
}
