package streamable

import (
	"net/url"
	"strings"
	"sync"
)

// ServerKind is what a client learned about the MCP server behind an origin.
type ServerKind int

const (
	// KindUnknown: nothing learned yet.
	KindUnknown ServerKind = iota
	// KindModern: the server answered server/discover, so it speaks 2026-07-28.
	KindModern
	// KindLegacy: the server answered server/discover with an HTTP error that is not a 2026-07-28 error,
	// so it speaks only the initialize-based revisions.
	KindLegacy
	// KindSSE: the server speaks only the HTTP+SSE transport of 2024-11-05.
	KindSSE
)

// String returns "unknown", "modern", "legacy" or "sse".
func (k ServerKind) String() string {
	switch k {
	case KindModern:
		return "modern"
	case KindLegacy:
		return "legacy"
	case KindSSE:
		return "sse"
	}
	return "unknown"
}

// EraCache remembers, per origin (scheme://host:port), what clients learned about the server there, as
// the specification suggests: the era is a property of the server, not of one connection. A client whose
// origin is known to be legacy answers server/discover itself without a round trip; one known to speak
// only HTTP+SSE opens that transport at once. The zero value is ready to use and safe for concurrent use.
type EraCache struct {
	mu sync.Mutex
	m  map[string]ServerKind
}

// sharedEraCache is the process-wide cache clients share unless ClientOptions.EraCache names another.
var sharedEraCache = &EraCache{}

// Get returns what is known about origin.
func (c *EraCache) Get(origin string) ServerKind {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[origin]
}

// Set records what was learned about origin.
func (c *EraCache) Set(origin string, k ServerKind) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]ServerKind)
	}
	c.m[origin] = k
}

// Forget drops what was learned about origin (a cached assumption that turned out wrong).
func (c *EraCache) Forget(origin string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, origin)
}

// Origin returns the cache key of a URL: scheme://host:port in lower case, with the default port filled in.
func Origin(u *url.URL) string {
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return strings.ToLower(u.Scheme) + "://" + host + ":" + port
}
