package schema

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestValidationErrorsQuoteBounded: instance values and property names quoted in validation errors are cut
// to a bounded length on a UTF-8 boundary (an instance may be megabytes long).
func TestValidationErrorsQuoteBounded(t *testing.T) {
	huge := strings.Repeat("é", 1<<18)
	for _, tc := range []struct{ schema, instance string }{
		{`{"type":"object","properties":{},"additionalProperties":false}`, `{"` + huge + `":1}`},
		{`{"type":"object","additionalProperties":{"type":"string"}}`, `{"` + huge + `":1}`},
		{`{"type":"string","pattern":"^[a-z]+$"}`, `"` + huge + `"`},
		{`{"type":"string","format":"date"}`, `"` + huge + `"`},
		{`{"enum":["a","b"]}`, `"` + huge + `"`},
		{`{"const":"a"}`, `"` + huge + `"`},
		{`{"type":"integer"}`, `1` + strings.Repeat("0", 1<<18) + `.5`},
		{`{"type":"number","maximum":1}`, `1` + strings.Repeat("0", 1<<18)},
	} {
		err := mustCompile(t, tc.schema).Validate([]byte(tc.instance))
		if err == nil {
			t.Fatalf("%s: no error", tc.schema)
		}
		msg := err.Error()
		if len(msg) > 400 || !utf8.ValidString(msg) || !strings.Contains(msg, "…") {
			t.Errorf("%s: message of %d bytes (valid UTF-8 %v): %.200q", tc.schema, len(msg), utf8.ValidString(msg), msg)
		}
	}
}
