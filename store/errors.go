package store

import "errors"

var (
	// ErrNotFound means the session, event, stream or key does not exist (or has expired).
	ErrNotFound = errors.New("store: not found (it never existed or has expired)")
	// ErrExists means an item with that id already exists.
	ErrExists = errors.New("store: already exists")
	// ErrLimit means a configured limit (such as the maximum number of sessions) is reached.
	ErrLimit = errors.New("store: limit reached")
)
