package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/store"
	"github.com/mcpkit/mcpkit/transport"
)

// restartMaxDelay caps the delay between restarts of a shared child that keeps failing to start.
const restartMaxDelay = 30 * time.Second

// restartStableAfter is how long a shared child must have run for its death to count as a one-off: the
// restart after it waits firstDelay again; a child that dies sooner is in a crash loop and the wait doubles.
const restartStableAfter = 30 * time.Second

// sharedPool is the children that serve 2026-07-28 requests (which carry no session): --pool of them,
// each in a slot whose supervisor restarts its child, with a doubling delay, when it dies. A request goes
// to the least busy child that is up (round robin among equals); while every child is down it fails at
// once with the reason, never waits.
type sharedPool struct {
	r     *stdioRouter
	slots []*slot
	next  atomic.Uint64
	// keys seal the requestState of every shared child's server: an input_required round may be retried
	// on another child of the pool, or on the child that replaced a dead one.
	keys store.KeyRing
	// tasks keep the tasks the children's proxies run (tasks at the bridge, proxy/tasks.go): a task created
	// on one child is polled and fetched on whichever child a later request lands on.
	tasks      store.TaskStore
	firstDelay time.Duration

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	lmu       sync.RWMutex
	listeners map[int]func(method string, params jsontext.Value)
	nextID    int
}

// slot holds one shared child and what the pool knows of it.
type slot struct {
	n    int // 1-based, for messages
	busy atomic.Int64

	mu          sync.Mutex
	c           *child // nil while down
	down        error  // why it is down
	stopChanges func()
}

// current returns the slot's child, or why there is none: a child whose connection ended is down even
// before its supervisor has seen it.
func (s *slot) current() (*child, error) {
	s.mu.Lock()
	c, down := s.c, s.down
	s.mu.Unlock()
	if c == nil {
		return nil, down
	}
	select {
	case <-c.conn.Done():
		return nil, errExited
	default:
		return c, nil
	}
}

// errExited is why a slot whose child died is down.
var errExited = errors.New("the server process exited")

// newSharedPool starts n children (each must start and answer) and their supervisors.
func newSharedPool(ctx context.Context, r *stdioRouter, n int, firstDelay time.Duration) (*sharedPool, error) {
	p := &sharedPool{r: r, keys: store.NewMemoryKeyRing(store.MemoryKeyRingOptions{}), tasks: store.NewMemoryTasks(), firstDelay: firstDelay,
		listeners: map[int]func(string, jsontext.Value){}}
	p.ctx, p.cancel = context.WithCancel(context.WithoutCancel(ctx))
	for i := range n {
		c, err := r.start(ctx, false, p.shared())
		if err != nil {
			p.close()
			return nil, err
		}
		s := &slot{n: i + 1}
		p.slots = append(p.slots, s)
		p.up(s, c)
		p.wg.Add(1)
		go p.supervise(s, c)
	}
	return p, nil
}

// shared are the server options every shared child's proxy gets: the pool's key ring and task store.
func (p *sharedPool) shared() *server.Options {
	o := &server.Options{KeyRing: p.keys}
	o.Tasks.Store = p.tasks
	return o
}

// close stops the supervisors (the router stops the children).
func (p *sharedPool) close() {
	p.cancel()
	p.wg.Wait()
	for _, s := range p.slots {
		s.mu.Lock()
		if s.stopChanges != nil {
			s.stopChanges()
			s.stopChanges = nil
		}
		s.mu.Unlock()
	}
}

// up makes c the slot's child and relays its changes to the pool's listeners.
func (p *sharedPool) up(s *slot, c *child) {
	stop := c.p.Server().Changes(p.relay)
	s.mu.Lock()
	s.c, s.down, s.stopChanges = c, nil, stop
	s.mu.Unlock()
}

// supervise waits for the slot's child to die, then starts another, waiting firstDelay before the first
// attempt and twice as long after each failed one (up to restartMaxDelay), until the pool closes. A child
// that dies less than restartStableAfter after its start does not bring the wait back to firstDelay: the
// next wait is twice the last one, so a child that starts, answers and crashes at once is not restarted
// every firstDelay forever.
func (p *sharedPool) supervise(s *slot, c *child) {
	defer p.wg.Done()
	var delay time.Duration // the last wait before a start; 0 before the first restart
	since := time.Now()     // when c started
	for {
		select {
		case <-c.conn.Done():
		case <-p.ctx.Done():
			return
		}
		s.mu.Lock()
		s.c = nil
		s.down = errExited
		if s.stopChanges != nil {
			s.stopChanges()
			s.stopChanges = nil
		}
		s.mu.Unlock()
		if delay == 0 || time.Since(since) >= restartStableAfter {
			delay = p.firstDelay
		} else {
			delay = min(2*delay, restartMaxDelay)
		}
		p.r.log.Warn("bridge: a shared server process exited; restarting it", "child", s.n, "in", delay)
		p.r.stop(c)
		for {
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-p.ctx.Done():
				t.Stop()
				return
			}
			nc, err := p.r.start(p.ctx, false, p.shared())
			if err == nil {
				c, since = nc, time.Now()
				p.up(s, nc)
				p.r.log.Warn("bridge: a shared server process restarted", "child", s.n)
				break
			}
			delay = min(2*delay, restartMaxDelay)
			s.mu.Lock()
			s.down = fmt.Errorf("the server process exited and could not be restarted (%v); next attempt in %s", err, delay)
			s.mu.Unlock()
			p.r.log.Warn("bridge: restarting a shared server process failed", "child", s.n, "err", err, "retry", delay)
		}
	}
}

