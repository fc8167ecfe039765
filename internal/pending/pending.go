// Package pending matches responses to the requests a peer has outstanding: the one table behind the
// server-to-client requests of every transport (a jsonrpc connection's calls, an HTTP+SSE session's and a
// Streamable HTTP session's elicitation, sampling and roots requests).
//
// A caller takes an id (Next builds it into its own id type), registers a waiter for it (Add), sends the
// request and waits (Wait). Whoever reads the peer's response hands it over with Deliver, which reports
// whether someone waited for that id — a transport that holds the session on several nodes uses it to
// decide whether to pass the answer on. Fail ends every waiter with an error and refuses new ones.
//
// The table is lean on the hot path: waiting channels are reused, so a call that gets its answer allocates
// nothing here once the table is warm (map growth aside).
package pending

import (
	"context"
	"errors"
	"sync"
)

// ErrStopped is returned by Wait when its stop channel closed first.
var ErrStopped = errors.New("pending: stopped while waiting for the response")

// ErrDuplicate is returned by Add for an id that already has a waiter.
var ErrDuplicate = errors.New("pending: the id already has a waiter")

// ErrFailed is what Fail(nil) makes waiters return.
var ErrFailed = errors.New("pending: the table was closed")

// spares bounds the waiting channels a table keeps for reuse.
const spares = 4

// Table holds the waiters of outstanding requests, keyed by request id (K), receiving responses (V). The
// zero value is ready to use; a Table must not be copied after first use.
type Table[K comparable, V any] struct {
	mu      sync.Mutex
	seq     int64
	waiting map[K]chan V
	err     error // set by Fail: no new waiters, every channel closed
	free    [spares]chan V
	nfree   int
}

// Waiter is one registered request: pass it to Wait or Release. It is a small value (no allocation).
type Waiter[V any] struct{ ch chan V }

// Next returns the next number of the table's sequence (1, 2, …), from which callers build request ids.
func (t *Table[K, V]) Next() int64 {
	t.mu.Lock()
	t.seq++
	n := t.seq
	t.mu.Unlock()
	return n
}

// Add registers a waiter for id. It fails with the error given to Fail once the table failed, and with
// ErrDuplicate when id already has one.
func (t *Table[K, V]) Add(id K) (Waiter[V], error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.err != nil {
		return Waiter[V]{}, t.err
	}
	if _, dup := t.waiting[id]; dup {
		return Waiter[V]{}, ErrDuplicate
	}
	if t.waiting == nil {
		t.waiting = make(map[K]chan V)
	}
	var ch chan V
	if t.nfree > 0 {
		t.nfree--
		ch, t.free[t.nfree] = t.free[t.nfree], nil
	} else {
		ch = make(chan V, 1)
	}
	t.waiting[id] = ch
	return Waiter[V]{ch}, nil
}

// Deliver hands v to the waiter of id and forgets id. It reports whether a waiter was registered; false
// means nobody here waits for id (it was never sent from here, its caller gave up, or it was answered).
func (t *Table[K, V]) Deliver(id K, v V) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	ch, ok := t.waiting[id]
	if !ok {
		return false
	}
	delete(t.waiting, id)
	ch <- v // buffered and sent once: never blocks; sent under the lock, so Release sees it
	return true
}

// Holds reports whether id has a waiter.
func (t *Table[K, V]) Holds(id K) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, ok := t.waiting[id]
	return ok
}

// Len returns the number of waiters.
func (t *Table[K, V]) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.waiting)
}

// Wait waits for the response to id, registered as w: it returns the delivered value; or ctx.Err() when
// ctx ends first; or ErrStopped when stop (nil: never) closes first; or the error given to Fail. Once it
// returns, id is forgotten either way.
func (t *Table[K, V]) Wait(ctx context.Context, stop <-chan struct{}, id K, w Waiter[V]) (V, error) {
	var zero V
	select {
	case v, ok := <-w.ch:
		if !ok {
			return zero, t.Err()
		}
		t.recycle(w.ch)
		return v, nil
	case <-ctx.Done():
		t.Release(id, w)
		return zero, ctx.Err()
	case <-stop:
		t.Release(id, w)
		return zero, ErrStopped
	}
}

// Release forgets id without waiting (the request could not be sent, or its caller gave up). A response
// delivered meanwhile is dropped.
func (t *Table[K, V]) Release(id K, w Waiter[V]) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.err != nil {
		return // w.ch is closed: not reusable
	}
	if ch, ok := t.waiting[id]; ok && ch == w.ch {
		delete(t.waiting, id)
	} else {
		select {
		case <-w.ch: // delivered already (under the lock, so it is there): drop it
		default:
		}
	}
	t.recycleLocked(w.ch)
}

func (t *Table[K, V]) recycle(ch chan V) {
	t.mu.Lock()
	t.recycleLocked(ch)
	t.mu.Unlock()
}

func (t *Table[K, V]) recycleLocked(ch chan V) {
	if t.err == nil && t.nfree < spares {
		t.free[t.nfree] = ch
		t.nfree++
	}
}

// Fail ends every waiter: their Wait returns err, and so does every later Add. Only the first call counts;
// a nil err stands for ErrFailed.
func (t *Table[K, V]) Fail(err error) {
	if err == nil {
		err = ErrFailed
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.err != nil {
		return
	}
	t.err = err
	for id, ch := range t.waiting {
		close(ch)
		delete(t.waiting, id)
	}
	t.free, t.nfree = [spares]chan V{}, 0
}

// Err returns the error given to Fail, nil while the table takes waiters.
func (t *Table[K, V]) Err() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.err
}
