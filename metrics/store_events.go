package metrics

import (
	"context"
	"time"

	"github.com/mcpkit/mcpkit/store"
)

// EventStore returns e counted under the store label name. When e is a store.EventWatcher or
// store.Leases (store/redis's and the memory event stores are both), so is the result.
func (m *Metrics) EventStore(name string, e store.EventStore) store.EventStore {
	base := &events{e: e, appendOp: m.op(name, "event_append"), replay: m.op(name, "event_replay"),
		delStream: m.op(name, "event_delete_stream"), delSession: m.op(name, "event_delete_session")}
	var wat *watcher
	if w, ok := e.(store.EventWatcher); ok {
		wat = &watcher{w: w, watch: m.op(name, "event_watch"), appendW: m.op(name, "event_append_watched")}
	}
	var lea *leases
	if l, ok := e.(store.Leases); ok {
		lea = &leases{l: l, leased: m.op(name, "event_append_leased"), final: m.op(name, "event_append_final"),
			refresh: m.op(name, "lease_refresh"), state: m.op(name, "stream_state"), orphaned: m.op(name, "event_append_orphaned")}
	}
	switch {
	case wat != nil && lea != nil:
		return &eventsWatchLease{base, wat, lea}
	case wat != nil:
		return &eventsWatch{base, wat}
	case lea != nil:
		return &eventsLease{base, lea}
	}
	return base
}

type events struct {
	e                                       store.EventStore
	appendOp, replay, delStream, delSession *op
}

type watcher struct {
	w              store.EventWatcher
	watch, appendW *op
}

type leases struct {
	l                                       store.Leases
	leased, final, refresh, state, orphaned *op
}

type eventsWatch struct {
	*events
	*watcher
}

type eventsLease struct {
	*events
	*leases
}

type eventsWatchLease struct {
	*events
	*watcher
	*leases
}

func (w *events) Append(ctx context.Context, sessionID, streamID string, data []byte) (string, error) {
	t := time.Now()
	id, err := w.e.Append(ctx, sessionID, streamID, data)
	w.appendOp.done(t, err)
	return id, err
}

func (w *events) Replay(ctx context.Context, sessionID, lastEventID string, fn func(eventID string, data []byte) error) (string, error) {
	t := time.Now()
	id, err := w.e.Replay(ctx, sessionID, lastEventID, fn)
	w.replay.done(t, err)
	return id, err
}

func (w *events) DeleteStream(ctx context.Context, sessionID, streamID string) error {
	t := time.Now()
	err := w.e.DeleteStream(ctx, sessionID, streamID)
	w.delStream.done(t, err)
	return err
}

func (w *events) DeleteSession(ctx context.Context, sessionID string) error {
	t := time.Now()
	err := w.e.DeleteSession(ctx, sessionID)
	w.delSession.done(t, err)
	return err
}

func (w *watcher) Watch(ctx context.Context, sessionID, streamID string) (store.Subscription, error) {
	t := time.Now()
	s, err := w.w.Watch(ctx, sessionID, streamID)
	w.watch.done(t, err)
	return s, err
}

func (w *watcher) AppendWatched(ctx context.Context, sessionID, streamID string, data []byte) (string, int, error) {
	t := time.Now()
	id, n, err := w.w.AppendWatched(ctx, sessionID, streamID, data)
	w.appendW.done(t, err)
	return id, n, err
}

func (w *leases) AppendLeased(ctx context.Context, sessionID, streamID string, data []byte, lease store.Lease) (string, error) {
	t := time.Now()
	id, err := w.l.AppendLeased(ctx, sessionID, streamID, data, lease)
	w.leased.done(t, err)
	return id, err
}

func (w *leases) AppendFinal(ctx context.Context, sessionID, streamID string, data []byte) (string, error) {
	t := time.Now()
	id, err := w.l.AppendFinal(ctx, sessionID, streamID, data)
	w.final.done(t, err)
	return id, err
}

func (w *leases) RefreshLeases(ctx context.Context, streams []store.StreamRef, ttl time.Duration) error {
	t := time.Now()
	err := w.l.RefreshLeases(ctx, streams, ttl)
	w.refresh.done(t, err)
	return err
}

func (w *leases) StreamState(ctx context.Context, sessionID, streamID string) (store.StreamState, error) {
	t := time.Now()
	st, err := w.l.StreamState(ctx, sessionID, streamID)
	w.state.done(t, err)
	return st, err
}

func (w *leases) AppendOrphaned(ctx context.Context, sessionID, streamID string, data []byte) (string, error) {
	t := time.Now()
	id, err := w.l.AppendOrphaned(ctx, sessionID, streamID, data)
	w.orphaned.done(t, err)
	return id, err
}

// TaskStore returns s counted under the store label name; a store.TaskQuotaStore stays one.
func (m *Metrics) TaskStore(name string, s store.TaskStore) store.TaskStore {
	w := &tasks{s: s, create: m.op(name, "task_create"), get: m.op(name, "task_get"), update: m.op(name, "task_update"),
		list: m.op(name, "task_list"), del: m.op(name, "task_delete")}
	if q, ok := s.(store.TaskQuotaStore); ok {
		return &quotaTasks{tasks: w, q: q, createQ: m.op(name, "task_create")}
	}
	return w
}

type tasks struct {
	s                              store.TaskStore
	create, get, update, list, del *op
}

func (w *tasks) CreateTask(ctx context.Context, rec *store.TaskRecord, maxPerOwner int) error {
	t := time.Now()
	err := w.s.CreateTask(ctx, rec, maxPerOwner)
	w.create.done(t, err)
	return err
}

func (w *tasks) GetTask(ctx context.Context, id string) (*store.TaskRecord, error) {
	t := time.Now()
	rec, err := w.s.GetTask(ctx, id)
	w.get.done(t, err)
	return rec, err
}

func (w *tasks) UpdateTask(ctx context.Context, id string, fn func(*store.TaskRecord) error) (*store.TaskRecord, error) {
	t := time.Now()
	rec, err := w.s.UpdateTask(ctx, id, fn)
	w.update.done(t, err)
	return rec, err
}

func (w *tasks) ListTasks(ctx context.Context, owner, cursor string, limit int) ([]*store.TaskRecord, string, error) {
	t := time.Now()
	recs, next, err := w.s.ListTasks(ctx, owner, cursor, limit)
	w.list.done(t, err)
	return recs, next, err
}

func (w *tasks) DeleteTask(ctx context.Context, id string) error {
	t := time.Now()
	err := w.s.DeleteTask(ctx, id)
	w.del.done(t, err)
	return err
}

type quotaTasks struct {
	*tasks
	q       store.TaskQuotaStore
	createQ *op
}

func (w *quotaTasks) CreateTaskQuota(ctx context.Context, rec *store.TaskRecord, maxPerOwner int, quota store.TaskQuota) error {
	t := time.Now()
	err := w.q.CreateTaskQuota(ctx, rec, maxPerOwner, quota)
	w.createQ.done(t, err)
	return err
}
