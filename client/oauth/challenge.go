package oauth

import (
	"net/http"
	"strings"
)

// Challenge is a parsed Bearer WWW-Authenticate challenge (RFC 6750 §3, RFC 9728 §5.1).
type Challenge struct {
	Error            string // e.g. invalid_token, insufficient_scope
	Scope            []string
	ResourceMetadata string // URL of the protected resource metadata
}

// ParseChallenge reads the Bearer (else DPoP) challenge of h's WWW-Authenticate headers; ok is false when there is none.
func ParseChallenge(h http.Header) (c Challenge, ok bool) {
	for _, v := range h.Values("WWW-Authenticate") {
		params, found := bearerParams(v, "bearer")
		if !found {
			params, found = bearerParams(v, "dpop")
		}
		if !found {
			continue
		}
		c.Error = params["error"]
		c.Scope = strings.Fields(params["scope"])
		c.ResourceMetadata = params["resource_metadata"]
		return c, true
	}
	return c, false
}

// bearerParams returns the auth-params of the scheme challenge in v (a header value that may hold several
// challenges).
func bearerParams(v, scheme string) (map[string]string, bool) {
	i := indexFold(v, scheme)
	if i < 0 {
		return nil, false
	}
	s := v[i+len(scheme):]
	params := map[string]string{}
	for {
		s = strings.TrimLeft(s, " \t,")
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			return params, true
		}
		name := strings.ToLower(strings.TrimSpace(s[:eq]))
		if strings.ContainsAny(name, " \t") { // the next challenge's scheme
			return params, true
		}
		s = strings.TrimLeft(s[eq+1:], " \t")
		var val string
		if strings.HasPrefix(s, `"`) {
			var b strings.Builder
			j := 1
			for ; j < len(s) && s[j] != '"'; j++ {
				if s[j] == '\\' && j+1 < len(s) {
					j++
				}
				b.WriteByte(s[j])
			}
			val = b.String()
			if j < len(s) {
				j++
			}
			s = s[j:]
		} else {
			end := strings.IndexByte(s, ',')
			if end < 0 {
				end = len(s)
			}
			val = strings.TrimSpace(s[:end])
			s = s[end:]
		}
		params[name] = val
	}
}

// indexFold finds the scheme name at the start of v or after a comma/space, case-insensitively.
func indexFold(v, scheme string) int {
	lv := strings.ToLower(v)
	for i := 0; i+len(scheme) <= len(lv); i++ {
		if lv[i:i+len(scheme)] != scheme {
			continue
		}
		if (i == 0 || lv[i-1] == ' ' || lv[i-1] == ',') && (i+len(scheme) == len(lv) || lv[i+len(scheme)] == ' ') {
			return i
		}
	}
	return -1
}
