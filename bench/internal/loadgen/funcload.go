package loadgen

import "time"

// StartFunc starts clients goroutines that each call fn(i) in a loop, for loads that go through an SDK's
// own client rather than through bytes. Call Measure, then Stop.
func StartFunc(clients int, fn func(i int) error) *Load {
	l := newLoad(clients, func() {})
	for i := range clients {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for !l.stopped() {
				ph := l.phase.Load()
				t0 := time.Now()
				err := fn(i)
				l.done(i, ph, time.Since(t0), err)
			}
		}()
	}
	return l
}
