package jsonrpc

import (
	"strconv"

	"github.com/go-json-experiment/json/jsontext"
)

// AppendRequest appends a request (or, with a zero id, a notification) to dst. params must be a JSON object
// or array, or empty for none.
func AppendRequest(dst []byte, id ID, method string, params jsontext.Value) []byte {
	dst = append(dst, `{"jsonrpc":"2.0",`...)
	if id.IsValid() {
		dst = append(dst, `"id":`...)
		dst = id.appendTo(dst)
		dst = append(dst, ',')
	}
	dst = append(dst, `"method":`...)
	dst, _ = jsontext.AppendQuote(dst, method)
	if len(params) > 0 {
		dst = append(dst, `,"params":`...)
		dst = append(dst, params...)
	}
	return append(dst, '}')
}

// AppendResult appends a success response carrying result (raw JSON) to dst.
func AppendResult(dst []byte, id ID, result jsontext.Value) []byte {
	dst = append(dst, `{"jsonrpc":"2.0","id":`...)
	dst = id.appendTo(dst)
	dst = append(dst, `,"result":`...)
	if len(result) == 0 {
		dst = append(dst, "{}"...)
	} else {
		dst = append(dst, result...)
	}
	return append(dst, '}')
}

// AppendError appends an error response to dst.
func AppendError(dst []byte, id ID, e *Error) []byte {
	dst = append(dst, `{"jsonrpc":"2.0","id":`...)
	dst = id.appendTo(dst)
	dst = append(dst, `,"error":{"code":`...)
	dst = strconv.AppendInt(dst, e.Code, 10)
	dst = append(dst, `,"message":`...)
	dst, _ = jsontext.AppendQuote(dst, e.Message)
	if len(e.Data) > 0 {
		dst = append(dst, `,"data":`...)
		dst = append(dst, e.Data...)
	}
	return append(dst, "}}"...)
}

// AppendMessage appends m in wire form to dst.
func AppendMessage(dst []byte, m *Message) []byte {
	switch {
	case m.Method != "":
		return AppendRequest(dst, m.ID, m.Method, m.Params)
	case m.Error != nil:
		return AppendError(dst, m.ID, m.Error)
	default:
		return AppendResult(dst, m.ID, m.Result)
	}
}
