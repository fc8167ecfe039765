package mcp

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
)

// isHeaderSafe reports whether v can be sent as an HTTP header value as it is: non-empty visible ASCII,
// spaces only inside.
func isHeaderSafe(v string) bool {
	if v == "" || v[0] == ' ' || v[len(v)-1] == ' ' {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] > 0x7e {
			return false
		}
	}
	return true
}

// FuzzHeaderValue checks the header-value encoding of x-mcp-header arguments, Mcp-Name and Mcp-Method both
// ways: every string encodes to a value safe in a header that decodes back to the same bytes; a value is
// kept as it is exactly when it is safe and not in the base64 form; decoding any header value either fails
// with ErrHeaderValue or yields a string that encodes to a value decoding to it again; a value that is not
// in the base64 form and has no control characters decodes to itself.
func FuzzHeaderValue(f *testing.F) {
	for _, s := range []string{
		"us-west1", "Hello, 世界", " padded ", "line1\nline2", "=?base64?literal?=", "a\tb", "",
		"file:///projects/my app/config.json", "=?base64?SGVsbG8sIOS4lueVjA==?=", "=?base64??=", "=?base64?",
		"=?base64?ZXUtd2VzdA?=", "=?base64?!!!?=", "\x7f", "\xff\xfe", "tools/call", "=?BASE64?eA==?=",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		enc := EncodeHeaderValue(s)
		if !isHeaderSafe(enc) {
			t.Fatalf("EncodeHeaderValue(%q) = %q: not safe in a header", s, enc)
		}
		if dec, err := DecodeHeaderValue(enc); err != nil || dec != s {
			t.Fatalf("DecodeHeaderValue(EncodeHeaderValue(%q)) = %q, %v", s, dec, err)
		}
		b64 := strings.HasPrefix(s, b64Prefix) && strings.HasSuffix(s, b64Suffix)
		if plain := isHeaderSafe(s) && !b64; plain != (enc == s) {
			t.Fatalf("EncodeHeaderValue(%q) = %q: kept as is %v, want %v", s, enc, enc == s, plain)
		}

		// s as a header value someone sent.
		dec, err := DecodeHeaderValue(s)
		if err != nil {
			if !errors.Is(err, ErrHeaderValue) {
				t.Fatalf("DecodeHeaderValue(%q): unexpected error %v", s, err)
			}
			return
		}
		if again, err := DecodeHeaderValue(EncodeHeaderValue(dec)); err != nil || again != dec {
			t.Fatalf("%q decodes to %q, which does not survive re-encoding: %q, %v", s, dec, again, err)
		}
		if !b64 && dec != s {
			t.Fatalf("DecodeHeaderValue(%q) = %q: a value not in the base64 form must decode to itself", s, dec)
		}
	})
}

// FuzzParamValue checks ParamValue against a reference reading of the arguments (encoding/json with exact
// numbers): a string argument is its text, a boolean true/false, a number a canonical decimal integer that
// is the value of an integer literal within int64 or of an integral float64 within JavaScript's safe range;
// everything else (absent, null, objects, arrays, other numbers) reports false.
func FuzzParamValue(f *testing.F) {
	for _, c := range []struct{ args, path string }{
		{`{"region":"eu-west"}`, "region"},
		{`{"n":42}`, "n"},
		{`{"n":-0}`, "n"},
		{`{"n":1e2}`, "n"},
		{`{"n":1.5}`, "n"},
		{`{"n":9007199254740993}`, "n"},
		{`{"n":9007199254740993.0}`, "n"},
		{`{"n":99999999999999999999}`, "n"},
		{`{"opts":{"dry":true}}`, "opts.dry"},
		{`{"opts":{"dry":null}}`, "opts.dry"},
		{`{"opts":[1]}`, "opts.dry"},
		{`{"s":"a\u0000b\ud83d\ude00"}`, "s"},
		{`{"a":{"b":{"c":"deep"}}}`, "a.b.c"},
		{`{"a":1,"a":2}`, "a"},
		{`[]`, "a"},
	} {
		f.Add([]byte(c.args), c.path)
	}
	f.Fuzz(func(t *testing.T, args []byte, dotted string) {
		path := strings.Split(dotted, ".")
		got, ok := ParamValue(jsontext.Value(args), path)
		// The reference only reads input the protocol accepts: valid I-JSON (no duplicate names, valid UTF-8).
		if !jsontext.Value(args).IsValid() {
			return
		}
		want, wantOK := referenceParamValue(t, args, path)
		if ok != wantOK || got != want {
			t.Fatalf("ParamValue(%s, %q) = %q, %v; want %q, %v", args, path, got, ok, want, wantOK)
		}
		if ok {
			if dec, err := DecodeHeaderValue(EncodeHeaderValue(got)); err != nil || dec != got {
				t.Fatalf("the header of %q does not round-trip: %q, %v", got, dec, err)
			}
		}
	})
}

