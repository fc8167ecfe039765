package uritmpl

import "testing"

// TestMatchRejectsInvalidUTF8: a percent-encoded value that decodes to invalid UTF-8 is no value of the
// template (a handler would get a string that cannot be written back as JSON: resources/read answered
// -32603 for greeting://%ff%fe).
func TestMatchRejectsInvalidUTF8(t *testing.T) {
	for _, c := range []struct{ tmpl, uri string }{
		{"greeting://{name}", "greeting://%ff%fe"},
		{"greeting://{name}", "greeting://a%c3"},
		{"files:///{+path}", "files:///a/%ed%a0%80"},
		{"db://{table}/{id}{?q}", "db://t/%80?q=x"},
		{"db://{table}/{id}{?q}", "db://t/1?q=%ff"},
	} {
		tm, err := Parse(c.tmpl)
		if err != nil {
			t.Fatal(err)
		}
		if vars, ok := tm.Match(c.uri); ok {
			t.Errorf("%q matched %q: %q", c.tmpl, c.uri, vars)
		}
	}
	// Valid multi-byte encodings still match and decode.
	tm, _ := Parse("greeting://{name}")
	if vars, ok := tm.Match("greeting://b%C3%B8b"); !ok || vars["name"] != "bøb" {
		t.Errorf("greeting://b%%C3%%B8b: %q, %v", vars, ok)
	}
}
