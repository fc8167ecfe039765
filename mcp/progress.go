package mcp

import "github.com/go-json-experiment/json/jsontext"

// ProgressParams are the params of notifications/progress.
type ProgressParams struct {
	// Meta is the notification's _meta.
	Meta *NotificationMeta `json:"_meta,omitzero"`
	// ProgressToken (a JSON string or number) is the token the request's _meta carried.
	ProgressToken jsontext.Value `json:"progressToken"`
	// Progress is the progress so far; it should increase with every notification.
	Progress float64 `json:"progress"`
	// Total is the total progress, if known.
	Total *float64 `json:"total,omitzero"`
	// Message describes the progress (2025-03-26 and later).
	Message string `json:"message,omitzero"`
}