// relay hands a child's change to every listener.
func (p *sharedPool) relay(method string, params jsontext.Value) {
	p.lmu.RLock()
	defer p.lmu.RUnlock()
	for _, fn := range p.listeners {
		fn(method, params)
	}
}

// changes adds a listener of every shared child's changes.
func (p *sharedPool) changes(fn func(method string, params jsontext.Value)) (stop func()) {
	p.lmu.Lock()
	id := p.nextID
	p.nextID++
	p.listeners[id] = fn
	p.lmu.Unlock()
	return func() {
		p.lmu.Lock()
		delete(p.listeners, id)
		p.lmu.Unlock()
	}
}

// pick returns the least busy slot whose child is up (the round robin's next one among equals), or the
// error saying why none is.
func (p *sharedPool) pick() (*slot, *child, error) {
	n := len(p.slots)
	first := int(p.next.Add(1) % uint64(n))
	var best *slot
	var bc *child
	var bestBusy int64
	var reasons []error
	for i := range n {
		s := p.slots[(first+i)%n]
		c, down := s.current()
		if c == nil {
			reasons = append(reasons, down)
			continue
		}
		if b := s.busy.Load(); bc == nil || b < bestBusy {
			best, bc, bestBusy = s, c, b
		}
	}
	if bc == nil {
		return nil, nil, &jsonrpc.Error{Code: mcp.CodeInternalError,
			Message: "bridge: the stdio server is not running (" + errors.Join(reasons...).Error() + "); it is being restarted: retry later"}
	}
	return best, bc, nil
}

// ping asks every child that is up for a ping, all at once; it succeeds as soon as one answers and fails
// when none does (the readiness check). At once, because one child that does not answer (wedged, not
// dead) would otherwise use up the probe's whole time before the others were asked.
func (p *sharedPool) ping(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make([]error, len(p.slots))
	var answered atomic.Bool
	var wg sync.WaitGroup
	for i, s := range p.slots {
		c, down := s.current()
		if c == nil {
			errs[i] = fmt.Errorf("child %d: %w", s.n, down)
			continue
		}
		wg.Go(func() {
			if err := c.conn.Ping(ctx); err != nil {
				errs[i] = fmt.Errorf("child %d: %w", s.n, err)
				return
			}
			answered.Store(true)
			cancel() // one is enough: the others' pings end
		})
	}
	wg.Wait()
	if answered.Load() {
		return nil
	}
	return errors.Join(errs...)
}

// poolSession is the router's Stateless entry point: each request goes to a child the pool picks.
type poolSession struct{ p *sharedPool }

// ID implements transport.Session: the entry point has no session.
func (s poolSession) ID() string { return "" }

// HandleRequest implements transport.Session: the request is served by the picked child's server, or
// fails at once when no child is up.
func (s poolSession) HandleRequest(ctx context.Context, m *jsonrpc.Message, out transport.Peer) (jsontext.Value, error) {
	sl, c, err := s.p.pick()
	if err != nil {
		return nil, err
	}
	sl.busy.Add(1)
	defer sl.busy.Add(-1)
	return c.p.Server().Stateless().HandleRequest(ctx, m, out)
}

// HandleNotification implements transport.Session: a notification outside any session concerns no one
// child, so every child that is up gets it.
func (s poolSession) HandleNotification(ctx context.Context, m *jsonrpc.Message) {
	for _, sl := range s.p.slots {
		if c, _ := sl.current(); c != nil {
			c.p.Server().Stateless().HandleNotification(ctx, m)
		}
	}
}

// Authorize implements transport.Authorizer with a child's server (they all have the same rules): the
// first one up, not pick's, which would advance the round robin on every request's Authorize and, with an
// even pool, leave the HandleRequest that follows the same child each time.
func (s poolSession) Authorize(ctx context.Context, m *jsonrpc.Message) error {
	var c *child
	for _, sl := range s.p.slots {
		if c, _ = sl.current(); c != nil {
			break
		}
	}
	if c == nil {
		return nil // HandleRequest answers with the reason
	}
	if az, ok := c.p.Server().Stateless().(transport.Authorizer); ok {
		return az.Authorize(ctx, m)
	}
	return nil
}

// Close implements transport.Session: the entry point is closed with the router.
func (s poolSession) Close() {}

// Snapshot implements transport.Session: the entry point has no state.
func (s poolSession) Snapshot() (*store.SessionState, error) {
	return nil, errors.New("bridge: the stateless entry point has no session state")
}
