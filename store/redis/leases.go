package redis

import (
	"context"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mcpkit/mcpkit/store"
)

// The event log's leases (store.Leases). A leased stream has, in its session's hash, "r:<stream>" (the
// request's JSON id) and, once its final event is stored, "x:<stream>"; its lease is the key
// P e:{S}:l:<stream> (value: the node id) with the lease's TTL. AppendLeased, AppendFinal and
// AppendOrphaned are the append script in another mode: one round trip each, like Append, and like it
// they wake the stream's watches (a follower on another node delivers the response or the orphan error).

var _ store.Leases = (*EventStore)(nil)

// AppendLeased implements store.Leases.
func (st *EventStore) AppendLeased(ctx context.Context, sessionID, streamID string, data []byte, lease store.Lease) (string, error) {
	id, _, err := st.append(ctx, sessionID, streamID, data, "L", lease)
	return id, err
}

// AppendFinal implements store.Leases.
func (st *EventStore) AppendFinal(ctx context.Context, sessionID, streamID string, data []byte) (string, error) {
	id, _, err := st.append(ctx, sessionID, streamID, data, "F", store.Lease{})
	return id, err
}

// AppendOrphaned implements store.Leases.
func (st *EventStore) AppendOrphaned(ctx context.Context, sessionID, streamID string, data []byte) (string, error) {
	id, _, err := st.append(ctx, sessionID, streamID, data, "O", store.Lease{})
	return id, err
}

// RefreshLeases implements store.Leases: one pipelined PEXPIRE per lease, one round trip in all (on a
// Cluster, one per node holding some of them). PEXPIRE leaves a missing key missing.
func (st *EventStore) RefreshLeases(ctx context.Context, streams []store.StreamRef, ttl time.Duration) error {
	if len(streams) == 0 {
		return nil
	}
	_, err := st.c.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for _, r := range streams {
			p.PExpire(ctx, st.leasePrefix(r.Session)+r.Stream, time.Duration(ms(ttl))*time.Millisecond)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store/redis: refreshing %d leases: %w", len(streams), err)
	}
	return nil
}

// StreamState implements store.Leases (one round trip).
func (st *EventStore) StreamState(ctx context.Context, sessionID, streamID string) (store.StreamState, error) {
	m, _, _ := st.keys(sessionID)
	res, err := stateScript.Run(ctx, st.c, []string{m, st.leasePrefix(sessionID) + streamID}, streamID).Slice()
	if err != nil {
		return store.StreamState{}, fmt.Errorf("store/redis: reading a stream's lease: %w", err)
	}
	if len(res) != 3 {
		return store.StreamState{}, fmt.Errorf("store/redis: lease state returned %d values, want 3", len(res))
	}
	var s store.StreamState
	s.RequestID, _ = res[0].(string)
	s.Final = res[1] == int64(1)
	s.Leased = res[2] == int64(1)
	return s, nil
}
