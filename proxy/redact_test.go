package proxy_test

import (
	"testing"

	"github.com/mcpkit/mcpkit/proxy"
)

// TestRedactURLs: a URL's userinfo, query and fragment are masked wherever it is in a message; the rest
// of the message and URLs without credentials stay as they are.
func TestRedactURLs(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`streamable: POST http://user:pw@127.0.0.1:1/mcp?token=SECRET failed: Post "http://user:***@127.0.0.1:1/mcp?token=SECRET": EOF`,
			`streamable: POST http://***@127.0.0.1:1/mcp?*** failed: Post "http://***@127.0.0.1:1/mcp?***": EOF`},
		{"GET https://h.example/sse?k=v#frag 401", "GET https://h.example/sse?***#*** 401"},
		{"see https://h.example/a#tok=x", "see https://h.example/a#***"},
		{"no url here", "no url here"},
		{"plain https://h.example/mcp and file:///etc/x", "plain https://h.example/mcp and file:///etc/x"},
		{"https://tok@h.example", "https://***@h.example"},
		{"a path /x@y?z and mailto:a@b", "a path /x@y?z and mailto:a@b"},
	} {
		if got := proxy.RedactURLs(tc.in); got != tc.want {
			t.Errorf("RedactURLs(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}
