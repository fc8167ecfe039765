package mcp

import (
	"encoding/base64"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Resource is a resource the server can read, as listed by resources/list.
type Resource struct {
	// URI identifies the resource.
	URI string `json:"uri"`
	// Name is the programmatic name.
	Name string `json:"name"`
	// Title is a display name (2025-06-18 and later).
	Title string `json:"title,omitzero"`
	// Description says what the resource is; a hint to the model.
	Description string `json:"description,omitzero"`
	// MimeType is the resource's MIME type, if known.
	MimeType string `json:"mimeType,omitzero"`
	// Annotations tell the client how to use the resource.
	Annotations *Annotations `json:"annotations,omitzero"`
	// Size is the raw size in bytes, if known. 0 is meaningful (an empty resource), so the field is a
	// pointer.
	Size *int64 `json:"size,omitzero"`
	// Icons are icons a user interface may show (2025-11-25 and later).
	Icons []Icon `json:"icons,omitzero"`
	// Meta is the resource's _meta (2025-06-18 and later).
	Meta Meta `json:"_meta,omitzero"`
}

// ResourceTemplate describes a family of resources by an RFC 6570 URI template.
type ResourceTemplate struct {
	// URITemplate is the RFC 6570 template resource URIs are made from.
	URITemplate string `json:"uriTemplate"`
	// Name is the programmatic name.
	Name string `json:"name"`
	// Title is a display name (2025-06-18 and later).
	Title string `json:"title,omitzero"`
	// Description says what the template is for; a hint to the model.
	Description string `json:"description,omitzero"`
	// MimeType is the MIME type of every matching resource, when they all share one.
	MimeType string `json:"mimeType,omitzero"`
	// Annotations tell the client how to use the resources.
	Annotations *Annotations `json:"annotations,omitzero"`
	// Icons are icons a user interface may show (2025-11-25 and later).
	Icons []Icon `json:"icons,omitzero"`
	// Meta is the template's _meta (2025-06-18 and later).
	Meta Meta `json:"_meta,omitzero"`
}

// ResourceContents are the contents of a resource: TextResourceContents or BlobResourceContents of the spec
// in one struct. It is a blob when Blob is not empty (or when it was decoded from, or built by BlobResource
// as, an empty blob), and text otherwise — so the text member is written even when it is "". Build it with
// TextResource or BlobResource.
type ResourceContents struct {
	// URI identifies the resource.
	URI string `json:"uri"`
	// MimeType is the MIME type, if known.
	MimeType string `json:"mimeType,omitzero"`
	// Text is the contents of a text resource.
	Text string `json:"text,omitzero"`
	// Blob is the base64-encoded contents of a binary resource.
	Blob string `json:"blob,omitzero"`
	// Meta is the contents' _meta (2025-06-18 and later).
	Meta Meta `json:"_meta,omitzero"`

	emptyBlob bool // an empty Blob is still a blob
}

// TextResource returns the contents of a text resource.
func TextResource(uri, mimeType, text string) ResourceContents {
	return ResourceContents{URI: uri, MimeType: mimeType, Text: text}
}

// BlobResource returns the contents of a binary resource holding data, base64-encoded.
func BlobResource(uri, mimeType string, data []byte) ResourceContents {
	return ResourceContents{
		URI:       uri,
		MimeType:  mimeType,
		Blob:      base64.StdEncoding.EncodeToString(data),
		emptyBlob: len(data) == 0,
	}
}

// IsBlob reports whether rc holds binary contents.
func (rc ResourceContents) IsBlob() bool { return rc.Blob != "" || rc.emptyBlob }

// Bytes returns the contents: the decoded blob of a binary resource, or the text of a text resource.
func (rc ResourceContents) Bytes() ([]byte, error) {
	if rc.IsBlob() {
		return base64.StdEncoding.DecodeString(rc.Blob)
	}
	return []byte(rc.Text), nil
}

// resourceContentsWire is ResourceContents as written and read: exactly one of Text and Blob is set.
type resourceContentsWire struct {
	URI      string  `json:"uri"`
	MimeType string  `json:"mimeType,omitzero"`
	Text     *string `json:"text,omitzero"`
	Blob     *string `json:"blob,omitzero"`
	Meta     Meta    `json:"_meta,omitzero"`
}

// MarshalJSONTo writes text or blob contents.
func (rc ResourceContents) MarshalJSONTo(enc *jsontext.Encoder) error {
	w := resourceContentsWire{URI: rc.URI, MimeType: rc.MimeType, Meta: rc.Meta}
	if rc.IsBlob() {
		w.Blob = &rc.Blob
	} else {
		w.Text = &rc.Text
	}
	return json.MarshalEncode(enc, &w)
}

// UnmarshalJSONFrom reads text or blob contents, remembering an empty blob as a blob.
func (rc *ResourceContents) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	var w resourceContentsWire
	if err := json.UnmarshalDecode(dec, &w); err != nil {
		return err
	}
	*rc = ResourceContents{URI: w.URI, MimeType: w.MimeType, Meta: w.Meta}
	if w.Text != nil {
		rc.Text = *w.Text
	}
	if w.Blob != nil {
		rc.Blob = *w.Blob
		rc.emptyBlob = *w.Blob == "" && w.Text == nil
	}
	return nil
}

