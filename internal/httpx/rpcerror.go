package httpx

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/jsonrpc"
)

// BodyError returns the JSON-RPC error object an HTTP error body carries ({"jsonrpc":"2.0","error":{…}}),
// or nil when the body is not one.
func BodyError(body []byte) *jsonrpc.Error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return nil
	}
	var probe struct {
		Error *jsonrpc.Error `json:"error"`
	}
	if json.Unmarshal(body, &probe) != nil || probe.Error == nil || probe.Error.Code == 0 {
		return nil
	}
	return probe.Error
}

// ErrorResponse builds the JSON-RPC error response to request id for an HTTP answer that carried no
// response of its own: the JSON-RPC error in body when there is one (re-addressed to id), otherwise
// CodeInternalError naming the HTTP status and the start of the body. data gets {"httpStatus": status}.
func ErrorResponse(id jsonrpc.ID, status int, body []byte) []byte {
	if e := BodyError(body); e != nil {
		return jsonrpc.AppendError(nil, id, e)
	}
	msg := fmt.Sprintf("HTTP %d %s", status, http.StatusText(status))
	if text := snippet(body); text != "" {
		msg += ": " + text
	}
	return SyntheticError(id, jsonrpc.CodeInternalError, msg, status)
}

// SyntheticError builds a JSON-RPC error response made up by the client transport; status > 0 adds
// {"httpStatus": status} as data.
func SyntheticError(id jsonrpc.ID, code int64, msg string, status int) []byte {
	e := &jsonrpc.Error{Code: code, Message: msg}
	if status > 0 {
		e.Data = jsontext.Value(fmt.Sprintf(`{"httpStatus":%d}`, status))
	}
	return jsonrpc.AppendError(nil, id, e)
}

// snippet returns the first line of a text body, shortened for an error message.
func snippet(body []byte) string {
	s := strings.TrimSpace(string(body))
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	return s
}

// ReadErrorBody reads up to 64 KiB of an HTTP error answer's body, for an error message.
func ReadErrorBody(r io.Reader) []byte {
	b, _ := io.ReadAll(io.LimitReader(r, 64<<10))
	return b
}

// DescribeStatus describes an HTTP error answer: the status, and the JSON-RPC error message or the start of
// the body.
func DescribeStatus(status int, body []byte) string {
	s := fmt.Sprintf("HTTP %d %s", status, http.StatusText(status))
	if e := BodyError(body); e != nil {
		return s + ": " + e.Message
	}
	if t := snippet(body); t != "" {
		s += ": " + t
	}
	return s
}
