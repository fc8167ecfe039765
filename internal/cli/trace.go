package cli

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/mcpkit/mcpkit/jsonrpc"
)

// Trace wraps stream so that every message it carries is also written to w, one line each: "→ " and the
// message sent, "← " and the message received (--verbose). Lines are whole even when both directions
// write at once. Only a session asked to trace is wrapped: an untraced one pays nothing.
func Trace(stream jsonrpc.Stream, w io.Writer) jsonrpc.Stream {
	return &traced{Stream: stream, w: w}
}

type traced struct {
	jsonrpc.Stream
	mu sync.Mutex
	w  io.Writer
}

func (t *traced) Read(ctx context.Context) ([]byte, error) {
	msg, err := t.Stream.Read(ctx)
	if err == nil {
		t.line("←", msg)
	}
	return msg, err
}

func (t *traced) Write(ctx context.Context, msg []byte) error {
	t.line("→", msg)
	return t.Stream.Write(ctx, msg)
}

func (t *traced) line(dir string, msg []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.w, "%s %s\n", dir, msg)
}
