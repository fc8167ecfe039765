package uritmpl

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// operator is the behaviour of one RFC 6570 expression operator (section 3.2.1, appendix A).
type operator struct {
	first, sep string
	named      bool
	ifEmpty    string
	reserved   bool // allow reserved characters and pct-encoded triplets (U+R); otherwise unreserved only (U)
}

var operators = map[byte]operator{
	0:   {sep: ","},
	'+': {sep: ",", reserved: true},
	'.': {first: ".", sep: "."},
	'/': {first: "/", sep: "/"},
	';': {first: ";", sep: ";", named: true},
	'?': {first: "?", sep: "&", named: true, ifEmpty: "="},
	'&': {first: "&", sep: "&", named: true, ifEmpty: "="},
	'#': {first: "#", sep: ",", reserved: true},
}

// expand implements RFC 6570 expansion for string values (the only kind Expand takes, so the explode
// modifier changes nothing), percent-encoding values as UTF-8 bytes. The template was validated by Parse.
func expand(tmpl string, vars map[string]string) (string, error) {
	var b strings.Builder
	for tmpl != "" {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			b.WriteString(tmpl)
			break
		}
		b.WriteString(tmpl[:i])
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			return "", fmt.Errorf("unclosed expression")
		}
		expr := tmpl[i+1 : i+j]
		tmpl = tmpl[i+j+1:]
		op, ok := operators[0], true
		if expr != "" {
			if o, isOp := operators[expr[0]]; isOp && expr[0] != 0 {
				op, expr = o, expr[1:]
			} else if strings.IndexByte("=,!@|", expr[0]) >= 0 {
				ok = false
			}
		}
		if !ok {
			return "", fmt.Errorf("reserved operator in {%s}", expr)
		}
		n := 0
		for _, spec := range strings.Split(expr, ",") {
			name := strings.TrimSuffix(spec, "*")
			limit := -1
			if k := strings.IndexByte(name, ':'); k >= 0 {
				l, err := strconv.Atoi(name[k+1:])
				if err != nil || l <= 0 {
					return "", fmt.Errorf("bad prefix length in %q", spec)
				}
				name, limit = name[:k], l
			}
			v, defined := vars[name]
			if !defined {
				continue
			}
			if n == 0 {
				b.WriteString(op.first)
			} else {
				b.WriteString(op.sep)
			}
			n++
			if op.named {
				b.WriteString(name)
				if v == "" {
					b.WriteString(op.ifEmpty)
					continue
				}
				b.WriteByte('=')
			}
			if limit >= 0 && utf8.RuneCountInString(v) > limit {
				cut := 0
				for k := 0; k < limit; k++ {
					_, size := utf8.DecodeRuneInString(v[cut:])
					cut += size
				}
				v = v[:cut]
			}
			escape(&b, v, op.reserved)
		}
	}
	return b.String(), nil
}

const hexDigits = "0123456789ABCDEF"

// escape writes v, percent-encoding each byte outside the allowed set: unreserved characters, and with
// reserved also the reserved characters and existing pct-encoded triplets.
func escape(b *strings.Builder, v string, reserved bool) {
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', strings.IndexByte("-._~", c) >= 0:
			b.WriteByte(c)
		case reserved && strings.IndexByte(":/?#[]@!$&'()*+,;=", c) >= 0:
			b.WriteByte(c)
		case reserved && c == '%' && i+2 < len(v) && isHex(v[i+1]) && isHex(v[i+2]):
			b.WriteString(v[i : i+3])
			i += 2
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
