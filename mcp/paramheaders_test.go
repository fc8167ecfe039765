package mcp

import (
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
)

// TestEncodeHeaderValue follows the Value Encoding table of the 2026-07-28 Streamable HTTP binding.
func TestEncodeHeaderValue(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"us-west1", "us-west1"},
		{"Hello, 世界", "=?base64?SGVsbG8sIOS4lueVjA==?="},
		{" padded ", "=?base64?IHBhZGRlZCA=?="},
		{"line1\nline2", "=?base64?bGluZTEKbGluZTI=?="},
		{"=?base64?literal?=", "=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?="},
		{"a\tb", "=?base64?YQli?="},
		{"", "=?base64??="},
		{"file:///projects/my app/config.json", "file:///projects/my app/config.json"},
	} {
		if got := EncodeHeaderValue(tt.in); got != tt.want {
			t.Errorf("EncodeHeaderValue(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParamHeaders(t *testing.T) {
	good := `{"type":"object","properties":{
		"region":{"type":"string","x-mcp-header":"Region"},
		"n":{"type":"integer","x-mcp-header":"N"},
		"opts":{"type":"object","properties":{"dry":{"type":"boolean","x-mcp-header":"Dry-Run"}}},
		"x-mcp-header":{"type":"string"},
		"query":{"type":"string","default":{"x-mcp-header":"not a schema"}}}}`
	ph, err := ParamHeaders(jsontext.Value(good))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range ph {
		got[p.Name] = strings.Join(p.Path, ".")
	}
	if len(got) != 3 || got["Region"] != "region" || got["N"] != "n" || got["Dry-Run"] != "opts.dry" {
		t.Errorf("annotations %v", got)
	}
	for name, bad := range map[string]string{
		"number":      `{"properties":{"x":{"type":"number","x-mcp-header":"X"}}}`,
		"no type":     `{"properties":{"x":{"x-mcp-header":"X"}}}`,
		"object":      `{"properties":{"x":{"type":"object","x-mcp-header":"X"}}}`,
		"empty":       `{"properties":{"x":{"type":"string","x-mcp-header":""}}}`,
		"not a token": `{"properties":{"x":{"type":"string","x-mcp-header":"A B"}}}`,
		"newline":     `{"properties":{"x":{"type":"string","x-mcp-header":"A\nB"}}}`,
		"duplicate":   `{"properties":{"x":{"type":"string","x-mcp-header":"A"},"y":{"type":"string","x-mcp-header":"a"}}}`,
		"in items":    `{"properties":{"x":{"type":"array","items":{"type":"string","x-mcp-header":"X"}}}}`,
		"in anyOf":    `{"anyOf":[{"properties":{"x":{"type":"string","x-mcp-header":"X"}}}]}`,
		"at the root": `{"type":"string","x-mcp-header":"X"}`,
		"in $defs":    `{"$defs":{"d":{"properties":{"x":{"type":"string","x-mcp-header":"X"}}}}}`,
		"not string":  `{"properties":{"x":{"type":"string","x-mcp-header":5}}}`,
	} {
		if _, err := ParamHeaders(jsontext.Value(bad)); err == nil {
			t.Errorf("%s: accepted %s", name, bad)
		}
	}
}

func TestParamValue(t *testing.T) {
	args := jsontext.Value(`{"s":"v","i":42,"f":42.0,"big":1e300,"frac":1.5,"b":false,"n":null,"o":{"d":true},"a":[1]}`)
	for _, tt := range []struct {
		path []string
		want string
		ok   bool
	}{
		{[]string{"s"}, "v", true}, {[]string{"i"}, "42", true}, {[]string{"f"}, "42", true},
		{[]string{"b"}, "false", true}, {[]string{"o", "d"}, "true", true},
		{[]string{"n"}, "", false}, {[]string{"missing"}, "", false}, {[]string{"a"}, "", false},
		{[]string{"o"}, "", false}, {[]string{"frac"}, "", false}, {[]string{"big"}, "", false},
		{[]string{"s", "deeper"}, "", false},
	} {
		got, ok := ParamValue(args, tt.path)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParamValue(%v) = %q %v, want %q %v", tt.path, got, ok, tt.want, tt.ok)
		}
	}
}

// TestDecodeHeaderValue: the base64 form is decoded strictly, anything else is literal, control characters
// are refused (the server-validation cases of the 2026-07-28 binding).
func TestDecodeHeaderValue(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		ok       bool
	}{
		{"=?base64?SGVsbG8=?=", "Hello", true},
		{"=?base64?SGVsbG8?=", "", false},                // missing padding
		{"=?base64?SGVs!!!bG8=?=", "", false},            // not the alphabet
		{"=?base64?SGVsbG8=", "=?base64?SGVsbG8=", true}, // no suffix: literal
		{"SGVsbG8=", "SGVsbG8=", true},
		{"a\tb", "a\tb", true},
		{"a\nb", "", false},
		{"a\x01b", "", false},
	} {
		got, err := DecodeHeaderValue(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("DecodeHeaderValue(%q) = %q, %v", tt.in, got, err)
		}
		if tt.ok {
			if back, err := DecodeHeaderValue(EncodeHeaderValue(got)); err != nil || back != got {
				t.Errorf("round trip of %q: %q %v", got, back, err)
			}
		}
	}
}
