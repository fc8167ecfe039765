package workers

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestPoolRunsEverythingAndReuses(t *testing.T) {
	p := New(time.Second)
	defer p.Close()
	var n atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 1000; i++ {
		wg.Add(1)
		p.Go(func() { n.Add(1); wg.Done() })
		if i%10 == 0 {
			time.Sleep(time.Millisecond) // let workers go idle, so that some tasks reuse them
		}
	}
	wg.Wait()
	if n.Load() != 1000 {
		t.Fatalf("ran %d tasks, want 1000", n.Load())
	}
}

func TestPoolIdleWorkersExit(t *testing.T) {
	p := New(20 * time.Millisecond)
	done := make(chan struct{})
	p.Go(func() { close(done) })
	<-done
	time.Sleep(100 * time.Millisecond)
	if err := goleak.Find(); err != nil {
		t.Fatalf("an idle worker outlived its timeout: %v", err)
	}
}

func TestPoolBlockedTasksDoNotBlockGo(t *testing.T) {
	p := New(time.Second)
	defer p.Close()
	release := make(chan struct{})
	var started sync.WaitGroup
	for range 50 {
		started.Add(1)
		p.Go(func() { started.Done(); <-release })
	}
	started.Wait() // 50 tasks block at once: Go made a worker for each
	close(release)
}
