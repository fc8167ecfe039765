package redis

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mcpkit/mcpkit/internal/redistest"
	"github.com/mcpkit/mcpkit/store"
)

// countHook counts the commands and pipelines sent to Redis through a client's hooks: one each is one
// round trip. Pub/sub commands (SUBSCRIBE, UNSUBSCRIBE on the Bus's own connection) do not pass through
// hooks; tests that need them counted wrap the Bus (countingBus in roundtrips_test.go).
type countHook struct {
	n      atomic.Int64
	record atomic.Bool // keep the commands' names (Record), for tests that say which ones they saw

	mu    sync.Mutex
	names []string
}

// Record makes the hook keep the names of the commands it counts, until Reset.
func (h *countHook) Record() { h.record.Store(true) }

// Names returns the commands counted since the last Reset, when recording ("pipeline[a b]" for a
// pipeline).
func (h *countHook) Names() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.names...)
}

// Note records name as a command seen (when recording).
func (h *countHook) Note(name string) {
	if h.record.Load() {
		h.mu.Lock()
		h.names = append(h.names, name)
		h.mu.Unlock()
	}
}

// Load returns the round trips counted since the last Reset.
func (h *countHook) Load() int64 { return h.n.Load() }

// Add counts n more round trips (made where the hook does not see them).
func (h *countHook) Add(n int64) { h.n.Add(n) }

// Reset starts counting again from 0.
func (h *countHook) Reset() {
	h.mu.Lock()
	h.n.Store(0)
	h.names = nil
	h.mu.Unlock()
}

func (h *countHook) DialHook(next goredis.DialHook) goredis.DialHook { return next }
func (h *countHook) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		h.n.Add(1)
		h.Note(cmd.Name())
		return next(ctx, cmd)
	}
}
func (h *countHook) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		h.n.Add(1)
		if h.record.Load() {
			names := make([]string, len(cmds))
			for i, c := range cmds {
				names[i] = c.Name()
			}
			h.Note(fmt.Sprint("pipeline", names))
		}
		return next(ctx, cmds)
	}
}

// benchStores runs f on the memory stores and on Redis, reporting Redis round trips per operation and
// redis-µs/op, the time Redis itself spent on the commands sent (INFO commandstats); f calls ready after its
// setup (which is not counted).
func benchStores(b *testing.B, f func(b *testing.B, sessions store.SessionStore, events store.EventStore, ready func())) {
	b.Run("memory", func(b *testing.B) {
		f(b, store.NewMemorySessionStore(store.MemorySessionOptions{}), store.NewMemoryEventStore(store.MemoryEventOptions{}), func() {})
	})
	b.Run("redis", func(b *testing.B) {
		srv := redistest.Start(b)
		c := goredis.NewClient(&goredis.Options{Addr: srv.Addr})
		hook := &countHook{}
		c.AddHook(hook)
		st := New(c, Options{Prefix: fmt.Sprintf("bench%d:", prefixes.Add(1))})
		b.Cleanup(func() { _ = st.Close(); _ = c.Close() })
		// Load the scripts once, so the figures are those of a warm node.
		_, _ = st.Events.Append(context.Background(), "warm", "A", nil)
		_, _ = st.Events.Replay(context.Background(), "warm", "A/1", func(string, []byte) error { return nil })
		b.ResetTimer()
		f(b, st.Sessions, st.Events, func() {
			if err := c.ConfigResetStat(context.Background()).Err(); err != nil {
				b.Fatal(err)
			}
			hook.n.Store(0)
		})
		b.ReportMetric(float64(hook.n.Load())/float64(b.N), "roundtrips/op")
		b.ReportMetric(redisMicros(b, c)/float64(b.N), "redis-µs/op")
	})
}

// BenchmarkAppend: one 200-byte event appended to a session's stream.
func BenchmarkAppend(b *testing.B) {
	data := make([]byte, 200)
	benchStores(b, func(b *testing.B, _ store.SessionStore, ev store.EventStore, ready func()) {
		ctx := context.Background()
		ready()
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := ev.Append(ctx, fmt.Sprint("s", i%100), "get", data); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkReplay: a resume that replays the last 10 events (200 bytes each) of a stream.
func BenchmarkReplay(b *testing.B) {
	data := make([]byte, 200)
	benchStores(b, func(b *testing.B, _ store.SessionStore, ev store.EventStore, ready func()) {
		ctx := context.Background()
		b.StopTimer()
		var from string
		for i := range 11 {
			id, err := ev.Append(ctx, "s", "get", data)
			if err != nil {
				b.Fatal(err)
			}
			if i == 0 {
				from = id
			}
		}
		ready()
		b.StartTimer()
		b.ReportAllocs()
		for b.Loop() {
			n := 0
			if _, err := ev.Replay(ctx, "s", from, func(string, []byte) error { n++; return nil }); err != nil || n != 10 {
				b.Fatalf("replayed %d, %v", n, err)
			}
		}
	})
}

// BenchmarkSessionLoadSave: a warm legacy session loaded and saved again (what a request that changes it
// costs; one that does not change it costs the Load only).
func BenchmarkSessionLoadSave(b *testing.B) {
	benchStores(b, func(b *testing.B, ss store.SessionStore, _ store.EventStore, ready func()) {
		ctx := context.Background()
		b.StopTimer()
		s := &store.SessionState{ID: "session-0123456789abcdef", ProtocolVersion: "2025-11-25",
			ClientInfo: []byte(`{"name":"client","version":"1.0.0"}`), ClientCapabilities: []byte(`{"roots":{}}`), Initialized: true}
		if err := ss.Create(ctx, s); err != nil {
			b.Fatal(err)
		}
		ready()
		b.StartTimer()
		b.ReportAllocs()
		for b.Loop() {
			got, err := ss.Load(ctx, s.ID)
			if err != nil {
				b.Fatal(err)
			}
			if err := ss.Save(ctx, got); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// redisMicros returns the time Redis spent, in µs, on the commands a store sends itself (scripts, session
// commands, PING) since the last CONFIG RESETSTAT, from INFO commandstats. The commands scripts call are
// listed there too, inside their script's time: they are not added again.
func redisMicros(b *testing.B, c *goredis.Client) float64 {
	info, err := c.Info(context.Background(), "commandstats").Result()
	if err != nil {
		b.Fatal(err)
	}
	var total float64
	for line := range strings.Lines(info) {
		name, rest, ok := strings.Cut(strings.TrimPrefix(strings.TrimSpace(line), "cmdstat_"), ":")
		if !ok {
			continue
		}
		switch name {
		case "evalsha", "eval", "get", "getex", "set", "del", "ping":
		default:
			continue
		}
		for field := range strings.SplitSeq(rest, ",") {
			if v, ok := strings.CutPrefix(field, "usec="); ok {
				us, err := strconv.ParseFloat(v, 64)
				if err != nil {
					b.Fatalf("commandstats %q: %v", line, err)
				}
				total += us
			}
		}
	}
	return total
}

// BenchmarkPing: the floor of one round trip to Redis on this machine, to set the others against.
func BenchmarkPing(b *testing.B) {
	srv := redistest.Start(b)
	c := goredis.NewClient(&goredis.Options{Addr: srv.Addr})
	b.Cleanup(func() { _ = c.Close() })
	ctx := context.Background()
	if err := c.Ping(ctx).Err(); err != nil {
		b.Fatal(err)
	}
	if err := c.ConfigResetStat(ctx).Err(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Ping(ctx).Err(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(redisMicros(b, c)/float64(b.N), "redis-µs/op")
}
