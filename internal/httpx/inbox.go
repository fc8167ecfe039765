package httpx

import (
	"context"
	"sync"
)

// Inbox is the unbounded queue between the goroutines of an HTTP client transport (each reading one HTTP
// response) and the single reader of its jsonrpc.Stream. Push never blocks, so a goroutine that reads a
// response never waits for the consumer, which may itself be waiting to write.
type Inbox struct {
	mu     sync.Mutex
	q      [][]byte
	err    error
	signal chan struct{} // one pending wake-up
	closed chan struct{}
}

// NewInbox returns an empty, open inbox.
func NewInbox() *Inbox {
	return &Inbox{signal: make(chan struct{}, 1), closed: make(chan struct{})}
}

// Push queues msg (the inbox keeps it; the caller must not change it). It reports false when the inbox is
// closed and msg was dropped.
func (b *Inbox) Push(msg []byte) bool {
	b.mu.Lock()
	if b.err != nil {
		b.mu.Unlock()
		return false
	}
	b.q = append(b.q, msg)
	b.mu.Unlock()
	select {
	case b.signal <- struct{}{}:
	default:
	}
	return true
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
