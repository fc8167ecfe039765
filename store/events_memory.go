package store

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// MemoryEventOptions configures NewMemoryEventStore. Zero values choose the defaults.
type MemoryEventOptions struct {
	// MaxEventsPerStream keeps only the newest events of a stream (default 1000).
	MaxEventsPerStream int
	// MaxAge is the resumability window: events older than this are dropped (default 10 minutes).
	MaxAge time.Duration
	// MaxBytesPerSession bounds the event data a session holds, over all its streams (default 4 MiB); the
	// oldest events go first. The newest event is always kept, even when it alone is larger. It should exceed
	// the transport's queue budget (streamable.Options.MaxQueuedBytes, 1 MiB), so that a client ended for
	// reading too slowly finds its events when it resumes.
	MaxBytesPerSession int64
	// MaxBytes bounds the event data held for all sessions (default 256 MiB); the oldest events go first.
	MaxBytes int64
	// Now is the clock (tests). Nil uses time.Now.
	Now func() time.Time
}

// MemoryEventStore is an EventStore in this process's memory. Dropped events are never skipped over: a
// Replay that would need one fails with ErrNotFound. It is an EventWatcher: its wake-ups reach the watches
// of this process (several handlers sharing it, as nodes share Redis).
type MemoryEventStore struct {
	opts MemoryEventOptions
	mu   sync.Mutex
	m    map[string]*eventSession // session → its streams
	seq  uint64                   // the last sequence number given (one counter for the whole store)
	// fifo lists events in append order (oldest first) for the age and MaxBytes sweeps. Entries of events
	// already dropped another way stay until reached (or compacted).
	fifo  []fifoEntry
	live  int   // events held
	bytes int64 // event data held
	watch watchers
}

type eventSession struct {
	streams map[string]*eventStream
	bytes   int64
}

type eventStream struct {
	// floor: events with seq ≤ floor may have been dropped, so a replay after an id below it fails.
	floor  uint64
	events []storedEvent
	lease  streamLease // Leases: the request whose response the stream carries
}

type storedEvent struct {
	seq  uint64
	at   time.Time
	data []byte
}

type fifoEntry struct {
	session, stream string
	seq             uint64
	at              time.Time
}

