package hostconfig

import (
	"errors"
	"fmt"
)

// StripJSONC turns JSON with comments (// to the end of the line, /* … */) and trailing commas (before
// a closing } or ]) into plain JSON. Comments become spaces and newlines, so line and column numbers
// of the result are those of the input. Text inside strings, escapes included, is left alone. An
// unterminated block comment or string is an error with its line.
func StripJSONC(src []byte) ([]byte, error) {
	out := make([]byte, len(src))
	copy(out, src)
	line := 1
	lastComma := -1 // index in out of a comma not yet followed by a value
	for i := 0; i < len(out); i++ {
		c := out[i]
		switch {
		case c == '\n':
			line++
		case c == '"':
			start := line
			i++
			for ; i < len(out) && out[i] != '"'; i++ {
				switch out[i] {
				case '\\':
					i++
				case '\n':
					line++
				}
			}
			if i >= len(out) {
				return nil, fmt.Errorf("line %d: unterminated string", start)
			}
			lastComma = -1
		case c == '/' && i+1 < len(out) && out[i+1] == '/':
			for ; i < len(out) && out[i] != '\n'; i++ {
				out[i] = ' '
			}
			if i < len(out) {
				line++
			}
		case c == '/' && i+1 < len(out) && out[i+1] == '*':
			start := line
			out[i], out[i+1] = ' ', ' '
			i += 2
			for ; i+1 < len(out) && !(out[i] == '*' && out[i+1] == '/'); i++ {
				if out[i] == '\n' {
					line++
				} else {
					out[i] = ' '
				}
			}
			if i+1 >= len(out) {
				return nil, fmt.Errorf("line %d: %w", start, errUnterminatedComment)
			}
			out[i], out[i+1] = ' ', ' '
			i++
		case c == ',':
			lastComma = i
		case c == '}' || c == ']':
			if lastComma >= 0 {
				out[lastComma] = ' '
			}
			lastComma = -1
		case c == ' ' || c == '\t' || c == '\r':
		default:
			lastComma = -1
		}
	}
	return out, nil
}

var errUnterminatedComment = errors.New("unterminated /* comment")
