package uritmpl

import "testing"

// TestExpandUTF8: values are percent-encoded as UTF-8 bytes (RFC 6570 section 1.6); the library
// wrote each rune's code point bytes instead, dropping zero bytes ("ø" became %F8, "😀" %01%F6).
func TestExpandUTF8(t *testing.T) {
	for _, c := range []struct {
		tmpl string
		vars map[string]string
		want string
	}{
		{"greeting://{name}", map[string]string{"name": "bøb😀"}, "greeting://b%C3%B8b%F0%9F%98%80"},
		{"file:///{+path}", map[string]string{"path": "a/é b"}, "file:///a/%C3%A9%20b"},
		{"search://q{?q,lang}", map[string]string{"q": "日本", "lang": "ja"}, "search://q?q=%E6%97%A5%E6%9C%AC&lang=ja"},
		{"x://{#frag}", map[string]string{"frag": "ü/x"}, "x://#%C3%BC/x"},
		// RFC 6570 examples (section 3.2): level 2 to 4 with string values.
		{"{+path}/here", map[string]string{"path": "/foo/bar"}, "/foo/bar/here"},
		{"{var}", map[string]string{"var": "value"}, "value"},
		{"{hello}", map[string]string{"hello": "Hello World!"}, "Hello%20World%21"},
		{"{+hello}", map[string]string{"hello": "Hello World!"}, "Hello%20World!"},
		{"X{.var}", map[string]string{"var": "value"}, "X.value"},
		{"{/var,x}/here", map[string]string{"var": "value", "x": "1024"}, "/value/1024/here"},
		{"{;x,y,empty}", map[string]string{"x": "1024", "y": "768", "empty": ""}, ";x=1024;y=768;empty"},
		{"{?x,y,empty}", map[string]string{"x": "1024", "y": "768", "empty": ""}, "?x=1024&y=768&empty="},
		{"?fixed=yes{&x}", map[string]string{"x": "1024"}, "?fixed=yes&x=1024"},
		{"{var:3}", map[string]string{"var": "value"}, "val"},
		{"{var:30}", map[string]string{"var": "value"}, "value"},
		{"{#path:6}/here", map[string]string{"path": "/foo/bar"}, "#/foo/b/here"},
		{"{?undef}", nil, ""},
		{"{x,undef,y}", map[string]string{"x": "1024", "y": "768"}, "1024,768"},
		{"{+pct}", map[string]string{"pct": "50%25 off%"}, "50%25%20off%25"},
		{"{name:2}", map[string]string{"name": "øüé"}, "%C3%B8%C3%BC"},
	} {
		tm, err := Parse(c.tmpl)
		if err != nil {
			t.Fatal(err)
		}
		got, err := tm.Expand(c.vars)
		if err != nil || got != c.want {
			t.Errorf("Expand(%q, %q) = %q, %v; want %q", c.tmpl, c.vars, got, err, c.want)
		}
	}
}
