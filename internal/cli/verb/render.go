package verb

import (
	"encoding/base64"
	"fmt"
	"io"
	"strings"

	"github.com/mcpkit/mcpkit/mcp"
)

// writeText writes s, ending it with a newline if it has none.
func writeText(w io.Writer, s string) {
	io.WriteString(w, s)
	if !strings.HasSuffix(s, "\n") {
		io.WriteString(w, "\n")
	}
}

// writeContent writes content blocks for a person: text as it is, anything else as a one-line summary in
// brackets (binary data is never dumped into a result made of several blocks).
func writeContent(w io.Writer, blocks []mcp.Content) {
	for _, c := range blocks {
		switch c.Type {
		case mcp.ContentTypeText:
			writeText(w, c.Text)
		case "image", "audio":
			fmt.Fprintf(w, "[%s %s, %d bytes]\n", c.Type, c.MimeType, base64.StdEncoding.DecodedLen(len(c.Data)))
		case "resource_link":
			fmt.Fprintf(w, "[resource link %s%s]\n", c.URI, paren(c.Name))
		case "resource":
			if c.Resource == nil {
				fmt.Fprintln(w, "[resource]")
				continue
			}
			if c.Resource.Text != "" || c.Resource.Blob == "" {
				writeText(w, c.Resource.Text)
				continue
			}
			fmt.Fprintf(w, "[resource %s %s, %d bytes]\n", c.Resource.URI, c.Resource.MimeType, base64.StdEncoding.DecodedLen(len(c.Resource.Blob)))
		default:
			fmt.Fprintf(w, "[%s content]\n", c.Type)
		}
	}
}

func paren(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

// contentText is the text of content blocks in one string (for a tool error on stderr).
func contentText(blocks []mcp.Content) string {
	var b strings.Builder
	writeContent(&b, blocks)
	return b.String()
}
