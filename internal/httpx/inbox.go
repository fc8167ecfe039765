package httpx

import (
	"context"
	"errors"
	"sync"
)

// ErrInboxClosed is returned by Put once the inbox is closed.
var ErrInboxClosed = errors.New("httpx: the inbox is closed")

// Inbox is the queue between the goroutines of an HTTP client transport (each reading one HTTP response)
// and the single reader of its jsonrpc.Stream, bounded in bytes. Messages from the server go in with Put,
// which waits while the inbox is full, so a server that sends faster than the client consumes is slowed
// down through TCP instead of growing memory. The transport's own small messages (error responses it
// makes up) go in with Push, which never waits, so that the reader itself may push (from a Write) without
// waiting for itself.
type Inbox struct {
	mu     sync.Mutex
	q      [][]byte
	bytes  int
	max    int
	err    error
	room   chan struct{} // closed when Read frees space; nil while no Put waits
	signal chan struct{} // one pending wake-up
	closed chan struct{}
}

// NewInbox returns an empty, open inbox holding up to maxBytes of messages (≤ 0 means 16 MiB). One message
// larger than that is accepted when the inbox is empty.
func NewInbox(maxBytes int) *Inbox {
	if maxBytes <= 0 {
		maxBytes = 16 << 20
	}
	return &Inbox{max: maxBytes, signal: make(chan struct{}, 1), closed: make(chan struct{})}
}

// Push queues msg without waiting, whatever the inbox holds (the inbox keeps msg; the caller must not change
// it). It reports false when the inbox is closed and msg was dropped.
func (b *Inbox) Push(msg []byte) bool {
	b.mu.Lock()
	if b.err != nil {
		b.mu.Unlock()
		return false
	}
	b.appendLocked(msg)
	b.mu.Unlock()
	b.wake()
	return true
}

// Put queues msg, waiting while the inbox is full. It returns ctx.Err() when ctx ends first and
// ErrInboxClosed when the inbox is closed (msg is dropped in both cases).
func (b *Inbox) Put(ctx context.Context, msg []byte) error {
	for {
		b.mu.Lock()
		if b.err != nil {
			b.mu.Unlock()
			return ErrInboxClosed
		}
		if b.bytes == 0 || b.bytes+len(msg) <= b.max {
			b.appendLocked(msg)
			b.mu.Unlock()
			b.wake()
			return nil
		}
		if b.room == nil {
			b.room = make(chan struct{})
		}
		room := b.room
		b.mu.Unlock()
		select {
		case <-room:
		case <-b.closed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (b *Inbox) appendLocked(msg []byte) {
	b.q = append(b.q, msg)
	b.bytes += len(msg)
}

func (b *Inbox) wake() {
	select {
	case b.signal <- struct{}{}:
	default:
	}
}

// Close stops the inbox: Read returns what is queued, then err. Only the first Close counts.
func (b *Inbox) Close(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		return
	}
	b.err = err
	close(b.closed)
}

// Done is closed when the inbox is closed.
func (b *Inbox) Done() <-chan struct{} { return b.closed }

// Read returns the next message, waiting until one is queued, the inbox is closed (then the close error),
// or ctx ends.
func (b *Inbox) Read(ctx context.Context) ([]byte, error) {
	for {
		b.mu.Lock()
		if len(b.q) > 0 {
			msg := b.q[0]
			b.q[0] = nil
			b.q = b.q[1:]
			if len(b.q) == 0 {
				b.q = nil // let the backing array go
			}
			b.bytes -= len(msg)
			if b.room != nil {
				close(b.room)
				b.room = nil
			}
			b.mu.Unlock()
			return msg, nil
		}
		if b.err != nil {
			err := b.err
			b.mu.Unlock()
			return nil, err
		}
		b.mu.Unlock()
		select {
		case <-b.signal:
		case <-b.closed:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}
