package jsonx

import "testing"

func TestStringMember(t *testing.T) {
	for _, c := range []struct {
		in, name, want string
		ok             bool
	}{
		{`{"name":"add","arguments":{"a":1}}`, "name", "add", true},
		{`{"arguments":{"name":"inner"},"name":"outer"}`, "name", "outer", true},
		{`{"arguments":{"name":"inner"}}`, "name", "", false},
		{`{"_meta":{"x":[1,2,{"uri":"no"}]},"uri":"users://42"}`, "uri", "users://42", true},
		{`{"name":7}`, "name", "", false},
		{`{"name":"a\u0062c"}`, "name", "abc", true},
		{`["name","x"]`, "name", "", false},
		{`{"name":`, "name", "", false},
		{``, "name", "", false},
	} {
		got, ok := StringMember([]byte(c.in), c.name)
		if got != c.want || ok != c.ok {
			t.Errorf("StringMember(%s, %q) = %q, %v; want %q, %v", c.in, c.name, got, ok, c.want, c.ok)
		}
	}
}
