package auth

import (
	"hash/maphash"
	"slices"
	"sync"
	"time"
)

// resultCache remembers verification results by a hash of the token (hash/maphash with a seed of its own,
// chosen at random), each until a deadline, with a bounded number of entries. An entry keeps the token it
// was made for and a hit needs the very same token, so that two tokens whose hashes collide can never share
// a result. It is a per-node optimisation: every node reaches the same answers without it. (It used to be
// keyed by SHA-256 of the token; maphash costs a fraction of that on a ~700-byte JWT, and the stored token
// does what the cryptographic hash did: no other token matches an entry.)
type resultCache struct {
	max  int
	seed maphash.Seed

	mu      sync.Mutex
	entries map[uint64]cached
}

type cached struct {
	token string     // the token the entry was made for
	p     *Principal // nil: the token was refused
	until time.Time
}

func newResultCache(max int) *resultCache {
	return &resultCache{max: max, seed: maphash.MakeSeed(), entries: map[uint64]cached{}}
}

// key returns the map key of token.
func (c *resultCache) key(token string) uint64 { return maphash.String(c.seed, token) }

// get returns the entry of token if it is still valid at now.
func (c *resultCache) get(token string, now time.Time) (cached, bool) {
	k := c.key(token)
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if !ok || e.token != token {
		return cached{}, false
	}
	if !now.Before(e.until) {
		delete(c.entries, k)
		return cached{}, false
	}
	return e, true
}

// put stores e for token (e.token is set here); when the cache is full it first drops expired entries, then
// arbitrary ones. Another token with the same hash is replaced.
func (c *resultCache) put(token string, e cached, now time.Time) {
	e.token = token
	k := c.key(token)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[k]; !ok && len(c.entries) >= c.max {
		for k, old := range c.entries {
			if !now.Before(old.until) {
				delete(c.entries, k)
			}
		}
		for k := range c.entries { // map order is random
			if len(c.entries) < c.max {
				break
			}
			delete(c.entries, k)
		}
	}
	c.entries[k] = e
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
