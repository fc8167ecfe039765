package mcp

import (
	"encoding/base64"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Role is the sender or recipient of a message.
type Role string

const (
	// RoleUser is the user side of a conversation.
	RoleUser Role = "user"
	// RoleAssistant is the model side of a conversation.
	RoleAssistant Role = "assistant"
)

// Annotations tell a client how to use or show an object (2025-03-26 and later; audience and priority only
// before 2025-06-18).
type Annotations struct {
	// Audience lists who the object is for.
	Audience []Role `json:"audience,omitzero"`
	// Priority runs from 0 (entirely optional) to 1 (effectively required). 0 is meaningful, so the field is
	// a pointer.
	Priority *float64 `json:"priority,omitzero"`
	// LastModified is an ISO 8601 timestamp (2025-06-18 and later).
	LastModified string `json:"lastModified,omitzero"`
}

// Content types: the values of Content.Type.
const (
	// ContentTypeText is text content: Text.
	ContentTypeText = "text"
	// ContentTypeImage is image content: Data (base64) and MimeType.
	ContentTypeImage = "image"
	// ContentTypeAudio is audio content: Data (base64) and MimeType (2025-03-26 and later).
	ContentTypeAudio = "audio"
	// ContentTypeResourceLink is a link to a resource: the Resource members URI, Name, … (2025-06-18 and
	// later).
	ContentTypeResourceLink = "resource_link"
	// ContentTypeResource is an embedded resource: Resource.
	ContentTypeResource = "resource"
	// ContentTypeToolUse is a model's tool call in sampling: ID, Name, Input (2025-11-25 and later).
	ContentTypeToolUse = "tool_use"
	// ContentTypeToolResult is a tool's result in sampling: ToolUseID, Content, StructuredContent, IsError
	// (2025-11-25 and later).
	ContentTypeToolResult = "tool_result"
)

// Content is one content block: TextContent, ImageContent, AudioContent, ResourceLink, EmbeddedResource,
// ToolUseContent or ToolResultContent of the spec, told apart by Type. It is one flat struct holding the
// union of their members; only the members of its Type are meaningful. Build it with the constructors
// (TextContent, ImageContent, …). When encoding, the members the spec requires for the Type are written even
// when empty (so TextContent("") encodes "text":""), and empty optional members are left out.
type Content struct {
	// Type is one of the ContentType constants.
	Type string `json:"type"`

	// Text is the text of text content.
	Text string `json:"text,omitzero"`

	// Data is the base64-encoded bytes of image or audio content.
	Data string `json:"data,omitzero"`
	// MimeType is the MIME type of image or audio content, or of the linked resource.
	MimeType string `json:"mimeType,omitzero"`

	// URI is the linked resource's URI.
	URI string `json:"uri,omitzero"`
	// Name is the linked resource's name, or the tool name of tool_use content.
	Name string `json:"name,omitzero"`
	// Title is the linked resource's display name.
	Title string `json:"title,omitzero"`
	// Description describes the linked resource.
	Description string `json:"description,omitzero"`
	// Size is the linked resource's size in bytes, if known.
	Size *int64 `json:"size,omitzero"`
	// Icons are the linked resource's icons.
	Icons []Icon `json:"icons,omitzero"`

	// Resource is the embedded resource of resource content.
	Resource *ResourceContents `json:"resource,omitzero"`

	// ID identifies a tool_use, so that a tool_result can refer to it.
	ID string `json:"id,omitzero"`
	// Input is the JSON object of arguments of a tool_use.
	Input jsontext.Value `json:"input,omitzero"`

	// ToolUseID is the ID of the tool_use a tool_result answers.
	ToolUseID string `json:"toolUseId,omitzero"`
	// Content is the unstructured result of a tool_result.
	Content []Content `json:"content,omitzero"`
	// StructuredContent is the structured result of a tool_result.
	StructuredContent jsontext.Value `json:"structuredContent,omitzero"`
	// IsError marks a tool_result as a failure.
	IsError bool `json:"isError,omitzero"`

	// Annotations tell the client how to use the content (not on tool_use or tool_result).
	Annotations *Annotations `json:"annotations,omitzero"`
	// Meta is the content's _meta (2025-06-18 and later).
	Meta Meta `json:"_meta,omitzero"`
}

// TextContent returns text content.
func TextContent(text string) Content {
	return Content{Type: ContentTypeText, Text: text}
}

// ImageContent returns image content holding data, base64-encoded.
func ImageContent(data []byte, mimeType string) Content {
	return Content{Type: ContentTypeImage, Data: base64.StdEncoding.EncodeToString(data), MimeType: mimeType}
}

// AudioContent returns audio content holding data, base64-encoded (2025-03-26 and later).
func AudioContent(data []byte, mimeType string) Content {
	return Content{Type: ContentTypeAudio, Data: base64.StdEncoding.EncodeToString(data), MimeType: mimeType}
}

// ResourceLinkContent returns a link to resource r (2025-06-18 and later).
func ResourceLinkContent(r Resource) Content {
	return Content{
		Type:        ContentTypeResourceLink,
		URI:         r.URI,
		Name:        r.Name,
		Title:       r.Title,
		Description: r.Description,
		MimeType:    r.MimeType,
		Size:        r.Size,
		Icons:       r.Icons,
		Annotations: r.Annotations,
		Meta:        r.Meta,
	}
}

// EmbeddedResourceContent returns content embedding the resource contents rc.
func EmbeddedResourceContent(rc ResourceContents) Content {
	return Content{Type: ContentTypeResource, Resource: &rc}
}

// ToolUseContent returns a model's call of tool name with the JSON object input (sampling; 2025-11-25 and
// later). An empty input encodes as {}.
func ToolUseContent(id, name string, input jsontext.Value) Content {
	return Content{Type: ContentTypeToolUse, ID: id, Name: name, Input: input}
}

// ToolResultContent returns the result of the tool_use toolUseID (sampling; 2025-11-25 and later).
func ToolResultContent(toolUseID string, content ...Content) Content {
	if content == nil {
		content = []Content{}
	}
	return Content{Type: ContentTypeToolResult, ToolUseID: toolUseID, Content: content}
}

// Bytes decodes Data, the base64 payload of image or audio content.
func (c Content) Bytes() ([]byte, error) {
	return base64.StdEncoding.DecodeString(c.Data)
}

// AsResource returns the Resource a resource_link content points to.
func (c Content) AsResource() Resource {
	return Resource{
		URI:         c.URI,
		Name:        c.Name,
		Title:       c.Title,
		Description: c.Description,
		MimeType:    c.MimeType,
		Size:        c.Size,
		Icons:       c.Icons,
		Annotations: c.Annotations,
		Meta:        c.Meta,
	}
}

// contentWire is Content as written: the members a type requires become non-nil pointers so that they are
// written even when empty.
type contentWire struct {
	Type              string            `json:"type"`
	Text              *string           `json:"text,omitzero"`
	Data              *string           `json:"data,omitzero"`
	MimeType          *string           `json:"mimeType,omitzero"`
	URI               *string           `json:"uri,omitzero"`
	Name              *string           `json:"name,omitzero"`
	Title             string            `json:"title,omitzero"`
	Description       string            `json:"description,omitzero"`
	Size              *int64            `json:"size,omitzero"`
	Icons             []Icon            `json:"icons,omitzero"`
	Resource          *ResourceContents `json:"resource,omitzero"`
	ID                *string           `json:"id,omitzero"`
	Input             jsontext.Value    `json:"input,omitzero"`
	ToolUseID         *string           `json:"toolUseId,omitzero"`
	Content           []Content         `json:"content,omitzero"`
	StructuredContent jsontext.Value    `json:"structuredContent,omitzero"`
	IsError           bool              `json:"isError,omitzero"`
	Annotations       *Annotations      `json:"annotations,omitzero"`
	Meta              Meta              `json:"_meta,omitzero"`
}

var emptyJSONObject = jsontext.Value(`{}`)

// MarshalJSONTo writes the content block, including the members its Type requires even when they are empty.
func (c Content) MarshalJSONTo(enc *jsontext.Encoder) error {
	w := contentWire{
		Type:              c.Type,
		Title:             c.Title,
		Description:       c.Description,
		Size:              c.Size,
		Icons:             c.Icons,
		Resource:          c.Resource,
		Input:             c.Input,
		Content:           c.Content,
		StructuredContent: c.StructuredContent,
		IsError:           c.IsError,
		Annotations:       c.Annotations,
		Meta:              c.Meta,
	}
	// opt returns a pointer to s when it must be written: when required or not empty.
	opt := func(s *string, required bool) *string {
		if required || *s != "" {
			return s
		}
		return nil
	}
	media := c.Type == ContentTypeImage || c.Type == ContentTypeAudio
	link := c.Type == ContentTypeResourceLink
	toolUse := c.Type == ContentTypeToolUse
	w.Text = opt(&c.Text, c.Type == ContentTypeText)
	w.Data = opt(&c.Data, media)
	w.MimeType = opt(&c.MimeType, media)
	w.URI = opt(&c.URI, link)
	w.Name = opt(&c.Name, link || toolUse)
	w.ID = opt(&c.ID, toolUse)
	w.ToolUseID = opt(&c.ToolUseID, c.Type == ContentTypeToolResult)
	if toolUse && len(w.Input) == 0 {
		w.Input = emptyJSONObject
	}
	if c.Type == ContentTypeToolResult && w.Content == nil {
		w.Content = []Content{}
	}
	return json.MarshalEncode(enc, &w)
}
