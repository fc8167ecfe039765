package redis

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/mcpkit/mcpkit/internal/redistest"
	"github.com/mcpkit/mcpkit/store"
	"github.com/mcpkit/mcpkit/store/storetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var prefixes atomic.Int64

// newStore returns a Store on srv under a prefix no other store of this run uses (an empty store), closed
// at t's end.
func newStore(t testing.TB, srv *redistest.Server, opts Options) *Store {
	t.Helper()
	if opts.Prefix == "" {
		opts.Prefix = fmt.Sprintf("test%d:", prefixes.Add(1))
	}
	st, err := Open(srv.URL(0), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestStoretestSessions(t *testing.T) {
	srv := redistest.Start(t)
	storetest.TestSessionStore(t, func(t *testing.T) store.SessionStore { return newStore(t, srv, Options{}).Sessions })
}

func TestStoretestEvents(t *testing.T) {
	srv := redistest.Start(t)
	storetest.TestEventStore(t, func(t *testing.T) store.EventStore { return newStore(t, srv, Options{}).Events })
}

func TestStoretestLeases(t *testing.T) {
	srv := redistest.Start(t)
	storetest.TestLeases(t, func(t *testing.T) store.EventStore { return newStore(t, srv, Options{}).Events })
}

func TestStoretestEventWatcher(t *testing.T) {
	srv := redistest.Start(t)
	storetest.TestEventWatcher(t, func(t *testing.T) store.EventWatcher { return newStore(t, srv, Options{}).Events })
}

func TestStoretestBus(t *testing.T) {
	srv := redistest.Start(t)
	storetest.TestBus(t, func(t *testing.T) store.Bus { return newStore(t, srv, Options{}).Bus })
}

func TestStoretestKeyRing(t *testing.T) {
	srv := redistest.Start(t)
	storetest.TestKeyRing(t, func(t *testing.T) store.KeyRing { return newStore(t, srv, Options{}).Keys })
}

// rawClient is a plain client on srv, to look at keys and their TTLs.
func rawClient(t *testing.T, srv *redistest.Server) *goredis.Client {
	c := goredis.NewClient(&goredis.Options{Addr: srv.Addr})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// TestSessionTTL: a session's key carries SessionTTL; Load and Save set it again; Redis expires an idle
// session; a negative SessionTTL keeps it.
func TestSessionTTL(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	raw := rawClient(t, srv)
	st := newStore(t, srv, Options{Prefix: "ttl:", SessionTTL: time.Hour})
	if err := st.Sessions.Create(ctx, &store.SessionState{ID: "a"}); err != nil {
		t.Fatal(err)
	}
	key := "ttl:s:{a}"
	checkTTL := func(when string) {
		t.Helper()
		if d := raw.PTTL(ctx, key).Val(); d <= 59*time.Minute || d > time.Hour {
			t.Errorf("%s: TTL %v, want about 1h", when, d)
		}
	}
	checkTTL("after Create")
	raw.PExpire(ctx, key, time.Minute) // as if 59 idle minutes went by
	s, err := st.Sessions.Load(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	checkTTL("after Load")
	raw.PExpire(ctx, key, time.Minute)
	s.Initialized = true
	if err := st.Sessions.Save(ctx, s); err != nil {
		t.Fatal(err)
	}
	checkTTL("after Save")

	raw.PExpire(ctx, key, time.Millisecond) // the idle timeout passes
	for range 1000 {
		if raw.Exists(ctx, key).Val() == 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if _, err := st.Sessions.Load(ctx, "a"); err != store.ErrNotFound {
		t.Errorf("load of an expired session: %v, want ErrNotFound", err)
	}
	if err := st.Sessions.Save(ctx, s); err != store.ErrNotFound {
		t.Errorf("save of an expired session: %v, want ErrNotFound", err)
	}

	forever := newStore(t, srv, Options{Prefix: "forever:", SessionTTL: -1})
	if err := forever.Sessions.Create(ctx, &store.SessionState{ID: "b"}); err != nil {
		t.Fatal(err)
	}
	if _, err := forever.Sessions.Load(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if d := raw.PTTL(ctx, "forever:s:{b}").Val(); d != -1 {
		t.Errorf("SessionTTL -1: TTL %v, want none (-1)", d)
	}
}

// TestTwoNodes: two Stores with their own connections on one Redis behave as one store: what one writes,
// the other reads.
func TestTwoNodes(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	a := newStore(t, srv, Options{Prefix: "two:", KeyCacheTTL: time.Hour})
	b := newStore(t, srv, Options{Prefix: "two:", KeyCacheTTL: time.Hour})

	if err := a.Sessions.Create(ctx, &store.SessionState{ID: "s", ProtocolVersion: "2025-11-25"}); err != nil {
		t.Fatal(err)
	}
	s, err := b.Sessions.Load(ctx, "s")
	if err != nil || s.ProtocolVersion != "2025-11-25" {
		t.Fatalf("node B loads A's session: %+v, %v", s, err)
	}
	s.LogLevel = "debug"
	if err := b.Sessions.Save(ctx, s); err != nil {
		t.Fatal(err)
	}
	if s, _ := a.Sessions.Load(ctx, "s"); s == nil || s.LogLevel != "debug" {
		t.Errorf("node A does not see B's save: %+v", s)
	}
	if err := b.Sessions.Create(ctx, &store.SessionState{ID: "s"}); err != store.ErrExists {
		t.Errorf("node B creating A's session id: %v, want ErrExists", err)
	}

	first, _ := a.Events.Append(ctx, "s", "get", []byte("1"))
	_, _ = b.Events.Append(ctx, "s", "get", []byte("2"))
	_, _ = a.Events.Append(ctx, "s", "get", []byte("3"))
	var got []string
	if _, err := b.Events.Replay(ctx, "s", first, func(_ string, d []byte) error { got = append(got, string(d)); return nil }); err != nil || fmt.Sprint(got) != "[2 3]" {
		t.Errorf("node B replays both nodes' events: %v, %v", got, err)
	}

	sub, err := a.Bus.Subscribe(ctx, "topic")
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if err := b.Bus.Publish(ctx, "topic", []byte("hello")); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-sub.C():
		if string(m) != "hello" {
			t.Errorf("got %q", m)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("node A's subscriber did not get node B's message")
	}

	old, err := a.Keys.Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if k, err := b.Keys.Current(ctx); err != nil || k.ID != old.ID {
		t.Fatalf("the nodes' current keys differ: %s, %s (%v)", old.ID, k.ID, err)
	}
	// A rotates; B's copy is fresh (KeyCacheTTL 1h) yet it opens what A now seals.
	k2, err := a.Keys.Rotate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if k, err := b.Keys.Lookup(ctx, k2.ID); err != nil || string(k.Secret) != string(k2.Secret) {
		t.Errorf("node B looks up the key A rotated in: %v", err)
	}
	if k, err := b.Keys.Lookup(ctx, old.ID); err != nil || string(k.Secret) != string(old.Secret) {
		t.Errorf("node B looks up the replaced key within its grace: %v", err)
	}
}

// TestRedisDown: with Redis gone every call fails with an error (not ErrNotFound, no panic), and works
// again once a Redis answers on the same address.
func TestRedisDown(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	st := New(goredis.NewClient(&goredis.Options{Addr: srv.Addr, MaxRetries: -1, DialTimeout: time.Second}), Options{})
	t.Cleanup(func() { _ = st.Close() })
	sub, err := st.Bus.Subscribe(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	srv.Stop()
	if _, err := st.Sessions.Load(ctx, "x"); err == nil || err == store.ErrNotFound {
		t.Errorf("Load with Redis down: %v, want an error other than ErrNotFound", err)
	}
	if _, err := st.Events.Append(ctx, "s", "A", []byte("x")); err == nil {
		t.Error("Append with Redis down succeeded")
	}
	if _, err := st.Events.Replay(ctx, "s", "A/1", func(string, []byte) error { return nil }); err == nil || err == store.ErrNotFound {
		t.Errorf("Replay with Redis down: %v", err)
	}
	if err := st.Bus.Publish(ctx, "t", nil); err == nil {
		t.Error("Publish with Redis down succeeded")
	}
	if _, err := st.Keys.Current(ctx); err == nil {
		t.Error("Current with Redis down succeeded")
	}
	if s, err := st.Bus.Subscribe(ctx, "another"); err == nil {
		s.Close()
		t.Error("Subscribe with Redis down succeeded")
	}
}

// TestRedisRestart: after Redis crashed and came back empty, the stores work again without a restart of the
// node, and the bus's subscriptions receive again (go-redis subscribes again on reconnecting).
func TestRedisRestart(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	st := newStore(t, srv, Options{Prefix: "restart:"})
	sub, err := st.Bus.Subscribe(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	srv.Restart(t)
	var lastErr error
	ok := false
	for range 100 { // the pool's connections died with the server: the first calls may fail
		if lastErr = st.Sessions.Create(ctx, &store.SessionState{ID: "after"}); lastErr == nil {
			ok = true
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !ok {
		t.Fatalf("sessions do not work after Redis came back: %v", lastErr)
	}
	if _, err := st.Events.Append(ctx, "s", "A", []byte("x")); err != nil {
		t.Errorf("append after Redis came back: %v", err)
	}
	if _, err := st.Keys.Current(ctx); err != nil {
		t.Errorf("key ring after Redis came back: %v", err)
	}
	// The subscription is renewed by the bus's reader; publish until it arrives (at most once while down).
	for i := range 200 {
		_ = st.Bus.Publish(ctx, "t", []byte("back"))
		select {
		case m := <-sub.C():
			if string(m) != "back" {
				t.Fatalf("got %q", m)
			}
			return
		case <-time.After(50 * time.Millisecond):
		}
		if i == 199 {
			t.Fatal("the subscription never received after Redis came back")
		}
	}
}

// TestOpenURL: Open takes redis://host:port/db and uses that database; a URL of another scheme is refused.
func TestOpenURL(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	st, err := Open("redis://"+srv.Addr+"/3", Options{Prefix: "url:"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Sessions.Create(ctx, &store.SessionState{ID: "a"}); err != nil {
		t.Fatal(err)
	}
	db3 := goredis.NewClient(&goredis.Options{Addr: srv.Addr, DB: 3})
	defer db3.Close()
	if db3.Exists(ctx, "url:s:{a}").Val() != 1 || rawClient(t, srv).Exists(ctx, "url:s:{a}").Val() != 0 {
		t.Error("the session is not in database 3 only")
	}
	if _, err := Open("http://"+srv.Addr, Options{}); err == nil {
		t.Error("an http:// URL was accepted")
	}
}

func TestStoretestTasks(t *testing.T) {
	srv := redistest.Start(t)
	storetest.TestTaskStore(t, func(t *testing.T) store.TaskStore { return newStore(t, srv, Options{}).Tasks })
}
