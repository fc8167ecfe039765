package serial

import (
	"context"
	"testing"
	"time"
)

// TestRunnerIDNotClobbered: a runner that exits must not clear the id of the runner a Push started right after
// it, or a callback of the new runner that makes a call would wait for itself (the issue-4 deadlock).
func TestRunnerIDNotClobbered(t *testing.T) {
	q := New(10)
	defer q.Close()
	bad := 0
	for i := 0; i < 50000 && bad == 0; i++ {
		done := make(chan struct{})
		q.Push(func(context.Context) { close(done) })
		<-done
		for {
			q.mu.Lock()
			r := q.running
			q.mu.Unlock()
			if !r {
				break
			}
		}
		// R1 may now be between Unlock and its deferred runner.Store(0).
		res := make(chan bool, 1)
		q.Push(func(context.Context) {
			// A waiting WaitFor would wait for itself until ctx ends; 5 s (not less) so that a runner
			// descheduled on a loaded machine between WaitFor's return and the check is not counted.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			q.WaitFor(ctx, q.Mark()) // a callback making a call: must return at once
			res <- ctx.Err() != nil
		})
		if <-res {
			bad++
			t.Errorf("iteration %d: WaitFor from inside the runner waited for itself (runner id clobbered)", i)
		}
	}
}
