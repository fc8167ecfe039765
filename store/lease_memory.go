package store

import (
	"context"
	"fmt"
	"time"
)

var _ Leases = (*MemoryEventStore)(nil)

// streamLease is a stream's Leases record in the memory store.
type streamLease struct {
	requestID string    // "" when never leased
	until     time.Time // zero once released
	final     bool
}

func (l *streamLease) held(now time.Time) bool { return !l.until.IsZero() && now.Before(l.until) }

// streamLocked returns the stream if held.
func (st *MemoryEventStore) streamLocked(sessionID, streamID string) *eventStream {
	if sess := st.m[sessionID]; sess != nil {
		return sess.streams[streamID]
	}
	return nil
}

// AppendLeased implements Leases. The stream's watches are woken, as by Append.
func (st *MemoryEventStore) AppendLeased(_ context.Context, sessionID, streamID string, data []byte, lease Lease) (string, error) {
	id, err := st.appendLeased(sessionID, streamID, data, lease)
	if err == nil {
		st.watch.wake(watchKey{sessionID, streamID}, id)
	}
	return id, err
}

func (st *MemoryEventStore) appendLeased(sessionID, streamID string, data []byte, lease Lease) (string, error) {
	if !ValidStreamID(streamID) {
		return "", fmt.Errorf("store: invalid stream id %q (empty or contains '/')", streamID)
	}
	now := st.opts.Now()
	st.mu.Lock()
	defer st.mu.Unlock()
	id, s := st.appendLocked(sessionID, streamID, data, now)
	if s != nil && !s.lease.final {
		s.lease.requestID, s.lease.until = lease.RequestID, now.Add(lease.TTL)
	}
	return id, nil
}

// AppendFinal implements Leases. The stream's watches are woken, as by Append.
func (st *MemoryEventStore) AppendFinal(_ context.Context, sessionID, streamID string, data []byte) (string, error) {
	id, err := st.appendFinal(sessionID, streamID, data)
	if err == nil {
		st.watch.wake(watchKey{sessionID, streamID}, id)
	}
	return id, err
}

func (st *MemoryEventStore) appendFinal(sessionID, streamID string, data []byte) (string, error) {
	if !ValidStreamID(streamID) {
		return "", fmt.Errorf("store: invalid stream id %q (empty or contains '/')", streamID)
	}
	now := st.opts.Now()
	st.mu.Lock()
	defer st.mu.Unlock()
	st.sweepLocked(now)
	if s := st.streamLocked(sessionID, streamID); s != nil && s.lease.final {
		return "", ErrFinal
	}
	id, s := st.appendLocked(sessionID, streamID, data, now)
	if s != nil {
		s.lease.until, s.lease.final = time.Time{}, true
	}
	return id, nil
}

// RefreshLeases implements Leases.
func (st *MemoryEventStore) RefreshLeases(_ context.Context, streams []StreamRef, ttl time.Duration) error {
	now := st.opts.Now()
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, r := range streams {
		if s := st.streamLocked(r.Session, r.Stream); s != nil && s.lease.held(now) {
			s.lease.until = now.Add(ttl)
		}
	}
	return nil
}

// StreamState implements Leases.
func (st *MemoryEventStore) StreamState(_ context.Context, sessionID, streamID string) (StreamState, error) {
	now := st.opts.Now()
	st.mu.Lock()
	defer st.mu.Unlock()
	st.sweepLocked(now)
	s := st.streamLocked(sessionID, streamID)
	if s == nil {
		return StreamState{}, nil
	}
	return StreamState{RequestID: s.lease.requestID, Leased: s.lease.held(now), Final: s.lease.final}, nil
}

// AppendOrphaned implements Leases. The stream's watches are woken, as by Append.
func (st *MemoryEventStore) AppendOrphaned(_ context.Context, sessionID, streamID string, data []byte) (string, error) {
	id, err := st.appendOrphaned(sessionID, streamID, data)
	if err == nil {
		st.watch.wake(watchKey{sessionID, streamID}, id)
	}
	return id, err
}

func (st *MemoryEventStore) appendOrphaned(sessionID, streamID string, data []byte) (string, error) {
	now := st.opts.Now()
	st.mu.Lock()
	defer st.mu.Unlock()
	st.sweepLocked(now)
	s := st.streamLocked(sessionID, streamID)
	switch {
	case s == nil || s.lease.requestID == "":
		return "", ErrNotFound
	case s.lease.final:
		return "", ErrFinal
	case s.lease.held(now):
		return "", ErrLeased
	}
	id, s := st.appendLocked(sessionID, streamID, data, now)
	if s != nil {
		s.lease.until, s.lease.final = time.Time{}, true
	}
	return id, nil
}
