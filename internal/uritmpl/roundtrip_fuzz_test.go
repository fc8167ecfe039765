package uritmpl

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// roundTripTemplates are templates whose expansion is unambiguous: each variable is delimited by literal
// text or is the last, so matching an expansion must give the values back.
var roundTripTemplates = []string{
	"greeting://{name}",
	"db://{table}/{id}",
	"test://template/{id}/data",
	"file:///{+path}",
	"repo://{owner}/{repo}/blob/{+path}",
	"search://q{?query}",
}

// FuzzExpandMatch checks the direction the server relies on: the URI a client builds by expanding a
// template with values matches that template with the same values. Values are non-empty UTF-8; for {+x}
// (reserved expansion, which keeps '%' triplets as they are) values have no '%'; a simple {x} value may hold
// anything, '/' included (it is percent-encoded). Any URI that matches yields valid UTF-8 values.
func FuzzExpandMatch(f *testing.F) {
	f.Add(0, "Alice", "x")
	f.Add(1, "users", "a b/c")
	f.Add(2, "123", "")
	f.Add(3, "a/b/c.txt", "")
	f.Add(4, "me", "src/main.go")
	f.Add(5, "50% off & more?", "")
	f.Add(0, "bøb😀", "%41")
	f.Fuzz(func(t *testing.T, which int, v1, v2 string) {
		if which < 0 {
			which = -which
		}
		raw := roundTripTemplates[which%len(roundTripTemplates)]
		tm, err := Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		vars := map[string]string{}
		for i, name := range tm.Varnames() {
			v := v1
			if i > 0 {
				v = v2
			}
			if v == "" || !utf8.ValidString(v) {
				return
			}
			if strings.Contains(raw, "{+"+name+"}") && strings.ContainsAny(v, "%") {
				return
			}
			vars[name] = v
		}
		uri, err := tm.Expand(vars)
		if err != nil {
			t.Fatalf("Expand(%q) of %q: %v", vars, raw, err)
		}
		got, ok := tm.Match(uri)
		if !ok {
			t.Fatalf("%q expanded with %q gives %q, which does not match it", raw, vars, uri)
		}
		for name, want := range vars {
			if got[name] != want {
				t.Fatalf("%q: %s = %q expands to %q, which matches %s = %q", raw, name, want, uri, name, got[name])
			}
		}
		for name, v := range got {
			if !utf8.ValidString(v) {
				t.Fatalf("%q matched %q with %s = %q: not UTF-8", raw, uri, name, v)
			}
		}
	})
}
