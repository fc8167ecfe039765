package jsonrpc

import (
	"github.com/go-json-experiment/json/jsontext"
)

// Message is one decoded JSON-RPC 2.0 message: a request (Method and ID), a notification (Method, no ID), or a
// response (ID with Result or Error). Params and Result stay raw until someone needs them.
type Message struct {
	ID     ID
	Method string
	Params jsontext.Value
	Result jsontext.Value
	Error  *Error
}

// IsRequest reports whether m is a request (it has a method and an id).
func (m *Message) IsRequest() bool { return m.Method != "" && m.ID.IsValid() }

// IsNotification reports whether m is a notification (a method and no id).
func (m *Message) IsNotification() bool { return m.Method != "" && !m.ID.IsValid() }

// IsResponse reports whether m is a response (no method; a result or an error).
func (m *Message) IsResponse() bool { return m.Method == "" }
