package ratelimit

import (
	"container/list"
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/mcpkit/mcpkit/server"
)

// Options configures a Limiter.
type Options struct {
	// Rate is the sustained number of requests per second a caller may send. Required (> 0).
	Rate float64
	// Burst is how many requests a caller may send at once, after being idle (default: Rate rounded up,
	// at least 1).
	Burst int
	// MaxBuckets bounds the callers tracked at once (default 100,000, about 200 bytes each).
	MaxBuckets int
	// HTTPKey names the caller of an HTTP request for Wrap (default: "p:" and the principal's key when the
	// auth middleware put one in the context, else "a:" and the client's IP address, the connection's peer:
	// behind a proxy, name the client from the header that proxy sets, or every client shares its bucket).
	HTTPKey func(r *http.Request) string
	// Key names the caller of a request for Middleware (default: "p:" and the principal's key, else "a:"
	// and the client address the transport put in the context, else "s:" and the legacy session id, else
	// one bucket for every other request: a stdio server has one client).
	Key func(ctx context.Context, r *server.Request) string
	// Now is the clock (default time.Now); tests set it.
	Now func() time.Time
}

// Parse reads a limit written RPS or RPS:BURST ("10", "2.5:20"): the form of mcpkit serve --rate-limit.
func Parse(s string) (Options, error) {
	rs, bs, hasBurst := strings.Cut(s, ":")
	r, err := strconv.ParseFloat(rs, 64)
	if err != nil || !(r > 0) || math.IsInf(r, 0) {
		return Options{}, fmt.Errorf("ratelimit: %q: want RPS or RPS:BURST, RPS a number of requests per second > 0", s)
	}
	o := Options{Rate: r}
	if hasBurst {
		b, err := strconv.Atoi(bs)
		if err != nil || b < 1 {
			return Options{}, fmt.Errorf("ratelimit: %q: BURST must be a whole number ≥ 1", s)
		}
		o.Burst = b
	}
	return o, nil
}

// Limiter holds one token bucket per key. It is safe for concurrent use.
type Limiter struct {
	rate    rate.Limit
	burst   int
	httpKey func(r *http.Request) string
	key     func(ctx context.Context, r *server.Request) string
	max     int
	now     func() time.Time
	full    time.Duration // how long an empty bucket takes to fill: idle longer, a bucket is as good as new

	mu      sync.Mutex
	buckets map[string]*list.Element // of *bucket
	lru     list.List                // most recently used first

	refused atomic.Int64
}

type bucket struct {
	key  string
	lim  *rate.Limiter
	last time.Time // last use
}

// New returns a Limiter. It fails when opts.Rate is not a positive number.
func New(opts Options) (*Limiter, error) {
	if !(opts.Rate > 0) || math.IsInf(opts.Rate, 0) {
		return nil, fmt.Errorf("ratelimit: Rate must be a number of requests per second > 0, not %v", opts.Rate)
	}
	if opts.Burst <= 0 {
		opts.Burst = int(math.Ceil(opts.Rate))
	}
	if opts.MaxBuckets <= 0 {
		opts.MaxBuckets = 100_000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.HTTPKey == nil {
		opts.HTTPKey = httpKey
	}
	if opts.Key == nil {
		opts.Key = requestKey
	}
	l := &Limiter{rate: rate.Limit(opts.Rate), burst: opts.Burst, max: opts.MaxBuckets, now: opts.Now,
		httpKey: opts.HTTPKey, key: opts.Key, buckets: make(map[string]*list.Element)}
	l.full = time.Duration(float64(opts.Burst) / opts.Rate * float64(time.Second))
	return l, nil
}

// Allow takes a token from key's bucket. When there is none it returns false and how long until there
// is one.
func (l *Limiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	now := l.now()
	l.mu.Lock()
	b := l.bucket(key, now)
	l.mu.Unlock()
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now) // the token is not taken: a refused request costs nothing
		l.refused.Add(1)
		return false, d
	}
	return true, 0
}

// bucket returns key's bucket, made or reused, marked used at now. Under l.mu.
func (l *Limiter) bucket(key string, now time.Time) *bucket {
	if e, ok := l.buckets[key]; ok {
		b := e.Value.(*bucket)
		b.last = now
		l.lru.MoveToFront(e)
		return b
	}
	l.evict(now)
	b := &bucket{key: key, lim: rate.NewLimiter(l.rate, l.burst), last: now}
	l.buckets[key] = l.lru.PushFront(b)
	return b
}

// evict drops the buckets idle long enough to be full again (they are as good as new), oldest first,
// and then, while the map is at MaxBuckets, the least recently used one. Under l.mu.
func (l *Limiter) evict(now time.Time) {
	for e := l.lru.Back(); e != nil; e = l.lru.Back() {
		b := e.Value.(*bucket)
		if len(l.buckets) < l.max && now.Sub(b.last) < l.full {
			return
		}
		l.lru.Remove(e)
		delete(l.buckets, b.key)
	}
}

// Stats are a Limiter's counts.
type Stats struct {
	// Buckets is the number of keys tracked now.
	Buckets int
	// Refused counts the requests refused since New.
	Refused int64
}

// Stats returns the limiter's counts now.
func (l *Limiter) Stats() Stats {
	l.mu.Lock()
	n := len(l.buckets)
	l.mu.Unlock()
	return Stats{Buckets: n, Refused: l.refused.Load()}
}

// retrySeconds is a Retry-After: whole seconds, rounded up, at least 1.
func retrySeconds(d time.Duration) int64 {
	s := int64((d + time.Second - 1) / time.Second)
	if s < 1 {
		s = 1
	}
	return s
}
