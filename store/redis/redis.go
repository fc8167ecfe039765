package redis

import (
	"context"
	"errors"
	"fmt"
	neturl "net/url"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mcpkit/mcpkit/store"
)

// Options configures a Store. Zero values choose the defaults.
type Options struct {
	// Prefix starts every key and pub/sub channel (default "mcpkit:"). Deployments sharing one Redis
	// database keep apart by choosing different prefixes.
	Prefix string
	// SessionTTL expires a session not loaded or saved for this long (default 30 minutes, the transport's
	// default idle timeout). Negative keeps sessions until deleted.
	SessionTTL time.Duration
	// MaxEventsPerStream keeps only the newest events of a stream (default 1000).
	MaxEventsPerStream int
	// EventMaxAge is the resumability window: events older than this are dropped, and a session's event
	// keys expire this long after its last append (default 10 minutes).
	EventMaxAge time.Duration
	// MaxEventBytesPerSession bounds the event data of a session, over all its streams (default 4 MiB); the
	// oldest events go first and the newest is always kept. The bound over all sessions is Redis's own
	// maxmemory (every event key has a TTL, so a volatile-* eviction policy applies to them).
	MaxEventBytesPerSession int64
	// BusBuffer is each local subscriber's queue length (default 256). Past it, messages are dropped for
	// that subscriber.
	BusBuffer int
	// KeyGrace is how long a key still opens what it sealed after a newer key replaced it (default 1 hour;
	// it should exceed server.Options.RequestStateTTL, 15 minutes by default).
	KeyGrace time.Duration
	// KeyCacheTTL is how long a node uses its copy of the key ring before reading it again (default 1 s).
	// A key id missing from the copy is always looked up in Redis.
	KeyCacheTTL time.Duration
	// Timeout bounds waiting for Redis to confirm a subscription (default 5 s).
	Timeout time.Duration
}

func (o *Options) defaults() {
	if o.Prefix == "" {
		o.Prefix = "mcpkit:"
	}
	if o.SessionTTL == 0 {
		o.SessionTTL = 30 * time.Minute
	}
	if o.MaxEventsPerStream <= 0 {
		o.MaxEventsPerStream = 1000
	}
	if o.EventMaxAge <= 0 {
		o.EventMaxAge = 10 * time.Minute
	}
	if o.MaxEventBytesPerSession <= 0 {
		o.MaxEventBytesPerSession = 4 << 20
	}
	if o.BusBuffer <= 0 {
		o.BusBuffer = 256
	}
	if o.KeyGrace <= 0 {
		o.KeyGrace = time.Hour
	}
	if o.KeyCacheTTL <= 0 {
		o.KeyCacheTTL = time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
}

// Store holds the store implementations on one Redis. Hand its fields to the server and transports:
// streamable.Options{Sessions: st.Sessions, Events: st.Events}, server.Options{KeyRing: st.Keys}; Tasks is
// the task store (store.TaskStore).
type Store struct {
	Sessions *SessionStore
	Events   *EventStore
	Bus      *Bus
	Keys     *KeyRing
	Tasks    *TaskStore

	client goredis.UniversalClient
	owned  bool // the client was made by Open, so Close closes it
}

// New returns a Store on client (a *goredis.Client, *goredis.ClusterClient or any UniversalClient). Close
// does not close client.
func New(client goredis.UniversalClient, opts Options) *Store {
	opts.defaults()
	bus := newBus(client, opts)
	return &Store{
		Sessions: &SessionStore{c: client, opts: opts},
		Events:   &EventStore{c: client, bus: bus, opts: opts, now: time.Now},
		Bus:      bus,
		Keys:     &KeyRing{c: client, opts: opts},
		Tasks:    &TaskStore{c: client, opts: opts, now: time.Now},
		client:   client,
	}
}

// Open connects to the Redis at url (redis://[user:password@]host:port/db, or rediss:// for TLS; go-redis's
// query parameters such as dial_timeout are honoured) and returns a Store on it; Close closes the
// connection. It does not contact Redis: use Ping to check it.
//
// With Redis unreachable a call fails after one dial and one retry (go-redis's defaults, five dials per
// attempt and three retries, made each call take about 1.7 s against a refused port); max_retries in the URL
// overrides the retry. The one retry covers a pooled connection that died with a Redis restart.
func Open(url string, opts Options) (*Store, error) {
	o, err := goredis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("store/redis: %w", err)
	}
	o.DialerRetries = 1
	if u, err := neturl.Parse(url); err == nil && !u.Query().Has("max_retries") {
		o.MaxRetries = 1
	}
	st := New(goredis.NewClient(o), opts)
	st.owned = true
	return st, nil
}

// Ping checks that Redis answers. It implements store.Pinger.
func (st *Store) Ping(ctx context.Context) error {
	if err := st.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("store/redis: ping: %w", err)
	}
	return nil
}

// Close ends the bus's subscriptions and, when the Store made its client (Open), closes it.
func (st *Store) Close() error {
	err := st.Bus.Close()
	if st.owned {
		err = errors.Join(err, st.client.Close())
	}
	return err
}

var _ store.Pinger = (*Store)(nil)

// ms is d in whole milliseconds, at least 1.
func ms(d time.Duration) int64 { return max(d.Milliseconds(), 1) }
