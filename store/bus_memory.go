package store

import (
	"context"
	"sync"
	"sync/atomic"
)

// MemoryBusOptions configures NewMemoryBus.
type MemoryBusOptions struct {
	// Buffer is each subscriber's queue length (default 256). Past it, messages are dropped for that
	// subscriber and counted.
	Buffer int
}

// MemoryBus is a Bus within one process.
type MemoryBus struct {
	opts MemoryBusOptions
	mu   sync.RWMutex
	subs map[string]map[*MemorySubscription]struct{}
}

// NewMemoryBus returns an in-process bus.
func NewMemoryBus(opts MemoryBusOptions) *MemoryBus {
	if opts.Buffer <= 0 {
		opts.Buffer = 256
	}
	return &MemoryBus{opts: opts, subs: make(map[string]map[*MemorySubscription]struct{})}
}

// MemorySubscription is a subscription to a MemoryBus topic.
type MemorySubscription struct {
	bus     *MemoryBus
	topic   string
	ch      chan []byte
	once    sync.Once
	mu      sync.Mutex // guards sends against close
	closed  bool
	dropped atomic.Int64
	stop    chan struct{}
}

// Publish implements Bus.
func (b *MemoryBus) Publish(_ context.Context, topic string, msg []byte) error {
	b.mu.RLock()
	subs := make([]*MemorySubscription, 0, len(b.subs[topic]))
	for s := range b.subs[topic] {
		subs = append(subs, s)
	}
	b.mu.RUnlock()
	for _, s := range subs {
		s.deliver(append([]byte(nil), msg...))
	}
	return nil
}

func (s *MemorySubscription) deliver(msg []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	select {
	case s.ch <- msg:
	default:
		s.dropped.Add(1)
	}
}

// Subscribe implements Bus.
func (b *MemoryBus) Subscribe(ctx context.Context, topic string) (Subscription, error) {
	s := &MemorySubscription{bus: b, topic: topic, ch: make(chan []byte, b.opts.Buffer), stop: make(chan struct{})}
	b.mu.Lock()
	if b.subs[topic] == nil {
		b.subs[topic] = make(map[*MemorySubscription]struct{})
	}
	b.subs[topic][s] = struct{}{}
	b.mu.Unlock()
	if ctx.Done() != nil {
		go func() {
			select {
			case <-ctx.Done():
				s.Close()
			case <-s.stop:
			}
		}()
	}
	return s, nil
}

// C implements Subscription.
func (s *MemorySubscription) C() <-chan []byte { return s.ch }

// Dropped returns how many messages this subscriber lost because its queue was full.
func (s *MemorySubscription) Dropped() int64 { return s.dropped.Load() }

// Close implements Subscription.
func (s *MemorySubscription) Close() error {
	s.once.Do(func() {
		s.bus.mu.Lock()
		delete(s.bus.subs[s.topic], s)
		if len(s.bus.subs[s.topic]) == 0 {
			delete(s.bus.subs, s.topic)
		}
		s.bus.mu.Unlock()
		s.mu.Lock()
		s.closed = true
		close(s.ch)
		s.mu.Unlock()
		close(s.stop)
	})
	return nil
}
