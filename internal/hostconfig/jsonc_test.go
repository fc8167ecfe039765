package hostconfig

import (
	"strings"
	"testing"

	"github.com/go-json-experiment/json"
)

func TestStripJSONC(t *testing.T) {
	src := `{
  // a line comment with "quotes" and a comma,
  "a": "x // not a comment /* nor this */", /* block
  comment */ "b": [1, 2, 3,],
  "c": "escaped \" quote, // still a string",
  "d": {"e": true,},
}`
	out, err := StripJSONC([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(src) || strings.Count(string(out), "\n") != strings.Count(src, "\n") {
		t.Errorf("lines or offsets moved:\n%s", out)
	}
	var v map[string]any
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if v["a"] != "x // not a comment /* nor this */" || v["c"] != `escaped " quote, // still a string` {
		t.Errorf("strings changed: %q %q", v["a"], v["c"])
	}
	if b := v["b"].([]any); len(b) != 3 {
		t.Errorf("b = %v", b)
	}
}

func TestStripJSONCErrors(t *testing.T) {
	for src, want := range map[string]string{
		"{\n\"a\": 1 /* open": "line 2: unterminated /* comment",
		"{\n\n\"a\": \"open}": "line 3: unterminated string",
	} {
		_, err := StripJSONC([]byte(src))
		if err == nil || err.Error() != want {
			t.Errorf("%q: err = %v, want %q", src, err, want)
		}
	}
	// A comma followed by a value is kept; only one before a closing bracket goes.
	out, err := StripJSONC([]byte(`[1,2]`))
	if err != nil || string(out) != `[1,2]` {
		t.Errorf("%q %v", out, err)
	}
}
