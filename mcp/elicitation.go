package mcp

import "github.com/go-json-experiment/json/jsontext"

// Elicitation (elicitation/create, 2025-06-18 and later) lets a server ask the user for input through the
// client: a form described by a restricted JSON Schema, or (2025-11-25 and later) a URL to visit. It is a
// server → client request in the legacy revisions and an input request of a multi round-trip request in
// 2026-07-28.

// Elicitation modes: the values of ElicitParams.Mode.
const (
	// ElicitModeForm asks for form input described by RequestedSchema (the default when Mode is empty).
	ElicitModeForm = "form"
	// ElicitModeURL sends the user to URL, for input that must not pass through the client.
	ElicitModeURL = "url"
)

// ElicitParams are the params of elicitation/create: ElicitRequestFormParams and ElicitRequestURLParams of the
// spec in one struct.
type ElicitParams struct {
	// Meta is the request's _meta (legacy revisions; not part of the 2026-07-28 input request).
	Meta *RequestMeta `json:"_meta,omitzero"`
	// Mode is ElicitModeForm, ElicitModeURL, or empty (form; the only choice before 2025-11-25).
	Mode string `json:"mode,omitzero"`
	// Message tells the user what is asked and why.
	Message string `json:"message"`
	// RequestedSchema is the form: a JSON Schema object whose properties are primitive schemas (see
	// PrimitiveSchema). Required in form mode.
	RequestedSchema jsontext.Value `json:"requestedSchema,omitzero"`
	// URL is the page to send the user to (URL mode).
	URL string `json:"url,omitzero"`
	// ElicitationID identifies a URL-mode elicitation for notifications/elicitation/complete (2025-11-25
	// only).
	ElicitationID string `json:"elicitationId,omitzero"`
}

// ElicitAction is the user's answer to an elicitation.
type ElicitAction string

const (
	// ElicitActionAccept: the user submitted the form or agreed to visit the URL.
	ElicitActionAccept ElicitAction = "accept"
	// ElicitActionDecline: the user explicitly declined.
	ElicitActionDecline ElicitAction = "decline"
	// ElicitActionCancel: the user dismissed the request without choosing.
	ElicitActionCancel ElicitAction = "cancel"
)

// ElicitResult is the result of elicitation/create.
type ElicitResult struct {
	ResultFields `json:",embed"`
	// Action is the user's answer.
	Action ElicitAction `json:"action"`
	// Content is the submitted form, a JSON object of primitive values (strings, numbers, booleans, arrays
	// of strings); present only when a form was accepted. It stays raw so that it can be decoded straight
	// into the caller's type.
	Content jsontext.Value `json:"content,omitzero"`
}

// ElicitationCompleteParams are the params of notifications/elicitation/complete (2025-11-25 only).
type ElicitationCompleteParams struct {
	// Meta is the notification's _meta.
	Meta *NotificationMeta `json:"_meta,omitzero"`
	// ElicitationID is the URL-mode elicitation that finished.
	ElicitationID string `json:"elicitationId"`
}

// PrimitiveSchema is one property of an elicitation form's schema: StringSchema, NumberSchema,
// BooleanSchema and the enum schemas of the spec in one struct, told apart by Type and by which of Enum,
// OneOf and Items are set.
type PrimitiveSchema struct {
	// Type is "string", "number", "integer", "boolean" or (multi-select enums) "array".
	Type string `json:"type"`
	// Title is the field's label.
	Title string `json:"title,omitzero"`
	// Description explains the field.
	Description string `json:"description,omitzero"`

	// MinLength bounds a string's length.
	MinLength *int `json:"minLength,omitzero"`
	// MaxLength bounds a string's length.
	MaxLength *int `json:"maxLength,omitzero"`
	// Format is "email", "uri", "date" or "date-time" for a string.
	Format string `json:"format,omitzero"`

	// Minimum bounds a number.
	Minimum *float64 `json:"minimum,omitzero"`
	// Maximum bounds a number.
	Maximum *float64 `json:"maximum,omitzero"`

	// Enum lists the values of an untitled single-select enum (or of a legacy titled enum).
	Enum []string `json:"enum,omitzero"`
	// EnumNames are the display names of a legacy titled enum.
	EnumNames []string `json:"enumNames,omitzero"`
	// OneOf lists the options of a titled single-select enum.
	OneOf []EnumOption `json:"oneOf,omitzero"`

	// MinItems bounds the number of choices of a multi-select enum.
	MinItems *int `json:"minItems,omitzero"`
	// MaxItems bounds the number of choices of a multi-select enum.
	MaxItems *int `json:"maxItems,omitzero"`
	// Items describes the choices of a multi-select enum.
	Items *EnumItems `json:"items,omitzero"`

	// Default is the initial value: a string, number, boolean or array of strings.
	Default jsontext.Value `json:"default,omitzero"`
}

// EnumItems are the items of a multi-select enum: untitled (Type "string" and Enum) or titled (AnyOf).
type EnumItems struct {
	// Type is "string" for an untitled multi-select.
	Type string `json:"type,omitzero"`
	// Enum lists the values of an untitled multi-select.
	Enum []string `json:"enum,omitzero"`
	// AnyOf lists the options of a titled multi-select.
	AnyOf []EnumOption `json:"anyOf,omitzero"`
}

// EnumOption is one option of a titled enum.
type EnumOption struct {
	// Const is the value.
	Const string `json:"const"`
	// Title is the label.
	Title string `json:"title"`
}
