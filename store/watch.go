package store

import "context"

// EventWatcher is an EventStore that wakes the readers of a stream when events are appended to it, by this
// process or, for a store shared by several nodes, by any node. A node that holds a client's SSE connection
// follows a stream another node writes (the session's standalone stream, a POST stream resumed elsewhere)
// by replaying after the last event it delivered at each wake-up.
//
// Wake-ups are at most once, like the Bus: one may be lost (a Redis connection that drops) or merged with
// others, so a reader also replays now and then without one. They carry the appended event's id, so a reader
// that has already delivered that event skips the replay.
type EventWatcher interface {
	EventStore
	// Watch starts receiving the ids of the events appended to the stream after Watch returns. The
	// subscription ends when ctx ends or it is closed.
	Watch(ctx context.Context, sessionID, streamID string) (Subscription, error)
	// AppendWatched is Append that also reports how many watches of the stream the wake-up reached: for a
	// store shared by nodes, how many nodes watch it (each counts once however many readers it has there);
	// 0 means no one follows the stream now.
	AppendWatched(ctx context.Context, sessionID, streamID string, data []byte) (eventID string, watchers int, err error)
}

// WatchTopic is the Bus topic of a stream's wake-ups, for stores that carry them on a Bus. The session id is a
// hash tag ({…}), so a Redis Cluster could carry them on the session's shard.
func WatchTopic(sessionID, streamID string) string { return "ev:{" + sessionID + "}/" + streamID }
