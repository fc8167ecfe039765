package redis

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mcpkit/mcpkit/store"
)

// KeyRing is a store.KeyRing shared by every node on one Redis: a sorted set "<prefix>{k}" of key ids
// scored by the time each became current (Unix ms), and a hash "<prefix>{k}:s" of their secrets. The newest key seals;
// an older key still opens for Options.KeyGrace after the key that replaced it became current, then it is
// retired (and deleted by the next rotation). Each node keeps a copy of the ring for Options.KeyCacheTTL, so
// sealing and opening cost no round trip while it is fresh; an unknown key id (a key rotated in on another
// node) reads the ring again at once.
//
// The secrets are stored in Redis as they are: whoever can read that Redis can forge requestState. Protect it
// (ACLs, TLS, a private network) like any secret store.
type KeyRing struct {
	c    goredis.UniversalClient
	opts Options

	mu      sync.Mutex
	ring    []ringKey // oldest first
	fetched time.Time
}

type ringKey struct {
	id      string
	created int64 // Unix ms when it became current
	secret  []byte
}

var _ store.KeyRing = (*KeyRing)(nil)

// loadScript: KEYS the sorted set, the hash; ARGV a key id, its secret, now ms. It adds that key when the
// ring is empty, then returns the ring: id, score, secret, … oldest first.
var loadScript = goredis.NewScript(`
if redis.call('ZCARD', KEYS[1]) == 0 then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
end
local out = {}
local r = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
for i = 1, #r, 2 do
  out[#out + 1] = r[i]
  out[#out + 1] = r[i + 1]
  out[#out + 1] = redis.call('HGET', KEYS[2], r[i]) or ''
end
return out
`)

// rotateScript: KEYS the sorted set, the hash; ARGV the new key's id, its secret, now ms, grace ms. The new
// key becomes current (its score above every other); keys whose grace is over are deleted. Returns the ring
// as loadScript does.
var rotateScript = goredis.NewScript(`
local now, grace = tonumber(ARGV[3]), tonumber(ARGV[4])
local score = now
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] and tonumber(last[2]) >= score then score = tonumber(last[2]) + 1 end
redis.call('ZADD', KEYS[1], string.format('%.0f', score), ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
local r = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
for i = 1, #r - 2, 2 do
  if tonumber(r[i + 3]) + grace < now then
    redis.call('ZREM', KEYS[1], r[i])
    redis.call('HDEL', KEYS[2], r[i])
  end
end
local out = {}
r = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
for i = 1, #r, 2 do
  out[#out + 1] = r[i]
  out[#out + 1] = r[i + 1]
  out[#out + 1] = redis.call('HGET', KEYS[2], r[i]) or ''
end
return out
`)

// keys are the ring's sorted set and hash; they share a hash tag, so one script can use both on Redis Cluster.
func (r *KeyRing) keys() []string { return []string{r.opts.Prefix + "{k}", r.opts.Prefix + "{k}:s"} }

// Current implements store.KeyRing. The first call on an empty Redis creates the first key (one node wins).
func (r *KeyRing) Current(ctx context.Context) (store.Key, error) {
	ring, err := r.get(ctx, false)
	if err != nil {
		return store.Key{}, err
	}
	k := ring[len(ring)-1]
	return store.Key{ID: k.id, Secret: slices.Clone(k.secret)}, nil
}

// Lookup implements store.KeyRing.
func (r *KeyRing) Lookup(ctx context.Context, id string) (store.Key, error) {
	ring, err := r.get(ctx, false)
	if err != nil {
		return store.Key{}, err
	}
	i := slices.IndexFunc(ring, func(k ringKey) bool { return k.id == id })
	if i < 0 {
		// Perhaps rotated in on another node since this node's copy was read.
		if ring, err = r.get(ctx, true); err != nil {
			return store.Key{}, err
		}
		if i = slices.IndexFunc(ring, func(k ringKey) bool { return k.id == id }); i < 0 {
			return store.Key{}, store.ErrNotFound
		}
	}
	if i < len(ring)-1 && time.Now().UnixMilli() > ring[i+1].created+r.opts.KeyGrace.Milliseconds() {
		return store.Key{}, store.ErrNotFound // retired: its successor has been current longer than the grace
	}
	return store.Key{ID: ring[i].id, Secret: slices.Clone(ring[i].secret)}, nil
}

// Rotate implements store.KeyRing.
func (r *KeyRing) Rotate(ctx context.Context) (store.Key, error) {
	k := store.NewKey()
	res, err := rotateScript.Run(ctx, r.c, r.keys(), k.ID, k.Secret, time.Now().UnixMilli(), r.opts.KeyGrace.Milliseconds()).Result()
	if err != nil {
		return store.Key{}, fmt.Errorf("store/redis: rotating the key ring: %w", err)
	}
	if _, err := r.keep(res); err != nil {
		return store.Key{}, err
	}
	return k, nil
}

// get returns the ring, read from Redis when the copy is older than KeyCacheTTL or refresh is set.
func (r *KeyRing) get(ctx context.Context, refresh bool) ([]ringKey, error) {
	r.mu.Lock()
	ring, fetched := r.ring, r.fetched
	r.mu.Unlock()
	if !refresh && ring != nil && time.Since(fetched) < r.opts.KeyCacheTTL {
		return ring, nil
	}
	k := store.NewKey()
	res, err := loadScript.Run(ctx, r.c, r.keys(), k.ID, k.Secret, time.Now().UnixMilli()).Result()
	if err != nil {
		return nil, fmt.Errorf("store/redis: reading the key ring: %w", err)
	}
	return r.keep(res)
}

// keep parses a ring returned by a script and makes it this node's copy.
func (r *KeyRing) keep(res any) ([]ringKey, error) {
	ring, err := parseRing(res)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.ring, r.fetched = ring, time.Now()
	r.mu.Unlock()
	return ring, nil
}

func parseRing(res any) ([]ringKey, error) {
	list, ok := res.([]any)
	if !ok || len(list) == 0 || len(list)%3 != 0 {
		return nil, fmt.Errorf("store/redis: the key ring reply is malformed (%T of %d items)", res, lenOf(res))
	}
	ring := make([]ringKey, 0, len(list)/3)
	for i := 0; i < len(list); i += 3 {
		id, _ := list[i].(string)
		score, _ := list[i+1].(string)
		secret, _ := list[i+2].(string)
		created, err := strconv.ParseFloat(score, 64)
		if id == "" || err != nil || len(secret) != 32 {
			return nil, fmt.Errorf("store/redis: the key ring holds a malformed key %q (a secret must be 32 bytes)", id)
		}
		ring = append(ring, ringKey{id: id, created: int64(created), secret: []byte(secret)})
	}
	return ring, nil
}

func lenOf(v any) int {
	if l, ok := v.([]any); ok {
		return len(l)
	}
	return 0
}
