package uritmpl

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/yosida95/uritemplate/v3"
)

// Template is a parsed RFC 6570 URI template. It is safe for concurrent use.
type Template struct {
	raw   string
	t     *uritemplate.Template
	names []string
	// simple holds the variables of simple ({var}) expressions, whose values may not contain '/'.
	simple map[string]bool
	// fast matches templates made of literals, {var} and {+var} only — the forms MCP servers use — with one
	// regexp group per variable; nil for the other forms, which the library's matcher handles.
	fast      *regexp.Regexp
	fastNames []string
}

// Parse parses a URI template.
func Parse(s string) (*Template, error) {
	if s == "" {
		return nil, fmt.Errorf("uritmpl: empty template")
	}
	t, err := uritemplate.New(s)
	if err != nil {
		return nil, fmt.Errorf("uritmpl: %q is not an RFC 6570 template: %w", s, err)
	}
	tm := &Template{raw: s, t: t, names: t.Varnames(), simple: simpleVars(s)}
	tm.fast, tm.fastNames = compileFast(s)
	return tm, nil
}

// compileFast builds the regexp for templates of literals, {var} and {+var}: a simple variable matches up
// to the next '/', '?' or '#'; a reserved one matches anything. Other forms return nil.
func compileFast(s string) (*regexp.Regexp, []string) {
	var b strings.Builder
	var names []string
	b.WriteString("^")
	for s != "" {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			b.WriteString(regexp.QuoteMeta(s))
			break
		}
		b.WriteString(regexp.QuoteMeta(s[:i]))
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return nil, nil
		}
		expr := s[i+1 : i+j]
		s = s[i+j+1:]
		reserved := strings.HasPrefix(expr, "+")
		expr = strings.TrimPrefix(expr, "+")
		if expr == "" || strings.ContainsAny(expr, "#./;?&=,!@|*:") {
			return nil, nil
		}
		names = append(names, expr)
		if reserved {
			b.WriteString("(.*)")
		} else {
			b.WriteString("([^/?#]*)")
		}
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, nil
	}
	return re, names
}

// simpleVars returns the names used in level-1 expressions ({name}, no operator).
func simpleVars(s string) map[string]bool {
	out := map[string]bool{}
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return out
		}
		expr := s[i+1 : i+j]
		s = s[i+j+1:]
		if expr == "" || strings.ContainsRune("+#./;?&=,!@|", rune(expr[0])) {
			continue
		}
		for _, v := range strings.Split(expr, ",") {
			v, _, _ = strings.Cut(v, ":")
			out[strings.TrimSuffix(v, "*")] = true
		}
	}
}

// String returns the template as written.
func (t *Template) String() string { return t.raw }

// Varnames returns the template's variable names in order of appearance.
func (t *Template) Varnames() []string { return append([]string(nil), t.names...) }

// Expand substitutes vars into the template. Missing variables expand to nothing, as RFC 6570 says; values
// are percent-encoded as UTF-8.
func (t *Template) Expand(vars map[string]string) (string, error) {
	s, err := expand(t.raw, vars)
	if err != nil {
		return "", fmt.Errorf("uritmpl: expanding %q: %w", t.raw, err)
	}
	return s, nil
}

// Match reports whether uri is an expansion of the whole template and returns the values of its variables,
// percent-decoded. A URI whose percent-encoded bytes decode to invalid UTF-8 does not match. A variable of a simple {name} expression never matches across '/' (nor '?' or '#');
// {+name} matches anything. List values are joined with ','.
func (t *Template) Match(uri string) (map[string]string, bool) {
	if t.fast != nil {
		m := t.fast.FindStringSubmatch(uri)
		if m == nil {
			return nil, false
		}
		out := make(map[string]string, len(t.fastNames))
		for i, name := range t.fastNames {
			v := m[i+1]
			if strings.IndexByte(v, '%') >= 0 {
				if dec, err := url.PathUnescape(v); err == nil {
					v = dec
				}
				if !utf8.ValidString(v) {
					return nil, false // percent-encoded bytes that are not UTF-8 name no value
				}
			}
			if prev, dup := out[name]; dup && prev != v {
				return nil, false // the same variable twice must match the same value
			}
			out[name] = v
		}
		return out, true
	}
	vals := t.t.Match(uri)
	if vals == nil {
		return nil, false
	}
	out := make(map[string]string, len(vals))
	for name, v := range vals {
		s := strings.Join(v.V, ",")
		if t.simple[name] && strings.Contains(s, "/") {
			return nil, false
		}
		if !utf8.ValidString(s) {
			return nil, false // percent-encoded bytes that are not UTF-8 name no value
		}
		out[name] = s
	}
	return out, true
}
