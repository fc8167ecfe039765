package store

import "errors"

var (
	// ErrNotFound means the session, event, stream or key does not exist (or has expired).
	ErrNotFound = errors.New("store: not found (it never existed or has expired)")
	// ErrExists means an item with that id already exists.
	ErrExists = errors.New("store: already exists")
	// ErrLimit means a configured limit (such as the maximum number of sessions) is reached.
	ErrLimit = errors.New("store: limit reached")
	// ErrUnsettled is wrapped by CountingBus.PublishCount when a message reached no subscriber while the
	// bus is reconnecting (or has just reconnected): subscribers may be on their way back, so the count of
	// 0 does not prove that nobody listens. Retry shortly.
	ErrUnsettled = errors.New("store: the bus is reconnecting, so no receiver does not mean none exists")
)
