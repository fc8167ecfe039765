package redis

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
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
// its own queue (Options.BusBuffer; a full queue drops that subscriber's message). SUBSCRIBE and
// UNSUBSCRIBE are sent in order by one goroutine, so closing a subscription never waits for Redis. Publish
// is one round trip. While the connection is down, messages are lost (at most once); go-redis reconnects
// and subscribes again to every topic.
type Bus struct {
	c    goredis.UniversalClient
	opts Options

	mu      sync.Mutex
	ps      *goredis.PubSub
	topics  map[string]*busTopic   // by channel name
	waiters map[string][]*busTopic // topics whose SUBSCRIBE is not yet confirmed, by channel, in order
	ops     []busOp                // SUBSCRIBEs and UNSUBSCRIBEs to send, in order
	kick    chan struct{}
	started bool
	closed  bool

	ctx    context.Context // ends when the bus closes
	cancel context.CancelFunc
	wg     sync.WaitGroup

	healthMu sync.Mutex
	down     bool      // the pub/sub connection failed and has not received anything since
	upSince  time.Time // when it last came back after failing (zero: never failed)
}

type busOp struct {
	subscribe bool
	channel   string
	t         *busTopic
}

// busTopic is a channel's local subscribers. Messages reach them only once Redis confirmed the SUBSCRIBE made
// for them: a message still in flight from an earlier subscription of the channel (published before an
// UNSUBSCRIBE) is dropped, not given to a subscriber that came after it. Every Subscribe of the topic waits
// for ready; err (set before ready is closed) says the SUBSCRIBE failed.
type busTopic struct {
	subs      map[*Subscription]struct{}
	ready     chan struct{}
	confirmed bool
	err       error
}

var _ store.CountingBus = (*Bus)(nil)

func newBus(c goredis.UniversalClient, opts Options) *Bus {
	ctx, cancel := context.WithCancel(context.Background())
	return &Bus{c: c, opts: opts, topics: make(map[string]*busTopic), waiters: make(map[string][]*busTopic),
		kick: make(chan struct{}, 1), ctx: ctx, cancel: cancel}
}

func (b *Bus) channel(topic string) string { return b.opts.Prefix + "b:" + topic }

// Publish implements store.Bus.
func (b *Bus) Publish(ctx context.Context, topic string, msg []byte) error {
	_, err := b.PublishCount(ctx, topic, msg)
	return err
}

// PublishCount implements store.CountingBus with the reply of PUBLISH (the same one round trip): the
// number of Redis connections subscribed to the topic's channel, that is of nodes, since a node subscribes
// a topic once. On Redis Cluster, PUBLISH counts only the clients of the node that got it, so the count is
// -1 (unknown) there.
//
// A count of 0 while this node's pub/sub connection is down, or came back less than Options.Timeout ago,
// fails with store.ErrUnsettled: when Redis restarts, every node's subscriptions are lost at once and each
// node subscribes again on its own schedule (go-redis reconnects within about a second), so for a moment
// nobody is subscribed to a topic that a node still serves. The node's own connection failing tells it
// that such a moment may be under way. (A node whose connection never started knows nothing of it.)
func (b *Bus) PublishCount(ctx context.Context, topic string, msg []byte) (int, error) {
	n, err := b.c.Publish(ctx, b.channel(topic), msg).Result()
	if err != nil {
		return 0, fmt.Errorf("store/redis: publishing on %q: %w", topic, err)
	}
	if _, cluster := b.c.(*goredis.ClusterClient); cluster {
		return -1, nil
	}
	if n == 0 && b.unsettled() {
		return 0, fmt.Errorf("store/redis: publishing on %q reached no node while the bus reconnects: %w", topic, store.ErrUnsettled)
	}
	return int(n), nil
}

// unsettled reports whether the pub/sub connection is down or came back less than Options.Timeout ago.
func (b *Bus) unsettled() bool {
	b.healthMu.Lock()
	defer b.healthMu.Unlock()
	return b.down || (!b.upSince.IsZero() && time.Since(b.upSince) < b.opts.Timeout)
}

// health records what the read loop saw: a failure, or anything received.
func (b *Bus) health(failed bool) {
	b.healthMu.Lock()
	switch {
	case failed:
		b.down = true
	case b.down:
		b.down = false
		b.upSince = time.Now()
	}
	b.healthMu.Unlock()
}

// Subscription is a subscription to a Bus topic.
type Subscription struct {
	*store.Mailbox
	bus     *Bus
	channel string
	t       *busTopic
	once    sync.Once
}

// ErrClosed is returned by Subscribe on a closed Bus.
var ErrClosed = errors.New("store/redis: the bus is closed")

