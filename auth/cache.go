package auth

import (
	"hash/maphash"
	"slices"
	"sync"
	"time"
)

// resultCache remembers verification results by a hash of the token (hash/maphash with a seed of its own,
// chosen at random), each until a deadline, bounded in entries and in bytes. An entry keeps the token it
// was made for and a hit needs the very same token, so that two tokens whose hashes collide can never share
// a result. It is a per-node optimisation: every node reaches the same answers without it. (It used to be
// keyed by SHA-256 of the token; maphash costs a fraction of that on a ~700-byte JWT, and the stored token
// does what the cryptographic hash did: no other token matches an entry.)
type resultCache struct {
	max      int // entries
	maxBytes int // of the tokens kept, all entries together
	seed     maphash.Seed

	mu      sync.Mutex
	entries map[uint64]cached
	bytes   int // len of the tokens of entries
}

type cached struct {
	token string     // the token the entry was made for
	p     *Principal // nil: the token was refused
	until time.Time
}

// Bounds of a result cache's memory besides its number of entries: the tokens it keeps (each entry keeps
// its token) take at most cacheBytes together, and a token longer than maxCachedToken is not remembered
// (it is verified every time), so that no client can make the cache hold more than a few MiB however long
// its tokens are — an introspection cache also remembers refused tokens.
const (
	cacheBytes     = 16 << 20
	maxCachedToken = 16 << 10
)

func newResultCache(max int) *resultCache {
	return &resultCache{max: max, maxBytes: cacheBytes, seed: maphash.MakeSeed(), entries: map[uint64]cached{}}
}

// key returns the map key of token.
func (c *resultCache) key(token string) uint64 { return maphash.String(c.seed, token) }

// get returns the entry of token if it is still valid at now: until is the first instant it is not.
func (c *resultCache) get(token string, now time.Time) (cached, bool) {
	k := c.key(token)
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if !ok || e.token != token {
		return cached{}, false
	}
	if !now.Before(e.until) {
		c.drop(k)
		return cached{}, false
	}
	return e, true
}

// put stores e for token (e.token is set here). To make room it first drops expired entries, then
// arbitrary ones, until both bounds hold. Another token with the same hash is replaced. A token longer
// than maxCachedToken is not stored.
func (c *resultCache) put(token string, e cached, now time.Time) {
	if len(token) > maxCachedToken || len(token) > c.maxBytes {
		return
	}
	e.token = token
	k := c.key(token)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.drop(k)
	full := func() bool { return len(c.entries) >= c.max || c.bytes+len(token) > c.maxBytes }
	if full() {
		for k, old := range c.entries {
			if !now.Before(old.until) {
				c.drop(k)
			}
		}
		for k := range c.entries { // map order is random
			if !full() {
				break
			}
			c.drop(k)
		}
	}
	c.entries[k] = e
	c.bytes += len(token)
}

// drop removes the entry of key k, if any. c.mu is held.
func (c *resultCache) drop(k uint64) {
	if old, ok := c.entries[k]; ok {
		c.bytes -= len(old.token)
		delete(c.entries, k)
	}
}

func (c *resultCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// copyPrincipal returns a copy of p whose Scopes the caller may change without changing the cached one.
func copyPrincipal(p *Principal) *Principal {
	if p == nil {
		return nil
	}
	q := *p
	q.Scopes = slices.Clone(p.Scopes)
	return &q
}
