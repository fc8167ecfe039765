package store

import "context"

// Key is one secret of a key ring: 32 bytes for an AEAD, and an id carried beside what it sealed.
type Key struct {
	ID     string
	Secret []byte
}

// KeyRing holds the keys that seal state handed to clients (the requestState of multi round-trip
// requests). Every node of a deployment must see the same ring.
type KeyRing interface {
	// Current returns the key to seal with now.
	Current(ctx context.Context) (Key, error)
	// Lookup returns the key with the given id, to open what it sealed; ErrNotFound when retired.
	Lookup(ctx context.Context, id string) (Key, error)
	// Rotate makes a new current key; older keys still open until they are retired.
	Rotate(ctx context.Context) (Key, error)
}
