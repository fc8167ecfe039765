package serial

import (
	"context"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestOrderBoundAndClose(t *testing.T) {
	q := New(3)
	release := make(chan struct{})
	started := make(chan struct{})
	var got []int
	done := make(chan struct{})
	q.Push(func(ctx context.Context) { close(started); <-release })
	<-started // the runner holds the first; three may wait
	for i := range 5 {
		ok, dropped := q.Push(func(ctx context.Context) {
			if got = append(got, i); len(got) == 3 {
				close(done)
			}
		})
		if want := i < 3; ok != want || (!ok && dropped != uint64(i-2)) {
			t.Fatalf("Push %d = %v, %d; want %v", i, ok, dropped, want)
		}
	}
	if q.Dropped() != 2 {
		t.Fatalf("Dropped = %d, want 2", q.Dropped())
	}
	close(release)
	<-done
	if len(got) != 3 || got[0] != 0 || got[1] != 1 || got[2] != 2 {
		t.Fatalf("ran %v, want [0 1 2]", got)
	}
	q.Close()
	if ok, dropped := q.Push(func(context.Context) {}); ok || dropped != 0 || q.Dropped() != 2 {
		t.Fatalf("Push after Close = %v, %d (Dropped %d)", ok, dropped, q.Dropped())
	}
}

// TestCloseWaitsForRunning: Close cancels the running func's context and returns after it did.
func TestCloseWaitsForRunning(t *testing.T) {
	q := New(4)
	started := make(chan struct{})
	var finished bool
	q.Push(func(ctx context.Context) {
		close(started)
		<-ctx.Done()
		finished = true
	})
	q.Push(func(ctx context.Context) { t.Error("a waiting func ran after Close") })
	<-started
	q.Close()
	if !finished {
		t.Fatal("Close returned before the running func")
	}
}

// TestCloseFromInside: a func that closes its own queue does not deadlock.
func TestCloseFromInside(t *testing.T) {
	q := New(1)
	done := make(chan struct{})
	q.Push(func(ctx context.Context) {
		q.Close()
		if ctx.Err() == nil {
			t.Error("ctx not cancelled by Close")
		}
		close(done)
	})
	<-done
	q.Close() // waits for the runner to exit
}

// TestWaitFor: WaitFor returns after the funcs accepted before the mark have run, at once on the runner.
func TestWaitFor(t *testing.T) {
	q := New(8)
	defer q.Close()
	release := make(chan struct{})
	var ran []int
	q.Push(func(ctx context.Context) { <-release; ran = append(ran, 1) })
	q.Push(func(ctx context.Context) {
		q.WaitFor(ctx, q.Mark()) // on the runner: must not wait for itself
		ran = append(ran, 2)
	})
	mark := q.Mark()
	close(release)
	q.WaitFor(context.Background(), mark)
	if len(ran) != 2 {
		t.Fatalf("WaitFor returned after %v ran", ran)
	}
	ctx, cancel := context.WithCancel(context.Background())
	block := make(chan struct{})
	q.Push(func(context.Context) { <-block })
	cancel()
	q.WaitFor(ctx, q.Mark()) // returns: ctx ended
	close(block)
}
