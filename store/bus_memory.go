package store

import (
	"context"
	"sync"
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
	*Mailbox
	bus   *MemoryBus
	topic string
	once  sync.Once
}

var _ CountingBus = (*MemoryBus)(nil)

// Publish implements Bus.
func (b *MemoryBus) Publish(ctx context.Context, topic string, msg []byte) error {
	_, err := b.PublishCount(ctx, topic, msg)
	return err
}

// PublishCount implements CountingBus: the count is the topic's subscriptions when msg was published
// (one whose queue is full drops it but is counted, as Redis counts a subscriber that falls behind).
func (b *MemoryBus) PublishCount(_ context.Context, topic string, msg []byte) (int, error) {
	b.mu.RLock()
	subs := make([]*MemorySubscription, 0, len(b.subs[topic]))
	for s := range b.subs[topic] {
		subs = append(subs, s)
	}
	b.mu.RUnlock()
	for _, s := range subs {
		s.Deliver(append([]byte(nil), msg...))
	}
	return len(subs), nil
}

// Subscribe implements Bus.
func (b *MemoryBus) Subscribe(ctx context.Context, topic string) (Subscription, error) {
	s := &MemorySubscription{Mailbox: NewMailbox(b.opts.Buffer), bus: b, topic: topic}
	b.mu.Lock()
	if b.subs[topic] == nil {
		b.subs[topic] = make(map[*MemorySubscription]struct{})
	}
	b.subs[topic][s] = struct{}{}
	b.mu.Unlock()
	s.CloseWhenDone(ctx, s.Close)
	return s, nil
}

// Close implements Subscription.
func (s *MemorySubscription) Close() error {
	s.once.Do(func() {
		s.bus.mu.Lock()
		delete(s.bus.subs[s.topic], s)
		if len(s.bus.subs[s.topic]) == 0 {
			delete(s.bus.subs, s.topic)
		}
		s.bus.mu.Unlock()
		s.Shut()
	})
	return nil
}
