package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// EventStore is the event log behind resumable SSE streams: every event sent on a stream is appended, and
// a client reconnecting with Last-Event-ID gets the events after it, on the same stream, in order.
type EventStore interface {
	// Append records data as the next event of the stream and returns its event id. data is copied.
	Append(ctx context.Context, sessionID, streamID string, data []byte) (eventID string, err error)
	// Replay calls fn for each event after lastEventID on that event's stream, in order, and returns the
	// stream's id. ErrNotFound when the event id is unknown or has been evicted. A lastEventID with sequence
	// number 0, EventID(stream, 0) (never an event's id), replays every event the stream still holds, from
	// its oldest, and nothing for a stream that holds none.
	Replay(ctx context.Context, sessionID, lastEventID string, fn func(eventID string, data []byte) error) (streamID string, err error)
	// DeleteStream forgets one stream's events.
	DeleteStream(ctx context.Context, sessionID, streamID string) error
	// DeleteSession forgets every stream of a session.
	DeleteSession(ctx context.Context, sessionID string) error
}

// EventID builds an event id: the stream id, a '/', and the event's sequence number on that stream. Stream
// ids must not contain '/'.
func EventID(streamID string, seq uint64) string {
	return streamID + "/" + strconv.FormatUint(seq, 10)
}

// ParseEventID splits an event id made by EventID.
func ParseEventID(id string) (streamID string, seq uint64, err error) {
	i := strings.LastIndexByte(id, '/')
	if i <= 0 {
		return "", 0, fmt.Errorf("store: malformed event id %q", id)
	}
	seq, err = strconv.ParseUint(id[i+1:], 10, 64)
	if err != nil {
		return "", 0, fmt.Errorf("store: malformed event id %q", id)
	}
	return id[:i], seq, nil
}

// ValidStreamID reports whether id can name a stream (non-empty, no '/').
func ValidStreamID(id string) bool { return id != "" && !strings.Contains(id, "/") }
