package auth

import (
	"crypto/sha256"
	"slices"
	"sync"
	"time"
)

// resultCache remembers verification results by the SHA-256 of the token (the token itself is not kept),
// each until a deadline, with a bounded number of entries. It is a per-node optimisation: every node reaches
// the same answers without it.
type resultCache struct {
	max int

	mu      sync.Mutex
	entries map[[sha256.Size]byte]cached
}

type cached struct {
	p     *Principal // nil: the token was refused
	until time.Time
}

func newResultCache(max int) *resultCache {
	return &resultCache{max: max, entries: map[[sha256.Size]byte]cached{}}
}

// get returns the entry of key if it is still valid at now.
func (c *resultCache) get(key [sha256.Size]byte, now time.Time) (cached, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if ok && !now.Before(e.until) {
		delete(c.entries, key)
		return cached{}, false
	}
	return e, ok
}

// put stores e under key; when the cache is full it first drops expired entries, then arbitrary ones.
func (c *resultCache) put(key [sha256.Size]byte, e cached, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[key]; !ok && len(c.entries) >= c.max {
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
	c.entries[key] = e
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
