package server

import (
	"errors"
	"fmt"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
)

// ClientError reports that the client answered one of the server's questions (Ask, Elicit, Sample,
// Roots in a legacy session) with a JSON-RPC error, for example -32601 from a client that does not
// implement elicitation/create. It is an error of that interaction, not of the request being served: a
// tool handler that returns it (wrapped or not) produces an isError result naming the interaction, and
// prompts/get, resources/read and completion/complete (which have no isError result) answer -32603
// naming it. The client's code is never passed on as the
// request's own error code. Use errors.As to inspect it.
type ClientError struct {
	// Method is the interaction that failed: mcp.MethodElicitationCreate, mcp.MethodSamplingCreateMessage
	// or mcp.MethodRootsList.
	Method string
	// Code, Message and Data are the client's JSON-RPC error.
	Code    int64
	Message string
	Data    jsontext.Value
}

// Error implements error. The client's message is quoted bounded.
func (e *ClientError) Error() string {
	return fmt.Sprintf("mcp: the client answered %s with error %d: %s", e.Method, e.Code, bounded(e.Message))
}

// clientError turns the error of a server-to-client call into a *ClientError when the client answered
// with a JSON-RPC error; other errors (timeout, closed connection) are returned as they are.
func clientError(method string, err error) error {
	var re *jsonrpc.Error
	if !errors.As(err, &re) {
		return err
	}
	return &ClientError{Method: method, Code: re.Code, Message: re.Message, Data: clone(re.Data)}
}

func clone(v jsontext.Value) jsontext.Value {
	if v == nil {
		return nil
	}
	return append(jsontext.Value(nil), v...)
}

// interactionError is the protocol error of a prompts/get, resources/read or completion/complete whose
// handler returned a client's error to one of its questions: -32603 naming the interaction (these methods
// have no isError result). It returns nil when err holds no *ClientError.
func interactionError(method string, err error) *jsonrpc.Error {
	var ce *ClientError
	if !errors.As(err, &ce) {
		return nil
	}
	return &jsonrpc.Error{Code: mcp.CodeInternalError, Message: fmt.Sprintf("%s could not be completed: %s", method, ce.Error())}
}

func isClientError(err error) bool {
	_, ok := err.(*ClientError)
	return ok
}
