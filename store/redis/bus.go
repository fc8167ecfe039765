package redis

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mcpkit/mcpkit/store"
)

// Bus is a store.Bus on Redis pub/sub. Pub/sub, not Streams, because the Bus promises at-most-once delivery
// to the subscribers present when a message is published, which is what pub/sub does with nothing stored:
// no trimming, no cursor per subscriber, one hop of latency. What must survive a missed message lives in the
// store (the event log, sessions), and the bus only says where to look.
//
// A Bus holds one pub/sub connection to Redis, opened by the first Subscribe, whatever the number of topics
// and local subscribers; each topic is SUBSCRIBEd once and fanned out to its local subscribers, each with
// its own queue (Options.BusBuffer; a full queue drops that subscriber's message). Publish is one round
// trip. While the connection is down, messages are lost (at most once); go-redis reconnects and subscribes
// again to every topic.
type Bus struct {
	c    goredis.UniversalClient
	opts Options

	mu      sync.Mutex
	ps      *goredis.PubSub
	topics  map[string]map[*Subscription]struct{} // by channel name
	waiters map[string][]chan struct{}            // SUBSCRIBEs not yet confirmed, by channel, in order
	closed  bool
	done    chan struct{} // closed when the reader goroutine ends
}

var _ store.Bus = (*Bus)(nil)

func newBus(c goredis.UniversalClient, opts Options) *Bus {
	return &Bus{c: c, opts: opts, topics: make(map[string]map[*Subscription]struct{}), waiters: make(map[string][]chan struct{})}
}

func (b *Bus) channel(topic string) string { return b.opts.Prefix + "b:" + topic }

// Publish implements store.Bus.
func (b *Bus) Publish(ctx context.Context, topic string, msg []byte) error {
	if err := b.c.Publish(ctx, b.channel(topic), msg).Err(); err != nil {
		return fmt.Errorf("store/redis: publishing on %q: %w", topic, err)
	}
	return nil
}

// Subscription is a subscription to a Bus topic.
type Subscription struct {
	bus     *Bus
	channel string
	ch      chan []byte
	once    sync.Once
	mu      sync.Mutex // guards sends against close
	closed  bool
	dropped atomic.Int64
	stop    chan struct{}
}

// ErrClosed is returned by Subscribe on a closed Bus.
var ErrClosed = errors.New("store/redis: the bus is closed")

// Subscribe implements store.Bus. It returns once Redis confirmed the subscription, so a message published
// after it returns is delivered.
func (b *Bus) Subscribe(ctx context.Context, topic string) (store.Subscription, error) {
	ch := b.channel(topic)
	s := &Subscription{bus: b, channel: ch, ch: make(chan []byte, b.opts.BusBuffer), stop: make(chan struct{})}
	var wait chan struct{}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, ErrClosed
	}
	subs := b.topics[ch]
	if subs == nil {
		subs = make(map[*Subscription]struct{})
		b.topics[ch] = subs
		wait = make(chan struct{})
		b.waiters[ch] = append(b.waiters[ch], wait)
		if b.ps == nil {
			b.ps = b.c.Subscribe(context.WithoutCancel(ctx)) // no channel yet: it connects on first use
		}
		err := b.ps.Subscribe(ctx, ch)
		if err == nil && b.done == nil {
			b.done = make(chan struct{})
			go b.read(b.ps, b.done)
		}
		if err != nil {
			b.forgetLocked(ch, wait)
			b.mu.Unlock()
			return nil, fmt.Errorf("store/redis: subscribing to %q: %w", topic, err)
		}
	}
	subs[s] = struct{}{}
	b.mu.Unlock()

	if wait != nil {
		timer := time.NewTimer(b.opts.Timeout)
		defer timer.Stop()
		select {
		case <-wait:
		case <-ctx.Done():
			s.Close()
			return nil, ctx.Err()
		case <-timer.C:
			s.Close()
			return nil, fmt.Errorf("store/redis: Redis did not confirm the subscription to %q within %v", topic, b.opts.Timeout)
		}
	}
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

// forgetLocked drops a topic whose SUBSCRIBE failed, and its waiter.
func (b *Bus) forgetLocked(ch string, wait chan struct{}) {
	if len(b.topics[ch]) == 0 {
		delete(b.topics, ch)
	}
	w := b.waiters[ch]
	for i, x := range w {
		if x == wait {
			b.waiters[ch] = append(w[:i:i], w[i+1:]...)
			break
		}
	}
	if len(b.waiters[ch]) == 0 {
		delete(b.waiters, ch)
	}
}

// read receives the connection's messages until the bus closes: confirmations release Subscribe, messages
// go to the topic's subscribers.
func (b *Bus) read(ps *goredis.PubSub, done chan struct{}) {
	defer close(done)
	ctx := context.Background()
	backoff := 10 * time.Millisecond
	for {
		m, err := ps.ReceiveTimeout(ctx, 30*time.Second)
		if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
			// Quiet for a while: check the connection is still alive (a dead one errors, then reconnects).
			_ = ps.Ping(ctx)
			continue
		}
		if err != nil {
			b.mu.Lock()
			closed := b.closed
			b.mu.Unlock()
			if closed {
				return
			}
			// go-redis reconnects (and subscribes again) on the next Receive; wait a little first.
			time.Sleep(backoff)
			backoff = min(2*backoff, time.Second)
			continue
		}
		backoff = 10 * time.Millisecond
		switch m := m.(type) {
		case *goredis.Subscription:
			if m.Kind != "subscribe" {
				continue
			}
			b.mu.Lock()
			if w := b.waiters[m.Channel]; len(w) > 0 {
				close(w[0])
				if len(w) == 1 {
					delete(b.waiters, m.Channel)
				} else {
					b.waiters[m.Channel] = w[1:]
				}
			}
			b.mu.Unlock()
		case *goredis.Message:
			b.mu.Lock()
			subs := make([]*Subscription, 0, len(b.topics[m.Channel]))
			for s := range b.topics[m.Channel] {
				subs = append(subs, s)
			}
			b.mu.Unlock()
			for _, s := range subs {
				s.deliver([]byte(m.Payload))
			}
		}
	}
}

func (s *Subscription) deliver(msg []byte) {
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

// C implements store.Subscription.
func (s *Subscription) C() <-chan []byte { return s.ch }

// Dropped returns how many messages this subscriber lost because its queue was full.
func (s *Subscription) Dropped() int64 { return s.dropped.Load() }

// Close implements store.Subscription. The last local subscriber of a topic UNSUBSCRIBEs it.
func (s *Subscription) Close() error {
	s.once.Do(func() {
		b := s.bus
		b.mu.Lock()
		delete(b.topics[s.channel], s)
		if len(b.topics[s.channel]) == 0 {
			delete(b.topics, s.channel)
			if b.ps != nil && !b.closed {
				// Sent under the lock, so a later SUBSCRIBE of the same topic follows it on the connection.
				_ = b.ps.Unsubscribe(context.Background(), s.channel)
			}
		}
		b.mu.Unlock()
		s.mu.Lock()
		s.closed = true
		close(s.ch)
		s.mu.Unlock()
		close(s.stop)
	})
	return nil
}

// Close ends every subscription and the pub/sub connection, and waits for its reader.
func (b *Bus) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	var subs []*Subscription
	for _, m := range b.topics {
		for s := range m {
			subs = append(subs, s)
		}
	}
	ps, done := b.ps, b.done
	b.mu.Unlock()
	for _, s := range subs {
		s.Close()
	}
	if ps == nil {
		return nil
	}
	err := ps.Close()
	if done != nil {
		<-done
	}
	return err
}
