// Package serial runs callbacks one at a time, in the order they were queued, off the goroutine that
// queues them: a connection's read loop hands user callbacks (notification handlers, hooks) to a Queue, so
// that a callback may use the connection (make a call and wait for its answer) without deadlocking it.
// It must not know MCP or JSON-RPC.
package serial

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
)

// Queue runs funcs one at a time in the order Push accepted them, on a goroutine of its own that exists
// only while there is work. Push never blocks: a full queue refuses the func (the caller logs it), and
// Dropped counts every refusal. The zero Queue is not usable; make one with New.
type Queue struct {
	max    int
	ctx    context.Context // passed to every func; cancelled by Close
	cancel context.CancelFunc

	mu      sync.Mutex
	items   []func(context.Context) // waiting, oldest first
	running bool
	closed  bool
	done    chan struct{} // closed when the current runner exits; nil when none runs
	runner  atomic.Int64  // goroutine id of the runner while it runs

	pushed   uint64   // funcs accepted so far
	finished uint64   // funcs run or discarded so far
	waiters  []waiter // WaitFor calls, waiting for finished to reach their mark

	dropped atomic.Uint64
}

type waiter struct {
	mark uint64
	ch   chan struct{}
}

// New returns a queue that holds at most max waiting funcs (max < 1 means 1).
func New(max int) *Queue {
	if max < 1 {
		max = 1
	}
	q := &Queue{max: max}
	q.ctx, q.cancel = context.WithCancel(context.Background())
	return q
}

// Push queues fn and reports whether it was accepted. It refuses fn when the queue is closed, and when
// max funcs are already waiting: then dropped is the number of funcs refused that way so far (this one
// included), for the caller's log; it is 0 otherwise. fn receives a context cancelled when the queue
// closes.
func (q *Queue) Push(fn func(ctx context.Context)) (ok bool, dropped uint64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return false, 0
	}
	if len(q.items) >= q.max {
		return false, q.dropped.Add(1)
	}
	q.items = append(q.items, fn)
	q.pushed++
	if !q.running {
		q.running = true
		q.done = make(chan struct{})
		go q.run(q.done)
	}
	return true, 0
}

// Dropped returns how many funcs Push refused because the queue was full.
func (q *Queue) Dropped() uint64 { return q.dropped.Load() }

func (q *Queue) run(done chan struct{}) {
	defer close(done)
	q.runner.Store(goid())
	for {
		q.mu.Lock()
		if len(q.items) == 0 || q.closed {
			q.items = nil
			// Clear the runner id before a Push can start the next runner (it does once running is false),
			// so that this runner never overwrites the next one's id.
			q.runner.Store(0)
			q.running = false
			q.mu.Unlock()
			return
		}
		fn := q.items[0]
		q.items[0] = nil
		q.items = q.items[1:]
		q.mu.Unlock()
		fn(q.ctx)
		q.mu.Lock()
		q.finished++
		q.wake()
		q.mu.Unlock()
	}
}

// wake releases the waiters whose mark is reached. q.mu is held.
func (q *Queue) wake() {
	kept := q.waiters[:0]
	for _, w := range q.waiters {
		if q.finished >= w.mark || q.closed {
			close(w.ch)
		} else {
			kept = append(kept, w)
		}
	}
	clear(q.waiters[len(kept):])
	q.waiters = kept
}

// Mark returns a mark for the funcs accepted so far, for WaitFor.
func (q *Queue) Mark() uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.pushed
}

// WaitFor returns when every func accepted before Mark returned mark has run (or was discarded by Close),
// or when ctx ends. Called from a func of the queue it returns at once: waiting there would wait for
// itself.
func (q *Queue) WaitFor(ctx context.Context, mark uint64) {
	q.mu.Lock()
	if q.finished >= mark || q.closed {
		q.mu.Unlock()
		return
	}
	q.mu.Unlock()
	if q.runner.Load() == goid() {
		return
	}
	q.mu.Lock()
	if q.finished >= mark || q.closed {
		q.mu.Unlock()
		return
	}
	w := waiter{mark: mark, ch: make(chan struct{})}
	q.waiters = append(q.waiters, w)
	q.mu.Unlock()
	select {
	case <-w.ch:
	case <-ctx.Done():
	}
}

// Close cancels the funcs' context, discards the funcs still waiting, and waits for the running one to
// return, except when Close is called from that func (it then returns at once, and the runner exits when
// the func returns). Further Pushes are refused. Close may be called more than once.
func (q *Queue) Close() {
	q.mu.Lock()
	q.closed = true
	q.finished += uint64(len(q.items))
	q.items = nil
	q.wake()
	done := q.done
	running := q.running
	q.mu.Unlock()
	q.cancel()
	if running && q.runner.Load() != goid() {
		<-done
	}
}

// goid returns the current goroutine's id, parsed from the first line of its stack trace ("goroutine 42
// [running]:"). Close uses it only to tell whether it is called from the runner itself.
func goid() int64 {
	var buf [32]byte
	n := runtime.Stack(buf[:], false)
	b := buf[:n]
	const prefix = "goroutine "
	if len(b) < len(prefix) {
		return -1
	}
	var id int64
	for _, c := range b[len(prefix):] {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + int64(c-'0')
	}
	return id
}
