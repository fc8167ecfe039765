package streamable

import (
	"sync"
	"sync/atomic"
)

// outbox is the queue between the goroutines that produce a response's events (handlers, notifications)
// and the one goroutine that writes them: the HTTP handler serving that response. Only that goroutine
// touches the ResponseWriter, so nothing can write to a response after its handler returned, and a client
// that stops reading blocks no one but its own handler goroutine.
//
// The queue is bounded in bytes by a budget shared by all the streams of a session (plus, per response,
// the one event it is writing): a push that would exceed it closes the outbox instead (the client is disconnected; every event is in the event log, so it
// resumes with Last-Event-ID). Nothing is ever dropped silently.
type outbox struct {
	signal chan struct{} // one pending wake-up for the writer

	mu         sync.Mutex
	first      [4]outEvent // q's first backing array: most responses queue a handful of events
	q          []outEvent
	bytes      int64
	state      outState
	budget     *atomic.Int64 // the session's queued bytes (nil: no session, no limit)
	total      *atomic.Int64 // the handler's queued bytes
	limit      int64         // for budget
	totalLimit int64         // for total (0: none)
	// writing is the size of the events the writer took last (counted in bytes until it takes again or
	// leaves: they are held until written).
	writing int64
	// taken: the writer has taken events; before that, an overflow keeps the first one (see push).
	taken bool
}

type outState uint8

const (
	outOpen     outState = iota
	outEnding            // write what is queued, then end the response
	outOverflow          // the reader fell too far behind: end the response now
	outGone              // the writer left (or was replaced): nothing more is queued
)

// outEvent is one SSE event: data with an optional id (resume point) and retry hint. final marks the
// stream's last event (the response), after which the writer ends the response.
type outEvent struct {
	id    string
	data  []byte
	retry int
	final bool
}

// size is what ev counts against the queue budgets.
func (ev outEvent) size() int64 { return int64(len(ev.data) + len(ev.id) + 16) }

func newOutbox(budget, total *atomic.Int64, limit, totalLimit int64) *outbox {
	ob := &outbox{signal: make(chan struct{}, 1), budget: budget, total: total, limit: limit, totalLimit: totalLimit}
	ob.q = ob.first[:0]
	return ob
}

func (ob *outbox) wake() {
	select {
	case ob.signal <- struct{}{}:
	default:
	}
}

// push queues ev; force skips the budget (replays, bounded by the event log's own cap). It reports false
// when the outbox no longer takes events (closed, or the push overflowed it).
func (ob *outbox) push(ev outEvent, force bool) bool {
	n := ev.size()
	ob.mu.Lock()
	if ob.state != outOpen {
		ob.mu.Unlock()
		return false
	}
	// An event is always taken when nothing is queued for this response, however large: the budget
	// bounds a backlog, not the size of one event (a big tool result must reach a client that reads).
	if !force && len(ob.q) > 0 && ob.overBudget(n) {
		ob.state = outOverflow
		if ob.taken {
			ob.releaseLocked()
		} else {
			// The writer has sent nothing yet: keep the first event (a stream's priming event, or the first
			// replayed one), so that the client learns an event id to resume from.
			ob.keepFirstLocked()
		}
		ob.mu.Unlock()
		ob.wake()
		return false
	}
	ob.q = append(ob.q, ev)
	ob.bytes += n
	if ob.budget != nil {
		ob.budget.Add(n)
	}
	ob.total.Add(n)
	if ev.final {
		ob.state = outEnding
	}
	ob.mu.Unlock()
	ob.wake()
	return true
}

// overBudget reports whether n more bytes would exceed the session's or the handler's budget.
func (ob *outbox) overBudget(n int64) bool {
	if ob.budget != nil && ob.limit > 0 && ob.budget.Load()+n > ob.limit {
		return true
	}
	return ob.totalLimit > 0 && ob.total.Load()+n > ob.totalLimit
}

// end asks the writer to finish the response once the queue is written.
func (ob *outbox) end() {
	ob.mu.Lock()
	if ob.state == outOpen {
		ob.state = outEnding
	}
	ob.mu.Unlock()
	ob.wake()
}

// take appends the queued events to dst (the writer's buffer, reused from call to call) and returns it
// with the state. A closed outbox returns no events; an overflowed one at most the first event, when the
// writer had taken none before.
func (ob *outbox) take(dst []outEvent) ([]outEvent, outState) {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	// The batch taken before this call has been written: its bytes go back to the budgets. This batch's
	// stay counted until the next take (or close): the writer holds them until they are written.
	ob.releaseBytesLocked(ob.writing)
	ob.writing = 0
	dst = append(dst[:0], ob.q...)
	ob.taken = ob.taken || len(ob.q) > 0
	for _, ev := range ob.q {
		ob.writing += ev.size()
	}
	clear(ob.q)
	ob.q = ob.q[:0]
	return dst, ob.state
}

// close marks the writer gone and releases what is queued.
func (ob *outbox) close() {
	ob.mu.Lock()
	ob.state = outGone
	ob.releaseLocked()
	ob.mu.Unlock()
}

// replace closes the outbox because a newer connection took its stream over.
func (ob *outbox) replace() {
	ob.mu.Lock()
	ob.state = outGone
	ob.releaseLocked()
	ob.mu.Unlock()
	ob.wake()
}

// current reports the outbox's state.
func (ob *outbox) current() outState {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	return ob.state
}

// releaseLocked drops what is queued.
func (ob *outbox) releaseLocked() {
	ob.releaseCountsLocked()
	ob.q = nil
}

// releaseCountsLocked gives all counted bytes (queued and being written) back to the budgets.
func (ob *outbox) releaseCountsLocked() {
	ob.releaseBytesLocked(ob.bytes)
	ob.writing = 0
}

// releaseBytesLocked gives n of the counted bytes back to the budgets.
func (ob *outbox) releaseBytesLocked(n int64) {
	if n == 0 {
		return
	}
	ob.bytes -= n
	if ob.budget != nil {
		ob.budget.Add(-n)
	}
	ob.total.Add(-n)
}

// keepFirstLocked drops what is queued but the first event.
func (ob *outbox) keepFirstLocked() {
	if len(ob.q) == 0 {
		ob.releaseLocked()
		return
	}
	first := ob.q[0]
	ob.releaseLocked()
	n := first.size()
	ob.q = append(ob.first[:0], first)
	clear(ob.first[1:])
	ob.bytes = n
	if ob.budget != nil {
		ob.budget.Add(n)
	}
	ob.total.Add(n)
}
