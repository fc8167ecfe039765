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
	// MaxAge drops events older than this (default 10 minutes).
	MaxAge time.Duration
	// Now is the clock (tests). Nil uses time.Now.
	Now func() time.Time
}

// MemoryEventStore is an EventStore in this process's memory.
type MemoryEventStore struct {
	opts MemoryEventOptions
	mu   sync.Mutex
	m    map[string]map[string]*eventStream // session → stream → events
}

type eventStream struct {
	next   uint64 // sequence number of the next event
	events []storedEvent
}

type storedEvent struct {
	seq  uint64
	at   time.Time
	data []byte
}

// NewMemoryEventStore returns an empty in-memory event log.
func NewMemoryEventStore(opts MemoryEventOptions) *MemoryEventStore {
	if opts.MaxEventsPerStream <= 0 {
		opts.MaxEventsPerStream = 1000
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = 10 * time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &MemoryEventStore{opts: opts, m: make(map[string]map[string]*eventStream)}
}

// Append implements EventStore.
func (st *MemoryEventStore) Append(_ context.Context, sessionID, streamID string, data []byte) (string, error) {
	if !ValidStreamID(streamID) {
		return "", fmt.Errorf("store: invalid stream id %q (empty or contains '/')", streamID)
	}
	now := st.opts.Now()
	st.mu.Lock()
	defer st.mu.Unlock()
	streams := st.m[sessionID]
	if streams == nil {
		streams = make(map[string]*eventStream)
		st.m[sessionID] = streams
	}
	s := streams[streamID]
	if s == nil {
		s = &eventStream{next: 1}
		streams[streamID] = s
	}
	seq := s.next
	s.next++
	s.events = append(s.events, storedEvent{seq: seq, at: now, data: append([]byte(nil), data...)})
	st.trimLocked(s, now)
	return EventID(streamID, seq), nil
}

func (st *MemoryEventStore) trimLocked(s *eventStream, now time.Time) {
	drop := 0
	if n := len(s.events) - st.opts.MaxEventsPerStream; n > 0 {
		drop = n
	}
	for drop < len(s.events) && now.Sub(s.events[drop].at) > st.opts.MaxAge {
		drop++
	}
	if drop > 0 {
		s.events = append(s.events[:0], s.events[drop:]...)
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
	s := st.m[sessionID][streamID]
	if s == nil || seq >= s.next {
		st.mu.Unlock()
		return "", ErrNotFound
	}
	st.trimLocked(s, now)
	// The event after lastEventID must still be held, or events were lost: refuse rather than skip.
	firstHeld := s.next - uint64(len(s.events)) // events are contiguous up to next-1
	if firstHeld > seq+1 {
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
	delete(st.m[sessionID], streamID)
	st.mu.Unlock()
	return nil
}

// DeleteSession implements EventStore.
func (st *MemoryEventStore) DeleteSession(_ context.Context, sessionID string) error {
	st.mu.Lock()
	delete(st.m, sessionID)
	st.mu.Unlock()
	return nil
}