// NewMemoryEventStore returns an empty in-memory event log.
func NewMemoryEventStore(opts MemoryEventOptions) *MemoryEventStore {
	if opts.MaxEventsPerStream <= 0 {
		opts.MaxEventsPerStream = 1000
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = 10 * time.Minute
	}
	if opts.MaxBytesPerSession <= 0 {
		opts.MaxBytesPerSession = 4 << 20
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = 256 << 20
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &MemoryEventStore{opts: opts, m: make(map[string]*eventSession)}
}

// Append implements EventStore. The stream's watches (Watch) are woken: it is AppendWatched.
func (st *MemoryEventStore) Append(ctx context.Context, sessionID, streamID string, data []byte) (string, error) {
	id, _, err := st.AppendWatched(ctx, sessionID, streamID, data)
	return id, err
}

func (st *MemoryEventStore) append(sessionID, streamID string, data []byte) (string, error) {
	if !ValidStreamID(streamID) {
		return "", fmt.Errorf("store: invalid stream id %q (empty or contains '/')", streamID)
	}
	now := st.opts.Now()
	st.mu.Lock()
	defer st.mu.Unlock()
	id, _ := st.appendLocked(sessionID, streamID, data, now)
	return id, nil
}

// appendLocked appends one event and returns its id and its stream.
func (st *MemoryEventStore) appendLocked(sessionID, streamID string, data []byte, now time.Time) (string, *eventStream) {
	st.sweepLocked(now)
	sess := st.m[sessionID]
	if sess == nil {
		sess = &eventSession{streams: make(map[string]*eventStream)}
		st.m[sessionID] = sess
	}
	s := sess.streams[streamID]
	if s == nil {
		// Nothing before this point belongs to the stream as held now (it may have been dropped whole).
		s = &eventStream{floor: st.seq}
		sess.streams[streamID] = s
	}
	st.seq++
	seq := st.seq
	s.events = append(s.events, storedEvent{seq: seq, at: now, data: append([]byte(nil), data...)})
	st.fifo = append(st.fifo, fifoEntry{session: sessionID, stream: streamID, seq: seq, at: now})
	st.live++
	n := int64(len(data))
	sess.bytes += n
	st.bytes += n
	if over := len(s.events) - st.opts.MaxEventsPerStream; over > 0 {
		st.dropFirstLocked(sess, s, over)
	}
	for sess.bytes > st.opts.MaxBytesPerSession && st.dropOldestLocked(sess, seq) {
	}
	for st.bytes > st.opts.MaxBytes && len(st.fifo) > 0 && st.popLocked() {
	}
	return EventID(streamID, seq), s
}

// dropFirstLocked drops the first n events of s.
func (st *MemoryEventStore) dropFirstLocked(sess *eventSession, s *eventStream, n int) {
	for _, e := range s.events[:n] {
		sess.bytes -= int64(len(e.data))
		st.bytes -= int64(len(e.data))
	}
	st.live -= n
	s.floor = s.events[n-1].seq
	clear(s.events[:n])
	s.events = s.events[n:]
	if len(s.events) == 0 {
		s.events = nil
	}
}

// dropOldestLocked drops the session's oldest event other than keep; false when there is none.
func (st *MemoryEventStore) dropOldestLocked(sess *eventSession, keep uint64) bool {
	var oldest *eventStream
	var oldestID string
	for id, s := range sess.streams {
		if len(s.events) > 0 && s.events[0].seq != keep && (oldest == nil || s.events[0].seq < oldest.events[0].seq) {
			oldest, oldestID = s, id
		}
	}
	if oldest == nil {
		return false
	}
	st.dropFirstLocked(sess, oldest, 1)
	if len(oldest.events) == 0 {
		// Nothing left to replay (a resume past it is told the events are gone); kept, emptied streams would
		// pile up in a session that keeps opening streams, and every append scans them.
		delete(sess.streams, oldestID)
	}
	return true
}

// popLocked drops the event at the front of the fifo if it is still held; it reports whether the fifo
// moved.
func (st *MemoryEventStore) popLocked() bool {
	e := st.fifo[0]
	st.fifo[0] = fifoEntry{}
	st.fifo = st.fifo[1:]
	sess := st.m[e.session]
	if sess == nil {
		return true
	}
	s := sess.streams[e.stream]
	if s != nil && len(s.events) > 0 && s.events[0].seq == e.seq {
		st.dropFirstLocked(sess, s, 1)
	}
	if s != nil && len(s.events) == 0 {
		delete(sess.streams, e.stream) // nothing left to replay; a later event starts above the floor
	}
	if len(sess.streams) == 0 {
		delete(st.m, e.session)
	}
	return true
}

// sweepLocked drops events older than MaxAge, and compacts the fifo when it is mostly stale.
func (st *MemoryEventStore) sweepLocked(now time.Time) {
	for len(st.fifo) > 0 && now.Sub(st.fifo[0].at) > st.opts.MaxAge {
		st.popLocked()
	}
	if len(st.fifo) > 1024 && len(st.fifo) > 2*st.live {
		kept := make([]fifoEntry, 0, st.live)
		for _, e := range st.fifo {
			if s := st.m[e.session]; s != nil {
				if es := s.streams[e.stream]; es != nil && len(es.events) > 0 && es.events[0].seq <= e.seq {
					kept = append(kept, e)
				}
			}
		}
		st.fifo = kept
	}
	if len(st.fifo) == 0 {
		st.fifo = nil
	}
}

// Replay implements EventStore.
func (st *MemoryEventStore) Replay(ctx context.Context, sessionID, lastEventID string, fn func(string, []byte) error) (string, error) {
	streamID, seq, err := ParseEventID(lastEventID)
	if err != nil {
		return "", ErrNotFound
	}
	now := st.opts.Now()
	st.mu.Lock()
	st.sweepLocked(now)
	var s *eventStream
	if sess := st.m[sessionID]; sess != nil {
		s = sess.streams[streamID]
	}
	if seq == 0 && s == nil {
		st.mu.Unlock()
		return streamID, nil // from the start of a stream that holds nothing
	}
	// The events after lastEventID must all still be held, or some were lost: refuse rather than skip.
	if s == nil || (seq != 0 && seq < s.floor) || seq > st.seq {
		st.mu.Unlock()
		return "", ErrNotFound
	}
	var pending []storedEvent
	for _, e := range s.events {
		if e.seq > seq {
			pending = append(pending, e)
		}
	}
	st.mu.Unlock()
	for _, e := range pending {
		if err := ctx.Err(); err != nil {
			return streamID, err
		}
		if err := fn(EventID(streamID, e.seq), e.data); err != nil {
			return streamID, err
		}
	}
	return streamID, nil
}

// DeleteStream implements EventStore.
func (st *MemoryEventStore) DeleteStream(_ context.Context, sessionID, streamID string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	sess := st.m[sessionID]
	if sess == nil {
		return nil
	}
	if s := sess.streams[streamID]; s != nil {
		st.forgetLocked(sess, s)
		delete(sess.streams, streamID)
	}
	if len(sess.streams) == 0 {
		delete(st.m, sessionID)
	}
	return nil
}

// DeleteSession implements EventStore.
func (st *MemoryEventStore) DeleteSession(_ context.Context, sessionID string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if sess := st.m[sessionID]; sess != nil {
		for _, s := range sess.streams {
			st.forgetLocked(sess, s)
		}
		delete(st.m, sessionID)
	}
	return nil
}

func (st *MemoryEventStore) forgetLocked(sess *eventSession, s *eventStream) {
	for _, e := range s.events {
		sess.bytes -= int64(len(e.data))
		st.bytes -= int64(len(e.data))
	}
	st.live -= len(s.events)
	s.events = nil
}

// Bytes returns the event data held, for metrics and tests.
func (st *MemoryEventStore) Bytes() int64 {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.bytes
}

// Streams returns how many streams the store holds for a session (for monitoring and tests).
func (st *MemoryEventStore) Streams(sessionID string) int {
	st.mu.Lock()
	defer st.mu.Unlock()
	if sess := st.m[sessionID]; sess != nil {
		return len(sess.streams)
	}
	return 0
}
