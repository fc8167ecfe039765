package proxy

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/internal/jsonx"
	"github.com/mcpkit/mcpkit/mcp"
)

// decodeToolResult decodes an upstream tools/call result into res without what belongs to the upstream hop
// (ownFields). The common shape — text content blocks with nothing but their text, structuredContent,
// isError, resultType, and _meta — is read member by member (fastToolResult), which costs a fraction of
// the reflective decode; anything else is decoded by json.Unmarshal, so both give the same result.
func decodeToolResult(raw jsontext.Value, res *mcp.CallToolResult) error {
	if fastToolResult(raw, res) {
		return nil
	}
	*res = mcp.CallToolResult{}
	if err := json.Unmarshal(raw, res); err != nil {
		return fmt.Errorf("proxy: upstream %s result: %w", mcp.MethodToolsCall, err)
	}
	ownFields(&res.ResultFields)
	return nil
}

// explicitFalse is a result whose isError was read as an explicit false, which mcp.CallToolResult
// remembers (unexported) so that it is written back: fastToolResult starts from it when it reads one.
var explicitFalse = func() mcp.CallToolResult {
	var r mcp.CallToolResult
	if err := json.Unmarshal([]byte(`{"content":[],"isError":false}`), &r); err != nil {
		panic(err)
	}
	r.Content = nil
	return r
}()

// fastToolResult decodes raw into res when it has the common shape (decodeToolResult), with ownFields
// applied: resultType and the protocol's _meta keys dropped. It reports false, res then undefined, for
// any other shape or malformed JSON (the decoder refuses duplicate names and invalid UTF-8, as
// json.Unmarshal does).
func fastToolResult(raw jsontext.Value, res *mcp.CallToolResult) bool {
	d := jsonx.GetDecoder(raw)
	defer d.Put()
	dec := d.Dec
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return false
	}
	var (
		content    []mcp.Content
		structured jsontext.Value
		isError    *bool
		extra      map[string]jsontext.Value
	)
	for dec.PeekKind() != '}' {
		name, err := dec.ReadToken()
		if err != nil {
			return false
		}
		switch name.String() {
		case "content":
			if content, err = fastContent(dec); err != nil {
				return false
			}
		case "structuredContent":
			v, err := dec.ReadValue()
			if err != nil || v.Kind() == 'n' {
				return false
			}
			structured = bytes.Clone(v)
		case "isError":
			tok, err := dec.ReadToken()
			if err != nil || (tok.Kind() != 't' && tok.Kind() != 'f') {
				return false
			}
			b := tok.Bool()
			isError = &b
		case "resultType":
			if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '"' {
				return false
			}
		case "_meta":
			if extra, err = fastMeta(dec); err != nil {
				return false
			}
		default:
			return false
		}
	}
	if _, err := dec.ReadToken(); err != nil { // }
		return false
	}
	if _, err := dec.ReadToken(); err != io.EOF { // nothing may follow
		return false
	}
	if isError != nil && !*isError {
		*res = explicitFalse
	} else {
		*res = mcp.CallToolResult{IsError: isError != nil}
	}
	res.Content, res.StructuredContent = content, structured
	if extra != nil {
		res.Meta = &mcp.ResultMeta{Extra: extra}
	}
	return true
}

// errShape says a member is not of the shape fastToolResult reads.
var errShape = errors.New("proxy: not the common result shape")

// fastContent reads a content array whose blocks are all {"type":"text","text":…}, in either order.
func fastContent(dec *jsontext.Decoder) ([]mcp.Content, error) {
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '[' {
		return nil, errShape
	}
	content := []mcp.Content{}
	for dec.PeekKind() != ']' {
		if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
			return nil, errShape
		}
		var typ, text string
		var hasText bool
		for dec.PeekKind() != '}' {
			name, err := dec.ReadToken()
			if err != nil {
				return nil, err
			}
			isType, isText := name.String() == "type", name.String() == "text" // before the next read voids name
			if !isType && !isText {
				return nil, errShape
			}
			val, err := dec.ReadToken()
			if err != nil || val.Kind() != '"' {
				return nil, errShape
			}
			if isType {
				typ = val.String()
			} else {
				text, hasText = val.String(), true
			}
		}
		if _, err := dec.ReadToken(); err != nil || typ != mcp.ContentTypeText || !hasText {
			return nil, errShape
		}
		content = append(content, mcp.TextContent(text))
	}
	if _, err := dec.ReadToken(); err != nil { // ]
		return nil, err
	}
	return content, nil
}

// fastMeta reads a result's _meta object, keeping the members that are not the protocol's own (what
// ownFields keeps); nil when there are none.
func fastMeta(dec *jsontext.Decoder) (map[string]jsontext.Value, error) {
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return nil, errShape
	}
	var extra map[string]jsontext.Value
	for dec.PeekKind() != '}' {
		name, err := dec.ReadToken()
		if err != nil {
			return nil, err
		}
		k := name.String()
		v, err := dec.ReadValue()
		if err != nil {
			return nil, err
		}
		if isEraKey(k) {
			continue
		}
		if extra == nil {
			extra = map[string]jsontext.Value{}
		}
		extra[k] = bytes.Clone(v)
	}
	if _, err := dec.ReadToken(); err != nil {
		return nil, err
	}
	return extra, nil
}
