package store

import (
	"context"
	"sync"
	"sync/atomic"
)

// watchers is the memory event store's wake-ups: the mailboxes of the watches of each stream.
type watchers struct {
	n  atomic.Int64 // watches open: Append skips the lock when there are none
	mu sync.Mutex
	m  map[watchKey]map[*memoryWatch]struct{}
}

type watchKey struct{ session, stream string }

// memoryWatch is a Watch of a MemoryEventStore stream.
type memoryWatch struct {
	*Mailbox
	w    *watchers
	key  watchKey
	once sync.Once
}

// watchBuffer is a watch's queue: wake-ups past it are dropped (the reader replays everything after its last
// event at the next one anyway).
const watchBuffer = 16

// Watch implements EventWatcher.
func (st *MemoryEventStore) Watch(ctx context.Context, sessionID, streamID string) (Subscription, error) {
	k := watchKey{sessionID, streamID}
	s := &memoryWatch{Mailbox: NewMailbox(watchBuffer), w: &st.watch, key: k}
	st.watch.mu.Lock()
	if st.watch.m == nil {
		st.watch.m = make(map[watchKey]map[*memoryWatch]struct{})
	}
	if st.watch.m[k] == nil {
		st.watch.m[k] = make(map[*memoryWatch]struct{})
	}
	st.watch.m[k][s] = struct{}{}
	st.watch.n.Add(1)
	st.watch.mu.Unlock()
	s.CloseWhenDone(ctx, s.Close)
	return s, nil
}

// AppendWatched implements EventWatcher. Every watch counts (one process is one node).
func (st *MemoryEventStore) AppendWatched(_ context.Context, sessionID, streamID string, data []byte) (string, int, error) {
	id, err := st.append(sessionID, streamID, data)
	if err != nil {
		return "", 0, err
	}
	return id, st.watch.wake(watchKey{sessionID, streamID}, id), nil
}

// wake sends id to the watches of k and returns how many there are.
func (w *watchers) wake(k watchKey, id string) int {
	if w.n.Load() == 0 {
		return 0
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for s := range w.m[k] {
		s.Deliver([]byte(id))
	}
	return len(w.m[k])
}

// Close implements Subscription.
func (s *memoryWatch) Close() error {
	s.once.Do(func() {
		s.w.mu.Lock()
		delete(s.w.m[s.key], s)
		s.w.n.Add(-1)
		if len(s.w.m[s.key]) == 0 {
			delete(s.w.m, s.key)
		}
		s.w.mu.Unlock()
		s.Shut()
	})
	return nil
}
