package uritmpl

import (
	"reflect"
	"testing"
)

func TestMatch(t *testing.T) {
	tests := []struct {
		tmpl, uri string
		want      map[string]string // nil = no match
	}{
		{"greeting://{name}", "greeting://Alice", map[string]string{"name": "Alice"}},
		{"greeting://{name}", "greeting://Ali%20ce", map[string]string{"name": "Ali ce"}},
		{"greeting://{name}", "greeting://a/b", nil},
		{"greeting://{name}", "other://Alice", nil},
		{"greeting://{name}", "greeting://Alice/extra", nil},
		{"test://template/{id}/data", "test://template/123/data", map[string]string{"id": "123"}},
		{"test://template/{id}/data", "test://template/123/other", nil},
		{"file:///{+path}", "file:///home/user/a.txt", map[string]string{"path": "home/user/a.txt"}},
		{"db://{table}/{id}", "db://users/42", map[string]string{"table": "users", "id": "42"}},
		{"search://q{?q,lang}", "search://q?q=go&lang=en", map[string]string{"q": "go", "lang": "en"}},
		{"static://plain", "static://plain", map[string]string{}},
		{"static://plain", "static://plainer", nil},
	}
	for _, tt := range tests {
		tm, err := Parse(tt.tmpl)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.tmpl, err)
		}
		got, ok := tm.Match(tt.uri)
		if tt.want == nil {
			if ok {
				t.Errorf("%s matched %s: %v", tt.tmpl, tt.uri, got)
			}
			continue
		}
		if !ok || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s ~ %s = %v, %v; want %v", tt.tmpl, tt.uri, got, ok, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, bad := range []string{"", "x://{", "x://{a b}", "x://{}"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) succeeded", bad)
		}
	}
}

func TestExpandAndVarnames(t *testing.T) {
	tm, err := Parse("db://{table}/{id}{?fields}")
	if err != nil {
		t.Fatal(err)
	}
	if got := tm.Varnames(); !reflect.DeepEqual(got, []string{"table", "id", "fields"}) {
		t.Errorf("Varnames = %v", got)
	}
	s, err := tm.Expand(map[string]string{"table": "users", "id": "a b"})
	if err != nil || s != "db://users/a%20b" {
		t.Errorf("Expand = %q, %v", s, err)
	}
}

func FuzzMatch(f *testing.F) {
	f.Add("greeting://{name}", "greeting://Alice")
	f.Add("file:///{+path}", "file:///a/b/c")
	f.Add("db://{table}/{id}{?q}", "db://t/1?q=x")
	f.Add("x://{#frag}", "x://#a")
	f.Fuzz(func(t *testing.T, tmpl, uri string) {
		tm, err := Parse(tmpl)
		if err != nil {
			return
		}
		vars, ok := tm.Match(uri)
		if !ok {
			return
		}
		// Round trip: expanding what matched yields a URI that matches with the same values.
		exp, err := tm.Expand(vars)
		if err != nil {
			return
		}
		again, ok := tm.Match(exp)
		if !ok {
			return // expansion may normalise encodings the matcher reads differently; no panic is the property
		}
		for k, v := range vars {
			if again[k] != v && v != "" {
				t.Logf("round trip changed %s: %q -> %q (template %q, uri %q)", k, v, again[k], tmpl, uri)
			}
		}
	})
}

func BenchmarkMatch(b *testing.B) {
	tm, _ := Parse("test://template/{id}/data")
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := tm.Match("test://template/123/data"); !ok {
			b.Fatal("no match")
		}
	}
}
