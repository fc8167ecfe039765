package redis

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	goredis "github.com/redis/go-redis/v9"
)

// countHook counts the commands and pipelines sent to Redis through a client's hooks: one each is one
// round trip. Pub/sub commands (SUBSCRIBE, UNSUBSCRIBE on the Bus's own connection) do not pass through
// hooks; tests that need them counted wrap the Bus (countingBus in node_helpers_test.go).
type countHook struct {
	n      atomic.Int64
	record atomic.Bool // keep the commands' names (Record), for tests that say which ones they saw

	mu    sync.Mutex
	names []string
}

// Record makes the hook keep the names of the commands it counts, for Names (Reset clears them).
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

// uncountedKey marks a context whose commands the hook does not count (Uncounted).
type uncountedKey struct{}

// Uncounted returns ctx marked so that the commands sent with it are not counted: work that runs off every
// request's path by construction (the server's change publisher) and would otherwise land in a count at a
// time no test controls.
func Uncounted(ctx context.Context) context.Context {
	return context.WithValue(ctx, uncountedKey{}, true)
}

func counted(ctx context.Context) bool { return ctx.Value(uncountedKey{}) == nil }

func (h *countHook) DialHook(next goredis.DialHook) goredis.DialHook { return next }
func (h *countHook) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		if !counted(ctx) || cmd.Name() == "hello" {
			return next(ctx, cmd)
		}
		h.n.Add(1)
		h.Note(cmd.Name())
		return next(ctx, cmd)
	}
}
func (h *countHook) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		if !counted(ctx) || handshake(cmds) {
			return next(ctx, cmds)
		}
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

// handshake reports whether cmds are the CLIENT SETINFO pipeline go-redis sends (after HELLO, which
// ProcessHook skips) on a connection it just dialed: a cost of the pool growing (another request, or the
// node's lease refresher, held the idle connection at that moment), paid once per connection, not per
// request, so counting it would make the per-request counts depend on timing.
func handshake(cmds []goredis.Cmder) bool {
	for _, c := range cmds {
		if c.Name() != "client" {
			return false
		}
	}
	return len(cmds) > 0
}