func referenceParamValue(t *testing.T, args []byte, path []string) (string, bool) {
	d := json.NewDecoder(bytes.NewReader(args))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("reference cannot read %s: %v", args, err)
	}
	for _, key := range path {
		obj, ok := v.(map[string]any)
		if !ok {
			return "", false
		}
		if v, ok = obj[key]; !ok {
			return "", false
		}
	}
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case json.Number:
		if n, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return strconv.FormatInt(n, 10), true
		}
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil || f != math.Trunc(f) || math.Abs(f) >= 1<<53 {
			return "", false
		}
		return strconv.FormatInt(int64(f), 10), true
	}
	return "", false
}

// FuzzParamHeaders checks the x-mcp-header annotation reader on any schema: no panic; every annotation it
// accepts has a header token name unique regardless of case and a non-empty path; the same schema always
// gives the same annotations.
func FuzzParamHeaders(f *testing.F) {
	for _, s := range []string{
		`{"type":"object","properties":{"region":{"type":"string","x-mcp-header":"Region"},"n":{"type":"integer","x-mcp-header":"N"},"opts":{"type":"object","properties":{"dry":{"type":"boolean","x-mcp-header":"Dry-Run"}}}}}`,
		`{"properties":{"x":{"type":"number","x-mcp-header":"X"}}}`,
		`{"properties":{"x":{"type":"string","x-mcp-header":"A"},"y":{"type":"string","x-mcp-header":"a"}}}`,
		`{"anyOf":[{"properties":{"x":{"type":"string","x-mcp-header":"X"}}}]}`,
		`{"type":"string","x-mcp-header":"X"}`,
		`{"properties":{"x":{"type":"string","x-mcp-header":5}}}`,
		`{"properties":{"x-mcp-header":{"type":"string","x-mcp-header":"H"}}}`,
		`{"properties":[{"x-mcp-header":"X"}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, schema []byte) {
		hs, err := ParamHeaders(jsontext.Value(schema))
		again, err2 := ParamHeaders(jsontext.Value(schema))
		if (err == nil) != (err2 == nil) || len(hs) != len(again) {
			t.Fatalf("ParamHeaders(%s) is not deterministic: %v/%v, %d/%d annotations", schema, err, err2, len(hs), len(again))
		}
		if err != nil {
			return
		}
		seen := map[string]string{}
		for _, h := range hs {
			if !IsHeaderToken(h.Name) || len(h.Path) == 0 {
				t.Fatalf("ParamHeaders(%s) accepted %+v", schema, h)
			}
			key := strings.ToLower(h.Name)
			if _, dup := seen[key]; dup {
				t.Fatalf("ParamHeaders(%s) accepted %q twice", schema, h.Name)
			}
			seen[key] = strings.Join(h.Path, "\x00")
		}
		for _, h := range again {
			if seen[strings.ToLower(h.Name)] != strings.Join(h.Path, "\x00") {
				t.Fatalf("ParamHeaders(%s) gave %q a different path the second time", schema, h.Name)
			}
		}
	})
}
