package loadgen

import (
	"strconv"

	"github.com/mcpkit/mcpkit/bench/internal/workload"
)

// Header is one extra request header.
type Header struct{ Name, Value string }

// Request is an HTTP POST of a workload.Body whose head is encoded once; Build only appends the id and
// the Content-Length.
type Request struct {
	head []byte
	body workload.Body
	buf  []byte
}

// NewRequest prepares POSTs of body to path on host (host:port) with the given extra headers.
func NewRequest(host, path string, body workload.Body, headers ...Header) *Request {
	head := "POST " + path + " HTTP/1.1\r\nHost: " + host +
		"\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n"
	for _, h := range headers {
		head += h.Name + ": " + h.Value + "\r\n"
	}
	return &Request{head: []byte(head + "Content-Length: "), body: body}
}

// Build returns the request with the given JSON-RPC id. The bytes are valid until the next Build.
func (r *Request) Build(id int64) []byte {
	b := append(r.buf[:0], r.head...)
	b = strconv.AppendInt(b, int64(r.body.Len(id)), 10)
	b = append(b, "\r\n\r\n"...)
	b = r.body.Append(b, id)
	r.buf = b
	return b
}

// Raw returns a complete POST of body (no id to fill in: a notification).
func Raw(host, path string, body []byte, headers ...Header) []byte {
	head := "POST " + path + " HTTP/1.1\r\nHost: " + host +
		"\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n"
	for _, h := range headers {
		head += h.Name + ": " + h.Value + "\r\n"
	}
	head += "Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n"
	return append([]byte(head), body...)
}
