package health

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcpkit/mcpkit/store"
)

// Check is one readiness condition: Func returns nil when it holds. It is called with a context bounded by
// Options.Timeout.
type Check struct {
	// Name names the check in the readiness answer ("redis").
	Name string
	// Func checks it.
	Func func(ctx context.Context) error
}

// Ping is a Check that pings p (store/redis's Store is a store.Pinger).
func Ping(name string, p store.Pinger) Check {
	return Check{Name: name, Func: p.Ping}
}

// Options configures a Health. The zero value is usable: always ready until Drain.
type Options struct {
	// Checks must all hold for the node to be ready. They run concurrently on each readiness probe.
	Checks []Check
	// Timeout bounds each check (default 2 s): a store that does not answer within it is not ready.
	Timeout time.Duration
	// Draining, when set, is asked too: true means not ready (streamable.Handler.Draining fits).
	Draining func() bool
	// Logger receives why a readiness probe failed (the answer names the failing checks only, never their
	// errors, which may name internal addresses). Nil uses slog.Default().
	Logger *slog.Logger
}

// Health answers the probes. Create it with New.
type Health struct {
	opts     Options
	draining atomic.Bool
}

// New returns a Health. opts may be nil.
func New(opts *Options) *Health {
	h := &Health{}
	if opts != nil {
		h.opts = *opts
	}
	if h.opts.Timeout <= 0 {
		h.opts.Timeout = 2 * time.Second
	}
	if h.opts.Logger == nil {
		h.opts.Logger = slog.Default()
	}
	return h
}

// Drain marks the node draining: readiness answers 503 from now on, so the balancer stops sending it new
// clients while it finishes what runs. It cannot be undone.
func (h *Health) Drain() { h.draining.Store(true) }

// DrainOn calls Drain when ctx ends (the context a SIGTERM cancels); the returned func stops waiting.
func (h *Health) DrainOn(ctx context.Context) (stop func() bool) {
	return context.AfterFunc(ctx, h.Drain)
}

// Draining reports whether the node is draining (Drain, or Options.Draining).
func (h *Health) Draining() bool {
	return h.draining.Load() || (h.opts.Draining != nil && h.opts.Draining())
}

// Liveness answers 200 {"status":"ok"} to GET and HEAD while the process serves: it checks nothing else,
// so that a node waiting for its store is not restarted for it.
func (h *Health) Liveness() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !probeMethod(w, r) {
			return
		}
		write(w, http.StatusOK, `{"status":"ok"}`)
	})
}

// Readiness answers GET and HEAD: 200 {"status":"ready"} when no drain began and every check holds;
// otherwise 503 with Retry-After: 5 and {"status":"draining"} or {"status":"unavailable","failed":[names]}.
func (h *Health) Readiness() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !probeMethod(w, r) {
			return
		}
		w.Header().Set("Retry-After", "5") // only read with a 503
		if h.Draining() {
			write(w, http.StatusServiceUnavailable, `{"status":"draining"}`)
			return
		}
		if failed := h.check(r.Context()); len(failed) > 0 {
			write(w, http.StatusServiceUnavailable, `{"status":"unavailable","failed":["`+strings.Join(failed, `","`)+`"]}`)
			return
		}
		w.Header().Del("Retry-After")
		write(w, http.StatusOK, `{"status":"ready"}`)
	})
}

// Ready runs the checks and reports whether the node is ready, and which checks failed.
func (h *Health) Ready(ctx context.Context) (bool, []string) {
	if h.Draining() {
		return false, nil
	}
	failed := h.check(ctx)
	return len(failed) == 0, failed
}

// check runs every check concurrently, each bounded by Timeout, and returns the names of those that failed.
func (h *Health) check(ctx context.Context) []string {
	n := len(h.opts.Checks)
	if n == 0 {
		return nil
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, c := range h.opts.Checks {
		wg.Go(func() {
			cctx, cancel := context.WithTimeout(ctx, h.opts.Timeout)
			defer cancel()
			errs[i] = c.Func(cctx)
		})
	}
	wg.Wait()
	var failed []string
	for i, err := range errs {
		if err != nil {
			name := h.opts.Checks[i].Name
			h.opts.Logger.Warn("health: not ready", "check", name, "err", err)
			failed = append(failed, jsonSafe(name))
		}
	}
	return failed
}

// probeMethod answers 405 to anything but GET and HEAD, and reports whether the probe goes on.
func probeMethod(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	write(w, http.StatusMethodNotAllowed, `{"status":"method not allowed"}`)
	return false
}

func write(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body + "\n"))
}

// jsonSafe keeps a check's name inside a JSON string: letters, digits and -_./: only.
func jsonSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("-_./:", r):
			return r
		}
		return '_'
	}, s)
}
