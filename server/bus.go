package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/store"
)

// Changes made on one node (resources/updated, list_changed) reach the subscribers of every node through
// Options.Bus: the node delivers them locally as a single process does, and publishes them on the
// "changes" topic; every other node delivers what it receives there exactly like a change of its own
// (docs/SCALING.md, "Messages that cross nodes").

// ChangesTopic is the Bus topic on which servers sharing a Bus publish their changes.
const ChangesTopic = "changes"

const (
	// busQueue bounds the changes waiting to be published; past it they are dropped (and logged): the bus
	// is at most once anyway, and a change must never wait for it.
	busQueue = 256
	// busPublishTimeout bounds one Publish.
	busPublishTimeout = 5 * time.Second
	// busRetry is the first pause before subscribing again after the bus refused a subscription or ended
	// it; it doubles up to busRetryMax while the bus keeps refusing.
	busRetry    = time.Second
	busRetryMax = 30 * time.Second
)

// changeEnvelope is one change on the bus.
type changeEnvelope struct {
	Node   string         `json:"node"`
	Method string         `json:"method"`
	Params jsontext.Value `json:"params,omitempty"`
}

// busMsg is an encoded envelope waiting to be published.
type busMsg struct {
	method string
	body   []byte
}

// busLink connects a Server to Options.Bus: a publisher and a subscriber goroutine, both ended by Close.
type busLink struct {
	s    *Server
	bus  store.Bus
	node string // random per Server: envelopes carrying it are this node's own and skipped
	out  chan busMsg
	// pending coalesces list_changed: while one of a kind waits to be published, another adds nothing
	// (registering 50 tools at start-up publishes one tools/list_changed, not 50).
	pending map[string]*atomic.Bool
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	once    sync.Once
}

// startBus subscribes to the changes topic (once, synchronously, so that a change published by another
// node after New returns is received) and starts the publisher and the subscriber.
func (s *Server) startBus(bus store.Bus) {
	var id [8]byte
	_, _ = rand.Read(id[:])
	ctx, cancel := context.WithCancel(context.Background())
	l := &busLink{
		s: s, bus: bus, node: hex.EncodeToString(id[:]), out: make(chan busMsg, busQueue), cancel: cancel,
		pending: map[string]*atomic.Bool{
			mcp.MethodNotificationToolsListChanged:     new(atomic.Bool),
			mcp.MethodNotificationResourcesListChanged: new(atomic.Bool),
			mcp.MethodNotificationPromptsListChanged:   new(atomic.Bool),
		},
	}
	sub, err := bus.Subscribe(ctx, ChangesTopic)
	if err != nil {
		s.log.Error("mcp: subscribing to other nodes' changes; retrying", "topic", ChangesTopic, "err", err)
	}
	l.wg.Add(2)
	go l.publishLoop(ctx)
	go l.receiveLoop(ctx, sub)
	s.bus = l
}

// Close stops what the server started for Options.Bus (its publisher and subscriber) and waits for them.
// It does not end sessions or transports. It is idempotent, and a server without a Bus needs no Close.
//
// Close also stops the tasks running on this node: they end failed ("the server stopped the task"), and
// Close waits for their handlers to return.
func (s *Server) Close() error {
	s.tasks.close()
	if s.bus != nil {
		s.bus.close()
	}
	return nil
}

func (l *busLink) close() {
	l.once.Do(func() {
		l.cancel()
		l.wg.Wait()
	})
}

// publish queues a change made on this node for the other nodes. It never blocks.
func (l *busLink) publish(method string, params jsontext.Value) {
	if p := l.pending[method]; p != nil && p.Swap(true) {
		return // the same list_changed is already waiting
	}
	msg, err := json.Marshal(&changeEnvelope{Node: l.node, Method: method, Params: params})
	if err != nil {
		l.s.log.Error("mcp: encoding a change for the bus", "method", method, "err", err)
		return
	}
	select {
	case l.out <- busMsg{method, msg}:
	default:
		if p := l.pending[method]; p != nil {
			p.Store(false)
		}
		l.s.log.Warn("mcp: too many changes waiting for the bus; other nodes miss this one", "method", method)
	}
}

func (l *busLink) publishLoop(ctx context.Context) {
	defer l.wg.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case m := <-l.out:
			if ctx.Err() != nil {
				return
			}
			if p := l.pending[m.method]; p != nil {
				p.Store(false) // a change after this point is published again
			}
			pctx, cancel := context.WithTimeout(ctx, busPublishTimeout)
			err := l.bus.Publish(pctx, ChangesTopic, m.body)
			cancel()
			if err != nil {
				l.s.log.Error("mcp: publishing a change to other nodes", "method", m.method, "err", err)
			}
		}
	}
}

func (l *busLink) receiveLoop(ctx context.Context, sub store.Subscription) {
	defer l.wg.Done()
	for {
		for pause := busRetry; sub == nil; pause = min(2*pause, busRetryMax) {
			t := time.NewTimer(pause)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			var err error
			if sub, err = l.bus.Subscribe(ctx, ChangesTopic); err != nil {
				l.s.log.Error("mcp: subscribing to other nodes' changes; retrying", "topic", ChangesTopic, "in", min(2*pause, busRetryMax), "err", err)
				sub = nil
			}
		}
		for msg := range sub.C() {
			l.receive(msg)
		}
		_ = sub.Close()
		sub = nil
		if ctx.Err() != nil {
			return
		}
	}
}

// receive delivers another node's change to this node's subscribers, as if it had been made here.
func (l *busLink) receive(msg []byte) {
	var env changeEnvelope
	if err := json.Unmarshal(msg, &env); err != nil {
		l.s.log.Warn("mcp: a malformed change on the bus", "err", err)
		return
	}
	if env.Node == l.node {
		return // delivered locally when it was made
	}
	s := l.s
	switch env.Method {
	case mcp.MethodNotificationResourceUpdated:
		var p mcp.ResourceUpdatedParams
		if err := json.Unmarshal(env.Params, &p); err != nil || p.URI == "" {
			s.log.Warn("mcp: a resources/updated without a uri on the bus", "node", env.Node)
			return
		}
		s.broadcast(env.Method, env.Params, func(ss *session) bool { return ss.subscribed(p.URI) })
	case mcp.MethodNotificationToolsListChanged, mcp.MethodNotificationResourcesListChanged, mcp.MethodNotificationPromptsListChanged:
		s.broadcast(env.Method, nil, nil)
		env.Params = nil
	case mcp.MethodNotificationTasks: // for subscriptions/listen streams only
	default: // a newer node's kind of change, during a rolling update: not an error
		s.log.Debug("mcp: an unknown change on the bus", "node", env.Node, "method", env.Method)
		return
	}
	s.notifyListeners(env.Method, env.Params)
}
