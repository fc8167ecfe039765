package pending

import (
	"context"
	"errors"
	"sync"
	"testing"
)

func TestDeliverReachesWaiter(t *testing.T) {
	var tb Table[string, int]
	if n := tb.Next(); n != 1 {
		t.Fatalf("first Next = %d, want 1", n)
	}
	w, err := tb.Add("a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tb.Add("a"); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("second Add of the same id: %v, want ErrDuplicate", err)
	}
	if !tb.Holds("a") || tb.Holds("b") {
		t.Fatal("Holds disagrees with Add")
	}
	if tb.Deliver("b", 7) {
		t.Fatal("Deliver to an id nobody waits for reported a waiter")
	}
	if !tb.Deliver("a", 42) {
		t.Fatal("Deliver to a waiting id reported none")
	}
	if tb.Deliver("a", 43) {
		t.Fatal("a second Deliver to the same id reported a waiter")
	}
	v, err := tb.Wait(context.Background(), nil, "a", w)
	if err != nil || v != 42 {
		t.Fatalf("Wait = %d, %v; want 42", v, err)
	}
	if tb.Len() != 0 {
		t.Fatalf("Len = %d after the answer, want 0", tb.Len())
	}
}

func TestWaitEndsWithContextAndStop(t *testing.T) {
	var tb Table[int, string]
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w, _ := tb.Add(1)
	if _, err := tb.Wait(ctx, nil, 1, w); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait with an ended ctx: %v", err)
	}
	if tb.Holds(1) || tb.Deliver(1, "late") {
		t.Fatal("the id was not forgotten after the caller gave up")
	}
	stop := make(chan struct{})
	close(stop)
	w, _ = tb.Add(2)
	if _, err := tb.Wait(context.Background(), stop, 2, w); !errors.Is(err, ErrStopped) {
		t.Fatalf("Wait with a closed stop: %v", err)
	}
	if tb.Len() != 0 {
		t.Fatalf("Len = %d, want 0", tb.Len())
	}
}

// A response delivered just before its caller gives up must not reach the next call that reuses the
// waiting channel.
func TestReleaseAfterDeliverDropsTheLateValue(t *testing.T) {
	var tb Table[int, string]
	w, _ := tb.Add(1)
	tb.Deliver(1, "for one")
	tb.Release(1, w)
	w2, _ := tb.Add(2)
	tb.Deliver(2, "for two")
	v, err := tb.Wait(context.Background(), nil, 2, w2)
	if err != nil || v != "for two" {
		t.Fatalf("Wait = %q, %v; want the second call's own answer", v, err)
	}
}

func TestFailEndsWaitersAndRefusesNewOnes(t *testing.T) {
	var tb Table[int, string]
	boom := errors.New("boom")
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for i := range 3 {
		w, err := tb.Add(i)
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := tb.Wait(context.Background(), nil, i, w)
			errs <- err
		}()
	}
	tb.Fail(boom)
	tb.Fail(errors.New("second")) // ignored
	wg.Wait()
	close(errs)
	for err := range errs {
		if !errors.Is(err, boom) {
			t.Errorf("waiter ended with %v, want boom", err)
		}
	}
	if _, err := tb.Add(9); !errors.Is(err, boom) {
		t.Fatalf("Add after Fail: %v", err)
	}
	if tb.Deliver(0, "x") || tb.Len() != 0 || !errors.Is(tb.Err(), boom) {
		t.Fatal("the failed table still holds waiters")
	}
	var tb2 Table[int, int]
	tb2.Fail(nil)
	if !errors.Is(tb2.Err(), ErrFailed) {
		t.Fatalf("Fail(nil): %v", tb2.Err())
	}
}

// Concurrent callers, deliverers and quitters: every value reaches its own waiter or nobody (run with -race).
func TestConcurrentCallsGetTheirOwnAnswers(t *testing.T) {
	var tb Table[int64, int64]
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 500 {
				id := tb.Next()
				w, err := tb.Add(id)
				if err != nil {
					t.Error(err)
					return
				}
				if g%3 == 0 {
					go tb.Deliver(id, id)
					tb.Release(id, w) // races with the delivery
					continue
				}
				go tb.Deliver(id, id*10)
				v, err := tb.Wait(context.Background(), nil, id, w)
				if err != nil || v != id*10 {
					t.Errorf("call %d got %d, %v", id, v, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if tb.Len() != 0 {
		t.Fatalf("Len = %d after every call ended", tb.Len())
	}
}

func TestWarmCallAllocatesNothing(t *testing.T) {
	var tb Table[int64, *int]
	x := new(int)
	call := func() {
		id := tb.Next()
		w, _ := tb.Add(id)
		tb.Deliver(id, x)
		_, _ = tb.Wait(context.Background(), nil, id, w)
	}
	call()
	if n := testing.AllocsPerRun(1000, call); n != 0 {
		t.Fatalf("%.1f allocations per warm call, want 0", n)
	}
}
