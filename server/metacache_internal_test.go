package server

import (
	"strconv"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"

	"github.com/mcpkit/mcpkit/mcp"
)

// clearMetaCache empties the cache.
func clearMetaCache() {
	metaCache.Lock()
	clear(metaCache.m)
	metaCache.bytes = 0
	metaCache.Unlock()
}

// cachedMetaBytes sums the raw bytes of the cached _meta keys.
func cachedMetaBytes() (n, entries int) {
	metaCache.RLock()
	defer metaCache.RUnlock()
	for k := range metaCache.m {
		n += len(k)
	}
	return n, len(metaCache.m)
}

// TestMetaCacheBoundedInBytes: many large distinct _meta objects (a client can send MiB keys) never make
// the cache hold more than its byte budget, and one over the per-entry limit is not cached at all.
func TestMetaCacheBoundedInBytes(t *testing.T) {
	decode := func(size, i int) {
		t.Helper()
		raw := `{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","x":"` + strconv.Itoa(i) + strings.Repeat("a", size) + `"}}`
		var p struct {
			Meta *mcp.RequestMeta `json:"_meta"`
		}
		if err := json.Unmarshal([]byte(raw), &p, decodeOpts); err != nil || p.Meta == nil || p.Meta.ProtocolVersion != "2026-07-28" {
			t.Fatalf("decode: %v %+v", err, p.Meta)
		}
	}
	peak := 0
	for i := range 600 {
		decode(metaCacheMaxEntryBytes/2, i)
		if n, _ := cachedMetaBytes(); n > peak {
			peak = n
		}
	}
	if peak == 0 || peak > metaCacheBudget {
		t.Fatalf("the cache held %d bytes of keys at its peak; budget %d", peak, metaCacheBudget)
	}
	t.Logf("peak %d key bytes (budget %d) after 600 distinct %d-byte _meta", peak, metaCacheBudget, metaCacheMaxEntryBytes/2)

	clearMetaCache()
	for i := range 20 {
		decode(1<<20, i) // 1 MiB each
	}
	if n, entries := cachedMetaBytes(); n != 0 || entries != 0 {
		t.Fatalf("oversize _meta was cached: %d entries, %d bytes", entries, n)
	}
}
