package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mcpkit/mcpkit/store"
)

// EventStore is a store.EventStore on Redis: one Redis Stream per SSE stream, appended, trimmed (per
// stream by count, per session by bytes, by age) and replayed by Lua scripts, one round trip each. Event
// ids are store.EventID(stream, seq): seq comes from a counter per session that starts at the first
// append's Unix time in microseconds, so an id is never reused, even after the session's keys expired or
// were deleted. A replay that would need a dropped event fails with store.ErrNotFound, as in the memory
// store. It is a store.EventWatcher: the append script PUBLISHes each event's id on its stream's channel,
// which Watch subscribes through the Store's Bus.
type EventStore struct {
	c    goredis.UniversalClient
	bus  *Bus // carries the wake-ups of Watch
	opts Options
	now  func() time.Time // the clock of ages (tests set it)
}

var _ store.EventWatcher = (*EventStore)(nil)

// keys returns the session's hash, its sorted set and the prefix of its stream keys.
func (st *EventStore) keys(sessionID string) (m, z, streamPrefix string) {
	base := st.opts.Prefix + "e:{" + sessionID + "}:"
	return base + "m", base + "z", base + "s:"
}

// leasePrefix is the prefix of the session's lease keys (one per leased stream, see leases.go).
func (st *EventStore) leasePrefix(sessionID string) string {
	return st.opts.Prefix + "e:{" + sessionID + "}:l:"
}

// Append implements store.EventStore. The stream's watches are woken (Watch) by the same script: no
// extra round trip.
func (st *EventStore) Append(ctx context.Context, sessionID, streamID string, data []byte) (string, error) {
	id, _, err := st.AppendWatched(ctx, sessionID, streamID, data)
	return id, err
}

// AppendWatched implements store.EventWatcher: one round trip, the Lua script that appends also PUBLISHes
// the event's id on the stream's channel; PUBLISH's count of receivers is the count of nodes watching it
// (each node's Bus has one pub/sub connection).
func (st *EventStore) AppendWatched(ctx context.Context, sessionID, streamID string, data []byte) (string, int, error) {
	return st.append(ctx, sessionID, streamID, data, "", store.Lease{})
}

// append runs appendScript in mode (see it; every mode wakes the stream's watches) and maps its refusals
// to store errors.
func (st *EventStore) append(ctx context.Context, sessionID, streamID string, data []byte, mode string, lease store.Lease) (string, int, error) {
	if !store.ValidStreamID(streamID) {
		return "", 0, fmt.Errorf("store: invalid stream id %q (empty or contains '/')", streamID)
	}
	m, z, sp := st.keys(sessionID)
	now := st.now().UnixMilli()
	res, err := appendScript.Run(ctx, st.c, []string{m, z, sp + streamID, st.leasePrefix(sessionID) + streamID},
		streamID, data, now, ms(st.opts.EventMaxAge), st.opts.MaxEventsPerStream, st.opts.MaxEventBytesPerSession,
		sp, now*1000, st.bus.channel(store.WatchTopic(sessionID, streamID)), mode, lease.Node, ms(lease.TTL),
		lease.RequestID).Result()
	if err != nil {
		return "", 0, fmt.Errorf("store/redis: appending an event: %w", err)
	}
	switch res {
	case "final":
		return "", 0, store.ErrFinal
	case "leased":
		return "", 0, store.ErrLeased
	case "none":
		return "", 0, store.ErrNotFound
	}
	pair, ok := res.([]any)
	if !ok || len(pair) != 2 {
		return "", 0, fmt.Errorf("store/redis: append returned %v, not a sequence number and a count", res)
	}
	text, _ := pair[0].(string)
	seq, err := strconv.ParseUint(text, 10, 64)
	if err != nil {
		return "", 0, fmt.Errorf("store/redis: append returned %q, not a sequence number", text)
	}
	woken, _ := pair[1].(int64)
	return store.EventID(streamID, seq), int(woken), nil
}

