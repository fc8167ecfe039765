package jsonrpc

import (
	"strconv"
	"sync"

	"github.com/go-json-experiment/json"
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

// Buffer is a reusable byte slice for building messages; get one with GetBuffer and return it with PutBuffer.
type Buffer struct{ B []byte }

var bufPool = sync.Pool{New: func() any { return &Buffer{B: make([]byte, 0, 1024)} }}

// GetBuffer returns an empty pooled buffer.
func GetBuffer() *Buffer {
	b := bufPool.Get().(*Buffer)
	b.B = b.B[:0]
	return b
}

// PutBuffer returns b to the pool. Buffers that grew very large are dropped so the pool stays small.
func PutBuffer(b *Buffer) {
	if cap(b.B) > 1<<20 {
		return
	}
	bufPool.Put(b)
}

// Write implements io.Writer so json.MarshalWrite can fill a Buffer.
func (b *Buffer) Write(p []byte) (int, error) {
	b.B = append(b.B, p...)
	return len(p), nil
}

// MarshalAppend marshals v as JSON and appends it to dst.
func MarshalAppend(dst []byte, v any) ([]byte, error) {
	b := GetBuffer() // a pooled Buffer as the io.Writer, so that nothing escapes per call
	saved := b.B
	b.B = dst
	defer func() { b.B = saved; PutBuffer(b) }()
	if err := json.MarshalWrite(b, v); err != nil {
		return dst, err
	}
	// MarshalWrite ends with a newline only for streams of values; trim it if present.
	if n := len(b.B); n > len(dst) && b.B[n-1] == '\n' {
		b.B = b.B[:n-1]
	}
	return b.B, nil
}
