package server

import (
	"sync"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/internal/bufpool"
	"github.com/mcpkit/mcpkit/mcp"
)

// Modern clients send the same _meta (version, capabilities, client info) on every request. Decoding it
// once per distinct byte string and sharing the result keeps the per-request cost near zero. Cached values
// are read-only.
//
// The cache is bounded in entries and in bytes, because a client chooses the keys: at most metaCacheMax
// entries whose raw keys add up to at most metaCacheBudget bytes (the decoded values are of the same order,
// so the cache holds roughly twice that). A _meta longer than metaCacheMaxEntryBytes is decoded on every
// request and never cached. When an entry does not fit, the cache is emptied and refills with what is in
// use (clients repeat their _meta, so the working set comes back at once).
const (
	metaCacheMax           = 512
	metaCacheBudget        = 2 << 20 // bytes of raw _meta keys
	metaCacheMaxEntryBytes = 8 << 10
)

var metaCache = struct {
	sync.RWMutex
	m     map[string]*mcp.RequestMeta
	bytes int // sum of len(key)
}{m: make(map[string]*mcp.RequestMeta)}

// decodeOpts decodes MCP params: case-sensitive (the json v2 default) with _meta served from the cache.
var decodeOpts = json.WithUnmarshalers(json.UnmarshalFromFunc(decodeMeta))

func decodeMeta(dec *jsontext.Decoder, dst **mcp.RequestMeta) error {
	raw, err := dec.ReadValue()
	if err != nil {
		return err
	}
	if raw.Kind() == 'n' {
		*dst = nil
		return nil
	}
	// Trace context (traceparent, tracestate, baggage) is new on every request: the rest of the _meta is
	// looked up and cached without it, and the request gets a copy carrying its own.
	if hasTraceKey(raw) {
		buf := bufpool.Get()
		defer bufpool.Put(buf)
		var tr traceMembers
		if rest, ok := splitTrace(raw, buf.B[:0], &tr); ok {
			buf.B = rest
			m, err := cachedMeta(rest)
			if err != nil {
				return err
			}
			*dst = tr.onto(m)
			return nil
		}
	}
	m, err := cachedMeta(raw)
	if err != nil {
		return err
	}
	*dst = m
	return nil
}

// cachedMeta returns the decoded raw _meta, from the cache or decoded (and cached when worth it). The
// result is shared: read-only.
func cachedMeta(raw []byte) (*mcp.RequestMeta, error) {
	metaCache.RLock()
	m, ok := metaCache.m[string(raw)]
	metaCache.RUnlock()
	if ok {
		return m, nil
	}
	m = new(mcp.RequestMeta)
	if err := json.Unmarshal(raw, m); err != nil {
		return nil, err
	}
	// A progress token makes the bytes unique: not worth caching. Nor is an oversize _meta.
	if len(m.ProgressToken) == 0 && len(raw) <= metaCacheMaxEntryBytes {
		metaCache.Lock()
		if _, ok := metaCache.m[string(raw)]; !ok {
			if len(metaCache.m) >= metaCacheMax || metaCache.bytes+len(raw) > metaCacheBudget {
				clear(metaCache.m)
				metaCache.bytes = 0
			}
			metaCache.m[string(raw)] = m
			metaCache.bytes += len(raw)
		}
		metaCache.Unlock()
	}
	return m, nil
}