// ListResourcesParams are the params of resources/list.
type ListResourcesParams = PaginatedParams

// ListResourcesResult is the result of resources/list. It is cacheable.
type ListResourcesResult struct {
	ResultFields `json:",embed"`
	CacheHints   `json:",embed"`
	// Resources is the page of resources.
	Resources []Resource `json:"resources"`
	// NextCursor, when set, fetches the next page.
	NextCursor string `json:"nextCursor,omitzero"`
}

// ListResourceTemplatesParams are the params of resources/templates/list.
type ListResourceTemplatesParams = PaginatedParams

// ListResourceTemplatesResult is the result of resources/templates/list. It is cacheable.
type ListResourceTemplatesResult struct {
	ResultFields `json:",embed"`
	CacheHints   `json:",embed"`
	// ResourceTemplates is the page of templates.
	ResourceTemplates []ResourceTemplate `json:"resourceTemplates"`
	// NextCursor, when set, fetches the next page.
	NextCursor string `json:"nextCursor,omitzero"`
}

// ReadResourceParams are the params of resources/read.
type ReadResourceParams struct {
	// Meta is the request's _meta (required in 2026-07-28).
	Meta *RequestMeta `json:"_meta,omitzero"`
	// URI is the resource to read.
	URI string `json:"uri"`
	// InputResponses answer the inputRequests of a previous InputRequiredResult (2026-07-28).
	InputResponses InputResponses `json:"inputResponses,omitzero"`
	// RequestState echoes the requestState of a previous InputRequiredResult (2026-07-28).
	RequestState string `json:"requestState,omitzero"`
}

// ReadResourceResult is the result of resources/read. It is cacheable.
type ReadResourceResult struct {
	ResultFields `json:",embed"`
	CacheHints   `json:",embed"`
	// Contents are the resource's contents (one resource may have several parts).
	Contents []ResourceContents `json:"contents"`
}

// SubscribeParams are the params of resources/subscribe (legacy revisions).
type SubscribeParams struct {
	// Meta is the request's _meta.
	Meta *RequestMeta `json:"_meta,omitzero"`
	// URI is the resource to watch.
	URI string `json:"uri"`
}

// UnsubscribeParams are the params of resources/unsubscribe (legacy revisions).
type UnsubscribeParams = SubscribeParams

// ResourceUpdatedParams are the params of notifications/resources/updated.
type ResourceUpdatedParams struct {
	// Meta is the notification's _meta.
	Meta *NotificationMeta `json:"_meta,omitzero"`
	// URI is the resource that changed (possibly a sub-resource of the subscribed one).
	URI string `json:"uri"`
}