// Subscribe implements store.Bus. It returns once Redis confirmed the subscription, so a message published
// after it returns is delivered; it fails after Options.Timeout when Redis does not confirm.
func (b *Bus) Subscribe(ctx context.Context, topic string) (store.Subscription, error) {
	ch := b.channel(topic)
	s := &Subscription{Mailbox: store.NewMailbox(b.opts.BusBuffer), bus: b, channel: ch}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, ErrClosed
	}
	if !b.started {
		b.started = true
		b.ps = b.c.Subscribe(b.ctx) // no channel yet: it connects on first use
		b.wg.Add(2)
		go b.control()
		go b.read()
	}
	t := b.topics[ch]
	if t == nil || t.err != nil {
		// A new topic (or one whose SUBSCRIBE failed: its subscribers are leaving) gets its own SUBSCRIBE.
		t = &busTopic{subs: make(map[*Subscription]struct{}), ready: make(chan struct{})}
		b.topics[ch] = t
		b.waiters[ch] = append(b.waiters[ch], t)
		b.queueLocked(busOp{subscribe: true, channel: ch, t: t})
	}
	s.t = t
	t.subs[s] = struct{}{}
	confirmed := t.confirmed
	b.mu.Unlock()

	if !confirmed {
		timer := time.NewTimer(b.opts.Timeout)
		defer timer.Stop()
		var err error
		select {
		case <-t.ready:
			err = t.err
		case <-ctx.Done():
			err = ctx.Err()
		case <-b.ctx.Done():
			err = ErrClosed
		case <-timer.C:
			err = fmt.Errorf("no confirmation from Redis within %v", b.opts.Timeout)
		}
		if err != nil {
			b.release(ch, t, err) // no-op when it was released already
			s.Close()
			return nil, fmt.Errorf("store/redis: subscribing to %q: %w", topic, err)
		}
	}
	s.CloseWhenDone(ctx, s.Close)
	return s, nil
}

func (b *Bus) queueLocked(op busOp) {
	b.ops = append(b.ops, op)
	select {
	case b.kick <- struct{}{}:
	default:
	}
}

// release removes t from its channel's waiters and makes it ready: confirmed, or failed with err. False when
// it was released already.
func (b *Bus) release(channel string, t *busTopic, err error) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	list := b.waiters[channel]
	for i, x := range list {
		if x == t {
			b.waiters[channel] = append(list[:i:i], list[i+1:]...)
			if len(b.waiters[channel]) == 0 {
				delete(b.waiters, channel)
			}
			t.err = err
			t.confirmed = err == nil
			close(t.ready)
			return true
		}
	}
	return false
}

// control sends the queued SUBSCRIBEs and UNSUBSCRIBEs, in order, until the bus closes.
func (b *Bus) control() {
	defer b.wg.Done()
	for {
		select {
		case <-b.ctx.Done():
			return
		case <-b.kick:
		}
		b.mu.Lock()
		ops := b.ops
		b.ops = nil
		b.mu.Unlock()
		for _, op := range ops {
			ctx, cancel := context.WithTimeout(b.ctx, b.opts.Timeout)
			if op.subscribe {
				if err := b.ps.Subscribe(ctx, op.channel); err != nil {
					b.release(op.channel, op.t, err)
				}
			} else {
				_ = b.ps.Unsubscribe(ctx, op.channel) // forgotten by go-redis even when it fails: no resubscribe
			}
			cancel()
		}
	}
}

// read receives the connection's messages until the bus closes: confirmations release Subscribe, messages
// go to the topic's subscribers.
func (b *Bus) read() {
	defer b.wg.Done()
	backoff := 10 * time.Millisecond
	for {
		m, err := b.ps.ReceiveTimeout(b.ctx, 30*time.Second)
		if b.ctx.Err() != nil {
			return
		}
		if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
			// Quiet for a while: check the connection is alive (a dead one errors, then reconnects).
			_ = b.ps.Ping(b.ctx)
			continue
		}
		if err != nil {
			b.health(true)
			// go-redis reconnects (and subscribes again) on the next Receive; wait a little first.
			select {
			case <-b.ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, time.Second)
			continue
		}
		backoff = 10 * time.Millisecond
		b.health(false)
		switch m := m.(type) {
		case *goredis.Subscription:
			if m.Kind != "subscribe" {
				continue
			}
			b.mu.Lock()
			var t *busTopic
			if list := b.waiters[m.Channel]; len(list) > 0 {
				t = list[0]
			}
			b.mu.Unlock()
			if t != nil {
				b.release(m.Channel, t, nil)
			}
		case *goredis.Message:
			b.mu.Lock()
			var subs []*Subscription
			if t := b.topics[m.Channel]; t != nil && t.confirmed {
				subs = make([]*Subscription, 0, len(t.subs))
				for s := range t.subs {
					subs = append(subs, s)
				}
			}
			b.mu.Unlock()
			for _, s := range subs {
				s.Deliver([]byte(m.Payload))
			}
		}
	}
}

// Close implements store.Subscription. The last local subscriber of a topic has it UNSUBSCRIBEd (queued:
// Close does not wait for Redis).
func (s *Subscription) Close() error {
	s.once.Do(func() {
		b := s.bus
		b.mu.Lock()
		delete(s.t.subs, s)
		if len(s.t.subs) == 0 && b.topics[s.channel] == s.t {
			delete(b.topics, s.channel)
			if !b.closed {
				b.queueLocked(busOp{channel: s.channel})
			}
		}
		b.mu.Unlock()
		s.Shut()
	})
	return nil
}

// Close ends every subscription and the pub/sub connection, and waits for the bus's goroutines.
func (b *Bus) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	var subs []*Subscription
	for _, t := range b.topics {
		for s := range t.subs {
			subs = append(subs, s)
		}
	}
	ps := b.ps
	b.mu.Unlock()
	for _, s := range subs {
		s.Close()
	}
	b.cancel()
	var err error
	if ps != nil {
		err = ps.Close()
	}
	b.wg.Wait()
	return err
}
