package proxy

import (
	"context"
	"sync"
)

// inflight are the downstream requests being forwarded, oldest first. The upstream's questions and log
// messages that its session cannot tie to a call (a legacy upstream sends them on the connection, without
// naming the request they belong to) go to the only one, or, when several are in flight and
// Options.OneClient says they all come from one client, to the newest: with one call at a time, which is
// what hosts usually do, that is the right one; with several at once it may not be (docs/BRIDGE.md).
type inflight struct {
	mu   sync.Mutex
	seq  uint64
	reqs []inflightReq
}

type inflightReq struct {
	id  uint64
	ctx context.Context
}

// add records ctx until the returned func is called.
func (f *inflight) add(ctx context.Context) (done func()) {
	f.mu.Lock()
	f.seq++
	id := f.seq
	f.reqs = append(f.reqs, inflightReq{id, ctx})
	f.mu.Unlock()
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		for i, r := range f.reqs {
			if r.id == id {
				f.reqs = append(f.reqs[:i], f.reqs[i+1:]...)
				return
			}
		}
	}
}

// pick returns the context of the request in flight an untied question goes to: the only one, or the
// newest of several when oneClient. n is how many are in flight (0, or several without oneClient, when
// the context is nil).
func (f *inflight) pick(oneClient bool) (ctx context.Context, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n = len(f.reqs)
	if n == 0 || n > 1 && !oneClient {
		return nil, n
	}
	return f.reqs[n-1].ctx, n
}
