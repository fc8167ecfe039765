package mcp

import "github.com/go-json-experiment/json/jsontext"

// CancelledParams are the params of notifications/cancelled.
type CancelledParams struct {
	// Meta is the notification's _meta.
	Meta *NotificationMeta `json:"_meta,omitzero"`
	// RequestID (a JSON string or number) is the id of the request to cancel. Required except for the task
	// cancellations of 2025-11-25, which leave it out.
	RequestID jsontext.Value `json:"requestId,omitzero"`
	// Reason says why, for logs or the user.
	Reason string `json:"reason,omitzero"`
}
