package redis

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mcpkit/mcpkit/internal/redistest"
	"github.com/mcpkit/mcpkit/store"
)

// benchStores runs f on the memory stores and on Redis, reporting Redis round trips per operation and
// redis-µs/op, the time Redis itself spent on the commands sent (INFO commandstats); f calls ready after its
// setup (which is not counted).
func benchStores(b *testing.B, f func(b *testing.B, sessions store.SessionStore, events store.EventStore, ready func())) {
	b.Run("memory", func(b *testing.B) {
		f(b, store.NewMemorySessionStore(store.MemorySessionOptions{}), store.NewMemoryEventStore(store.MemoryEventOptions{}), func() {})
	})
	b.Run("redis", func(b *testing.B) {
		benchRedis(b, func(st *Store) {
			_, _ = st.Events.Append(context.Background(), "warm", "A", nil)
			_, _ = st.Events.Replay(context.Background(), "warm", "A/1", func(string, []byte) error { return nil })
		}, func(st *Store, ready func()) { f(b, st.Sessions, st.Events, ready) })
	})
}

// benchRedis runs f on a Store of a fresh Redis after warm (which loads the scripts f's operations use, so
// that the figures are those of a warm node), reporting the round trips per operation and redis-µs/op; f
// calls ready after its setup.
func benchRedis(b *testing.B, warm func(st *Store), f func(st *Store, ready func())) {
	srv := redistest.Start(b)
	c := goredis.NewClient(&goredis.Options{Addr: srv.Addr})
	hook := &countHook{}
	c.AddHook(hook)
	st := New(c, Options{Prefix: fmt.Sprintf("bench%d:", prefixes.Add(1))})
	b.Cleanup(func() { _ = st.Close(); _ = c.Close() })
	warm(st)
	b.ResetTimer()
	f(st, func() {
		if err := c.ConfigResetStat(context.Background()).Err(); err != nil {
			b.Fatal(err)
		}
		hook.n.Store(0)
	})
	b.ReportMetric(float64(hook.n.Load())/float64(b.N), "roundtrips/op")
	b.ReportMetric(redisMicros(b, c)/float64(b.N), "redis-µs/op")
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
		case "evalsha", "eval", "get", "getex", "set", "del", "ping", "hmget":
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
