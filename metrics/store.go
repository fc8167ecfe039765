package metrics

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mcpkit/mcpkit/store"
)

// The store wrappers count every operation of the store they wrap in store_operations_total{store, op,
// outcome} and its latency in store_operation_duration_seconds{store, op}. The outcome is "ok",
// "not_found" (store.ErrNotFound: an answer, not a failure), "refused" (store.ErrExists, ErrLimit,
// ErrFinal, ErrLeased, ErrTaskTerminal: the store said no, as designed) or "error" (anything else: the
// store failed). A wrapper keeps the optional interfaces of what it wraps (store.EventWatcher,
// store.Leases, store.TaskQuotaStore, store.CountingBus), so that the transports and the
// server use the same paths as without it. name labels the store ("redis", "memory", …).

const (
	storeOK = iota
	storeNotFound
	storeRefused
	storeError
	numStoreOutcomes
)

var storeOutcomeNames = [numStoreOutcomes]string{"ok", "not_found", "refused", "error"}

// op is the series of one operation of one store.
type op struct {
	outcomes [numStoreOutcomes]prometheus.Counter
	latency  prometheus.Observer
}

func (m *Metrics) op(storeName, name string) *op {
	o := &op{latency: m.storeDur.WithLabelValues(storeName, name)}
	for i := range o.outcomes {
		o.outcomes[i] = m.storeOps.WithLabelValues(storeName, name, storeOutcomeNames[i])
	}
	return o
}

// done records one call that started at t and returned err.
func (o *op) done(t time.Time, err error) {
	o.latency.Observe(time.Since(t).Seconds())
	o.outcomes[storeOutcome(err)].Inc()
}

func storeOutcome(err error) int {
	switch {
	case err == nil:
		return storeOK
	case errors.Is(err, store.ErrNotFound):
		return storeNotFound
	case errors.Is(err, store.ErrExists), errors.Is(err, store.ErrLimit), errors.Is(err, store.ErrFinal),
		errors.Is(err, store.ErrLeased), errors.Is(err, store.ErrTaskTerminal):
		return storeRefused
	default:
		return storeError
	}
}

// SessionStore returns s counted under the store label name.
func (m *Metrics) SessionStore(name string, s store.SessionStore) store.SessionStore {
	return &sessionStore{s: s, create: m.op(name, "session_create"), load: m.op(name, "session_load"),
		save: m.op(name, "session_save"), del: m.op(name, "session_delete")}
}

type sessionStore struct {
	s                       store.SessionStore
	create, load, save, del *op
}

func (w *sessionStore) Create(ctx context.Context, st *store.SessionState) error {
	t := time.Now()
	err := w.s.Create(ctx, st)
	w.create.done(t, err)
	return err
}

func (w *sessionStore) Load(ctx context.Context, id string) (*store.SessionState, error) {
	t := time.Now()
	st, err := w.s.Load(ctx, id)
	w.load.done(t, err)
	return st, err
}

func (w *sessionStore) Save(ctx context.Context, st *store.SessionState) error {
	t := time.Now()
	err := w.s.Save(ctx, st)
	w.save.done(t, err)
	return err
}

func (w *sessionStore) Delete(ctx context.Context, id string) error {
	t := time.Now()
	err := w.s.Delete(ctx, id)
	w.del.done(t, err)
	return err
}

// KeyRing returns k counted under the store label name.
func (m *Metrics) KeyRing(name string, k store.KeyRing) store.KeyRing {
	return &keyRing{k: k, current: m.op(name, "key_current"), lookup: m.op(name, "key_lookup"), rotate: m.op(name, "key_rotate")}
}

type keyRing struct {
	k                       store.KeyRing
	current, lookup, rotate *op
}

func (w *keyRing) Current(ctx context.Context) (store.Key, error) {
	t := time.Now()
	k, err := w.k.Current(ctx)
	w.current.done(t, err)
	return k, err
}

func (w *keyRing) Lookup(ctx context.Context, id string) (store.Key, error) {
	t := time.Now()
	k, err := w.k.Lookup(ctx, id)
	w.lookup.done(t, err)
	return k, err
}

func (w *keyRing) Rotate(ctx context.Context) (store.Key, error) {
	t := time.Now()
	k, err := w.k.Rotate(ctx)
	w.rotate.done(t, err)
	return k, err
}

// Bus returns b counted under the store label name (publish, subscribe; a store.CountingBus stays one).
func (m *Metrics) Bus(name string, b store.Bus) store.Bus {
	w := &bus{b: b, publish: m.op(name, "bus_publish"), subscribe: m.op(name, "bus_subscribe")}
	if cb, ok := b.(store.CountingBus); ok {
		return &countingBus{bus: w, cb: cb, count: m.op(name, "bus_publish_count")}
	}
	return w
}

type bus struct {
	b                  store.Bus
	publish, subscribe *op
}

func (w *bus) Publish(ctx context.Context, topic string, msg []byte) error {
	t := time.Now()
	err := w.b.Publish(ctx, topic, msg)
	w.publish.done(t, err)
	return err
}

func (w *bus) Subscribe(ctx context.Context, topic string) (store.Subscription, error) {
	t := time.Now()
	s, err := w.b.Subscribe(ctx, topic)
	w.subscribe.done(t, err)
	return s, err
}

type countingBus struct {
	*bus
	cb    store.CountingBus
	count *op
}

func (w *countingBus) PublishCount(ctx context.Context, topic string, msg []byte) (int, error) {
	t := time.Now()
	n, err := w.cb.PublishCount(ctx, topic, msg)
	w.count.done(t, err)
	return n, err
}
