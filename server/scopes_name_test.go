package server

import (
	"testing"

	"github.com/mcpkit/mcpkit/internal/jsonx"
)

// TestLeadingString: the decoder-free read of a leading name member agrees with the decoder (jsonx.
// StringMember) whenever it answers, and leaves to it everything that is not a plain leading string.
func TestLeadingString(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
		ok   bool
	}{
		{`{"name":"get_user","arguments":{"id":"1"}}`, "get_user", true},
		{" {\n\t\"name\" :\r \"a b\" }", "a b", true},
		{`{"name":""}`, "", true},
		{`{"arguments":{"name":"x"},"name":"y"}`, "", false}, // not first: the decoder's job
		{`{"name":"a\"b"}`, "", false},                       // escape
		{`{"name":"é"}`, "", false},                          // non-ASCII
		{"{\"name\":\"a\x01\"}", "", false},                  // control character
		{`{"name":1}`, "", false},
		{`{"names":"x"}`, "", false},
		{`{"nam":"x"}`, "", false},
		{`{"name":"x`, "", false},
		{`["name","x"]`, "", false},
		{``, "", false},
		{`{"name"`, "", false},
		{`{"name":`, "", false},
	} {
		got, ok := leadingString([]byte(c.in), "name")
		if got != c.want || ok != c.ok {
			t.Errorf("%q: %q %v, want %q %v", c.in, got, ok, c.want, c.ok)
		}
		if ok {
			if dec, dok := jsonx.StringMember([]byte(c.in), "name"); !dok || dec != got {
				t.Errorf("%q: decoder says %q %v", c.in, dec, dok)
			}
		}
	}
}

// FuzzLeadingString: whatever leadingString reads, the decoder reads the same.
func FuzzLeadingString(f *testing.F) {
	for _, s := range []string{`{"name":"get_user","arguments":{}}`, `{"uri":"file:///a"}`, ` { "name" : "x" `, `{"name":"a\u0041"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, member := range []string{"name", "uri"} {
			got, ok := leadingString(b, member)
			if !ok {
				continue
			}
			if dec, dok := jsonx.StringMember(b, member); !dok || dec != got {
				t.Fatalf("%q %s: leadingString %q, decoder %q %v", b, member, got, dec, dok)
			}
		}
	})
}
