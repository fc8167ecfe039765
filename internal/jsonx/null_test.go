package jsonx

import "testing"

func TestNullMember(t *testing.T) {
	for _, tc := range []struct {
		params string
		at     string // "" for none
	}{
		{`{}`, ""},
		{`{"a":1,"b":"x","c":[1,{"d":true}],"e":{}}`, ""},
		{`{"_meta":{"x":null,"y":{"z":null}},"a":1}`, ""},
		{`{"clientInfo":null}`, "/clientInfo"},
		{`{"clientInfo":{"name":null,"version":"1"}}`, "/clientInfo/name"},
		{`{"argument":{"name":"n","value":null}}`, "/argument/value"},
		{`{"list":[1,null]}`, "/list/1"},
		{`{"a":{"_meta":{"k":null}},"b":null}`, "/b"},
		{`null`, ""},
	} {
		at, found := NullMember([]byte(tc.params), "_meta")
		if found != (tc.at != "") || at != tc.at {
			t.Errorf("NullMember(%s) = %q, %v; want %q", tc.params, at, found, tc.at)
		}
	}
}
