// Package bufpool holds the pooled byte buffers that mcpkit's packages build messages in, and a JSON
// marshaller that appends to a slice without allocating per call. Plumbing, not API: it must not know
// JSON-RPC or MCP.
package bufpool

import (
	"sync"

	"github.com/go-json-experiment/json"
)

// Buffer is a reusable byte slice for building messages; get one with Get and return it with Put.
type Buffer struct{ B []byte }

var bufPool = sync.Pool{New: func() any { return &Buffer{B: make([]byte, 0, 1024)} }}

// Get returns an empty pooled buffer.
func Get() *Buffer {
	b := bufPool.Get().(*Buffer)
	b.B = b.B[:0]
	return b
}

// Put returns b to the pool. Buffers that grew very large are dropped so the pool stays small.
func Put(b *Buffer) {
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
	b := Get() // a pooled Buffer as the io.Writer, so that nothing escapes per call
	saved := b.B
	b.B = dst
	defer func() { b.B = saved; Put(b) }()
	if err := json.MarshalWrite(b, v); err != nil {
		return dst, err
	}
	// MarshalWrite ends with a newline only for streams of values; trim it if present.
	if n := len(b.B); n > len(dst) && b.B[n-1] == '\n' {
		b.B = b.B[:n-1]
	}
	return b.B, nil
}
