package mcp

import (
	"strconv"

	"github.com/go-json-experiment/json/jsontext"
)

// AppendJSON appends the JSON encoding of r to dst without reflection, for the common shape of a tool
// result: text content blocks without annotations or _meta, structured content, isError, a resultType and a
// _meta holding at most serverInfo. For anything else (or text that is not valid UTF-8) it returns dst
// unchanged and false; encode with json.Marshal then. The encoding equals json.Marshal's when
// StructuredContent is compact JSON, which is what servers produce.
func (r *CallToolResult) AppendJSON(dst []byte) ([]byte, bool) {
	start := len(dst)
	fail := func() ([]byte, bool) { return dst[:start], false }
	if len(r.Extra) > 0 {
		return fail()
	}
	dst = append(dst, '{')
	sep := false
	comma := func() {
		if sep {
			dst = append(dst, ',')
		}
		sep = true
	}
	var ok bool
	if m := r.Meta; m != nil {
		if len(m.SubscriptionID) > 0 || len(m.Extra) > 0 {
			return fail()
		}
		comma()
		dst = append(dst, `"_meta":{`...)
		if m.ServerInfo != nil {
			dst = append(dst, `"io.modelcontextprotocol/serverInfo":`...)
			if dst, ok = m.ServerInfo.appendJSON(dst); !ok {
				return fail()
			}
		}
		dst = append(dst, '}')
	}
	if r.ResultType != "" {
		comma()
		dst = append(dst, `"resultType":`...)
		if dst, ok = appendString(dst, string(r.ResultType)); !ok {
			return fail()
		}
	}
	comma()
	dst = append(dst, `"content":[`...)
	for i := range r.Content {
		c := &r.Content[i]
		if !c.plainText() {
			return fail()
		}
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"type":"text","text":`...)
		if dst, ok = appendString(dst, c.Text); !ok {
			return fail()
		}
		dst = append(dst, '}')
	}
	dst = append(dst, ']')
	if len(r.StructuredContent) > 0 {
		dst = append(dst, `,"structuredContent":`...)
		dst = append(dst, r.StructuredContent...)
	}
	if r.IsError || r.explicitFalse {
		dst = append(dst, `,"isError":`...)
		dst = strconv.AppendBool(dst, r.IsError)
	}
	return append(dst, '}'), true
}

// plainText reports whether c is a text block with nothing but its text.
func (c *Content) plainText() bool {
	return c.Type == ContentTypeText && c.Data == "" && c.MimeType == "" && c.URI == "" && c.Name == "" &&
		c.Title == "" && c.Description == "" && c.Size == nil && c.Icons == nil && c.Resource == nil &&
		c.ID == "" && c.Input == nil && c.ToolUseID == "" && c.Content == nil && c.StructuredContent == nil &&
		!c.IsError && c.Annotations == nil && c.Meta == nil
}

// appendJSON appends an Implementation without icons; false when it has some.
func (im *Implementation) appendJSON(dst []byte) ([]byte, bool) {
	if len(im.Icons) > 0 {
		return dst, false
	}
	var ok bool
	dst = append(dst, `{"name":`...)
	if dst, ok = appendString(dst, im.Name); !ok {
		return dst, false
	}
	for _, f := range []struct{ key, v string }{{"title", im.Title}, {"version", im.Version}, {"description", im.Description}, {"websiteUrl", im.WebsiteURL}} {
		if f.v == "" && f.key != "version" {
			continue
		}
		dst = append(dst, ',', '"')
		dst = append(dst, f.key...)
		dst = append(dst, '"', ':')
		if dst, ok = appendString(dst, f.v); !ok {
			return dst, false
		}
	}
	return append(dst, '}'), true
}

func appendString(dst []byte, s string) ([]byte, bool) {
	out, err := jsontext.AppendQuote(dst, s)
	return out, err == nil
}
