package jsonrpc

import (
	"context"
	"fmt"
)

// Stream carries whole JSON-RPC messages (a single message or a batch array) in both directions. Transports
// (stdio, in-memory, a legacy SSE session) implement it; Conn runs on top of it.
//
// Read returns the next message; the returned slice belongs to the caller. It returns io.EOF when the peer
// will send nothing more but may still read (a closed stdin: Conn answers the requests it has read), and
// io.ErrClosedPipe when the peer is gone both ways (Conn cancels what is in flight). Write sends one message
// and does not retain msg after it returns. Read and Write may be called concurrently with each other, but
// Conn never calls Read (or Write) from two goroutines at once. Close unblocks a pending Read.
type Stream interface {
	Read(ctx context.Context) ([]byte, error)
	Write(ctx context.Context, msg []byte) error
	Close() error
}

// FrameError reports a message the transport could not frame (for example a line longer than the limit).
// The stream stays usable: Conn answers it with an error and reads on.
type FrameError struct {
	Reason string
}

// Error implements the error interface.
func (e *FrameError) Error() string { return fmt.Sprintf("jsonrpc: bad frame: %s", e.Reason) }
