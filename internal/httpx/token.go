package httpx

import "strings"

// IsToken reports whether name is a non-empty HTTP field-name token (RFC 9110 section 5.1: 1*tchar).
func IsToken(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range []byte(name) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
