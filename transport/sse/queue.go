package sse

import (
	"sync"
	"sync/atomic"

	"github.com/mcpkit/mcpkit/jsonrpc"
)

// outQueue holds the messages waiting for a session's stream writer, bounded in bytes, per session and
// across the handler's sessions. Producers never block: a push that does not fit fails with errBehind (the
// session then ends), so a client that stops reading costs at most max bytes and no goroutine.
type outQueue struct {
	mu       sync.Mutex
	msgs     [][]byte
	bytes    int
	max      int
	total    *atomic.Int64 // bytes queued by every session of the handler
	maxTotal int64
	closed   bool
	signal   chan struct{} // one pending wake-up for the writer
}

func newOutQueue(max int, total *atomic.Int64, maxTotal int64) *outQueue {
	return &outQueue{max: max, total: total, maxTotal: maxTotal, signal: make(chan struct{}, 1)}
}

// push queues msg. One message larger than the bounds is accepted when the session's queue is empty, so
// a client that keeps up always gets its messages.
func (q *outQueue) push(msg []byte) error {
	n := len(msg)
	q.mu.Lock()
	switch {
	case q.closed:
		q.mu.Unlock()
		return jsonrpc.ErrClosed
	case q.bytes > 0 && q.bytes+n > q.max:
		q.mu.Unlock()
		return errBehind
	case q.bytes > 0 && q.total.Load()+int64(n) > q.maxTotal:
		q.mu.Unlock()
		return errServerBehind
	}
	q.msgs = append(q.msgs, msg)
	q.bytes += n
	q.total.Add(int64(n))
	q.mu.Unlock()
	select {
	case q.signal <- struct{}{}:
	default:
	}
	return nil
}

// ready is signalled after a push.
func (q *outQueue) ready() <-chan struct{} { return q.signal }

// pop returns the oldest queued message.
func (q *outQueue) pop() ([]byte, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.msgs) == 0 {
		return nil, false
	}
	msg := q.msgs[0]
	q.msgs[0] = nil
	q.msgs = q.msgs[1:]
	if len(q.msgs) == 0 {
		q.msgs = nil // let the backing array go
	}
	q.bytes -= len(msg)
	q.total.Add(-int64(len(msg)))
	return msg, true
}

// close refuses later pushes and drops what is queued.
func (q *outQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.total.Add(-int64(q.bytes))
	q.msgs, q.bytes = nil, 0
	q.mu.Unlock()
}
