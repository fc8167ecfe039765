package streamable

import (
	"sync/atomic"
	"testing"
)

// An outbox that overflows before its writer took anything keeps its first event: a stream's priming
// event carries the id the client resumes from, and without it the client gets an empty response it
// cannot resume (the reply would be lost). Once the writer has taken events, an overflow drops the rest.
func TestOutboxOverflowKeepsFirstEvent(t *testing.T) {
	for _, tc := range []struct {
		name      string
		takeFirst bool
		want      int
	}{
		{"nothing taken yet", false, 1},
		{"writer already took events", true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var session, total atomic.Int64
			ob := newOutbox(&session, &total, 1000, 0)
			if tc.takeFirst {
				ob.push(outEvent{id: "s-0", data: []byte("x")}, false)
				ob.take(nil)
			}
			ob.push(outEvent{id: "s-1"}, false) // the priming event: an id, no data
			big := make([]byte, 600)
			ob.push(outEvent{id: "s-2", data: big}, false)
			if ob.push(outEvent{id: "s-3", data: big}, false) {
				t.Fatal("a push over the budget was taken")
			}
			evs, state := ob.take(nil)
			if state != outOverflow || len(evs) != tc.want {
				t.Fatalf("after the overflow: %d events, state %d; want %d events, overflow", len(evs), state, tc.want)
			}
			if tc.want == 1 && evs[0].id != "s-1" {
				t.Fatalf("kept event %q, want the first (s-1)", evs[0].id)
			}
			ob.close()
			if session.Load() != 0 || total.Load() != 0 {
				t.Fatalf("counted bytes after close: session %d, total %d; want 0", session.Load(), total.Load())
			}
		})
	}
}

// Events the writer took stay counted until it takes again (it holds them until they are written), so
// a writer stuck on its first batch keeps its session's budget used; and the handler-wide budget bounds
// all sessions together.
func TestOutboxCountsTakenUntilWritten(t *testing.T) {
	var session, total atomic.Int64
	ob := newOutbox(&session, &total, 1000, 0)
	ob.push(outEvent{id: "a", data: make([]byte, 600)}, false)
	ob.take(nil) // the writer took it and is (slowly) writing it
	if got := session.Load(); got == 0 {
		t.Fatal("a taken event no longer counts while it is being written")
	}
	if !ob.push(outEvent{id: "b", data: make([]byte, 100)}, false) {
		t.Fatal("an event was refused while nothing was queued for the response")
	}
	if ob.push(outEvent{id: "c", data: make([]byte, 600)}, false) {
		t.Fatal("the session's budget let 600 more bytes queue behind 100 while 600 are being written")
	}
	ob.close()
	if session.Load() != 0 || total.Load() != 0 {
		t.Fatalf("after close: session %d, total %d; want 0", session.Load(), total.Load())
	}

	var s1, s2, all atomic.Int64
	a := newOutbox(&s1, &all, 1<<20, 1000)
	b := newOutbox(&s2, &all, 1<<20, 1000)
	a.push(outEvent{id: "a", data: make([]byte, 600)}, false)
	b.push(outEvent{id: "b", data: make([]byte, 100)}, false)
	if b.push(outEvent{id: "c", data: make([]byte, 600)}, false) {
		t.Fatal("the handler-wide budget let another session's event in past it")
	}
	a.close()
	b.close()
	if all.Load() != 0 {
		t.Fatalf("after close: total %d; want 0", all.Load())
	}
}
