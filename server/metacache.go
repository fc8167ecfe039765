package server

import (
	"sync"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/mcp"
)

// Modern clients send the same _meta (version, capabilities, client info) on every request. Decoding it
// once per distinct byte string and sharing the result keeps the per-request cost near zero. Cached values
// are read-only.
const metaCacheMax = 512

var metaCache = struct {
	sync.RWMutex
	m map[string]*mcp.RequestMeta
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
	metaCache.RLock()
	m, ok := metaCache.m[string(raw)]
	metaCache.RUnlock()
	if ok {
		*dst = m
		return nil
	}
	m = new(mcp.RequestMeta)
	if err := json.Unmarshal(raw, m); err != nil {
		return err
	}
	if len(m.ProgressToken) == 0 { // a progress token makes the bytes unique: not worth caching
		metaCache.Lock()
		if len(metaCache.m) >= metaCacheMax {
			clear(metaCache.m)
		}
		metaCache.m[string(raw)] = m
		metaCache.Unlock()
	}
	*dst = m
	return nil
}
