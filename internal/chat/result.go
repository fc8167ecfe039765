package chat

import (
	"fmt"
	"strings"

	"github.com/mcpkit/mcpkit/mcp"
)

// ResultText is what the model is told of a tool's result: its structured content as JSON when there
// is some (the text blocks then usually say the same), else its content blocks, text as it is and the
// others described in a line ([image image/png, 1234 bytes of base64]). An isError result starts with
// "Error (the tool failed): ".
func ResultText(res *mcp.CallToolResult) string {
	var parts []string
	if len(res.StructuredContent) > 0 {
		parts = append(parts, string(res.StructuredContent))
	} else {
		for _, b := range res.Content {
			parts = append(parts, blockText(b))
		}
	}
	text := strings.Join(parts, "\n")
	if res.IsError {
		text = "Error (the tool failed): " + text
	}
	return text
}

// blockText describes one content block in text.
func blockText(b mcp.Content) string {
	switch b.Type {
	case mcp.ContentTypeText:
		return b.Text
	case mcp.ContentTypeImage, mcp.ContentTypeAudio:
		return fmt.Sprintf("[%s %s, %d bytes of base64]", b.Type, b.MimeType, len(b.Data))
	case mcp.ContentTypeResourceLink:
		return fmt.Sprintf("[resource link %s %s]", b.URI, b.Name)
	case mcp.ContentTypeResource:
		if b.Resource != nil {
			if b.Resource.Text != "" {
				return fmt.Sprintf("[resource %s]\n%s", b.Resource.URI, b.Resource.Text)
			}
			return fmt.Sprintf("[resource %s, %s]", b.Resource.URI, b.Resource.MimeType)
		}
	}
	return "[" + b.Type + " content]"
}
