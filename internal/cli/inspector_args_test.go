package cli

import (
	"testing"

	"github.com/go-json-experiment/json"
)

// TestInspectorToolArgs: values typed from the input schema as the Inspector CLI types them, except that a
// string property keeps the text and a value that does not parse as its type stays a string.
func TestInspectorToolArgs(t *testing.T) {
	schema := []byte(`{"type":"object","properties":{
		"n":{"type":"number"},"i":{"type":"integer"},"b":{"type":"boolean"},"s":{"type":"string"},
		"o":{"type":"object"},"a":{"type":"array"},"ni":{"type":["integer","null"]},
		"nb":{"anyOf":[{"type":"boolean"},{"type":"null"}]},"c":{"const":7},"e":{"type":"string","enum":["1","2"]}}}`)
	for _, tc := range []struct{ arg, want string }{
		{"n=2.5", `2.5`},
		{"n=abc", `"abc"`}, // the Inspector sends null (NaN)
		{"i=10", `10`},
		{"i=1.5", `1.5`}, // the server's validation says no
		{"b=true", `true`},
		{"b=FALSE", `false`},
		{"b=yes", `"yes"`}, // the Inspector sends false
		{"s=123", `"123"`}, // the Inspector sends 123
		{"s=true", `"true"`},
		{`s="quoted"`, `"quoted"`},
		{"s=a=b", `"a=b"`}, // split at the first '='
		{`o={"k":[1, 2]}`, `{"k":[1,2]}`},
		{"o={bad", `"{bad"`},
		{"a=[1,2]", `[1,2]`},
		{"ni=5", `5`},
		{"ni=null", `null`},
		{"nb=True", `true`},
		{"c=7", `7`},
		{"e=1", `"1"`},
		{"free=42", `42`},         // untyped: JSON when it is JSON
		{"free=hello", `"hello"`}, // else the string
		{"free={\"x\":1}", `{"x":1}`},
	} {
		args, err := InspectorToolArgs(schema, []string{tc.arg})
		if err != nil {
			t.Errorf("%s: %v", tc.arg, err)
			continue
		}
		got, _ := json.Marshal(args)
		var k string
		for k = range args {
		}
		if want := `{"` + k + `":` + tc.want + `}`; string(got) != want {
			t.Errorf("%s: %s, want %s", tc.arg, got, want)
		}
	}
	for _, bad := range []string{"novalue", "k=", "=v", "n=1e400"} {
		if _, err := InspectorToolArgs(schema, []string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestPromptArgs: prompt arguments are strings; JSON values become their compact text, a JSON string its
// content.
func TestPromptArgs(t *testing.T) {
	got, err := PromptArgs([]string{"code=x := 1", "n=1", `o={"a": 1}`, `q="hi"`})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"code": "x := 1", "n": "1", "o": `{"a":1}`, "q": "hi"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if _, _, err := ParseHeader("X-A"); err == nil {
		t.Error("a header without a colon was accepted")
	}
	if k, v, err := ParseHeader(" Authorization :  Bearer a:b "); err != nil || k != "Authorization" || v != "Bearer a:b" {
		t.Errorf("ParseHeader: %q %q %v", k, v, err)
	}
}