// Watch implements store.EventWatcher: a subscription of the Bus to the stream's channel (one SUBSCRIBE per
// stream and node, shared by that node's readers of the stream).
func (st *EventStore) Watch(ctx context.Context, sessionID, streamID string) (store.Subscription, error) {
	return st.bus.Subscribe(ctx, store.WatchTopic(sessionID, streamID))
}

// Replay implements store.EventStore.
func (st *EventStore) Replay(ctx context.Context, sessionID, lastEventID string, fn func(string, []byte) error) (string, error) {
	streamID, seq, err := store.ParseEventID(lastEventID)
	if err != nil || !store.ValidStreamID(streamID) {
		return "", store.ErrNotFound
	}
	m, z, sp := st.keys(sessionID)
	res, err := replayScript.Run(ctx, st.c, []string{m, z, sp + streamID},
		streamID, strconv.FormatUint(seq, 10), st.now().UnixMilli(), ms(st.opts.EventMaxAge), sp).Result()
	if errors.Is(err, goredis.Nil) {
		return "", store.ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("store/redis: replaying events: %w", err)
	}
	entries, err := parseEntries(res)
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return streamID, err
		}
		if err := fn(store.EventID(streamID, e.seq), e.data); err != nil {
			return streamID, err
		}
	}
	return streamID, nil
}

// DeleteStream implements store.EventStore.
func (st *EventStore) DeleteStream(ctx context.Context, sessionID, streamID string) error {
	if !store.ValidStreamID(streamID) {
		return nil
	}
	m, z, sp := st.keys(sessionID)
	if err := deleteStreamScript.Run(ctx, st.c, []string{m, z, sp + streamID, st.leasePrefix(sessionID) + streamID}, streamID).Err(); err != nil {
		return fmt.Errorf("store/redis: deleting a stream: %w", err)
	}
	return nil
}

// DeleteSession implements store.EventStore.
func (st *EventStore) DeleteSession(ctx context.Context, sessionID string) error {
	m, z, sp := st.keys(sessionID)
	if err := deleteSessionScript.Run(ctx, st.c, []string{m, z}, sp, st.leasePrefix(sessionID)).Err(); err != nil {
		return fmt.Errorf("store/redis: deleting a session's events: %w", err)
	}
	return nil
}

type entry struct {
	seq  uint64
	data []byte
}

// parseEntries reads XRANGE's reply as the script returns it: a list of [id, [field, value, ...]].
func parseEntries(res any) ([]entry, error) {
	list, ok := res.([]any)
	if !ok {
		return nil, fmt.Errorf("store/redis: replay returned %T, not a list of entries", res)
	}
	out := make([]entry, 0, len(list))
	for _, item := range list {
		pair, ok := item.([]any)
		if !ok || len(pair) != 2 {
			return nil, fmt.Errorf("store/redis: replay returned a malformed entry %v", item)
		}
		id, _ := pair[0].(string)
		seq, err := parseEntryID(id)
		if err != nil {
			return nil, err
		}
		fields, _ := pair[1].([]any)
		var data []byte
		found := false
		for i := 0; i+1 < len(fields); i += 2 {
			if f, _ := fields[i].(string); f == "d" {
				s, ok := fields[i+1].(string)
				if !ok {
					return nil, fmt.Errorf("store/redis: entry %s has data of type %T", id, fields[i+1])
				}
				data, found = []byte(s), true
			}
		}
		if !found {
			return nil, fmt.Errorf("store/redis: entry %s has no data field", id)
		}
		out = append(out, entry{seq: seq, data: data})
	}
	return out, nil
}

// entryID is the Redis Stream entry id of the event with sequence number seq.
func entryID(seq uint64) string { return strconv.FormatUint(seq, 10) + "-0" }

// parseEntryID reverses entryID: "<seq>-0" with seq a decimal number without sign or leading zeros.
func parseEntryID(id string) (uint64, error) {
	digits, ok := strings.CutSuffix(id, "-0")
	if !ok || digits == "" || (len(digits) > 1 && digits[0] == '0') || digits[0] == '+' {
		return 0, fmt.Errorf("store/redis: malformed stream entry id %q", id)
	}
	seq, err := strconv.ParseUint(digits, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("store/redis: malformed stream entry id %q", id)
	}
	return seq, nil
}
