package health_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mcpkit/mcpkit/health"
	"github.com/mcpkit/mcpkit/internal/redistest"
	"github.com/mcpkit/mcpkit/store/redis"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func probe(t *testing.T, h http.Handler, method string) (int, string, string) {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(method, "/readyz", nil))
	return w.Code, strings.TrimSpace(w.Body.String()), w.Header().Get("Retry-After")
}

// TestReadiness: ready while the checks hold; 503 naming the failing check (not its error) when one fails
// or does not answer within the timeout; 503 draining once Drain is called, or Options.Draining says so.
// Liveness answers 200 throughout.
func TestReadiness(t *testing.T) {
	var down, slow, draining atomic.Bool
	h := health.New(&health.Options{
		Timeout: 50 * time.Millisecond,
		Checks: []health.Check{
			{Name: "store", Func: func(ctx context.Context) error {
				if down.Load() {
					return errors.New("dial tcp 10.1.2.3:6379: refused")
				}
				return nil
			}},
			{Name: "slow", Func: func(ctx context.Context) error {
				if slow.Load() {
					<-ctx.Done()
					return ctx.Err()
				}
				return nil
			}},
		},
		Draining: draining.Load,
	})
	ready, live := h.Readiness(), h.Liveness()
	if code, body, _ := probe(t, ready, http.MethodGet); code != 200 || body != `{"status":"ready"}` {
		t.Fatalf("ready: %d %s", code, body)
	}
	down.Store(true)
	code, body, retry := probe(t, ready, http.MethodGet)
	if code != 503 || body != `{"status":"unavailable","failed":["store"]}` || retry == "" || strings.Contains(body, "10.1.2.3") {
		t.Fatalf("store down: %d %s Retry-After %q", code, body, retry)
	}
	down.Store(false)
	slow.Store(true)
	start := time.Now()
	if code, body, _ := probe(t, ready, http.MethodGet); code != 503 || body != `{"status":"unavailable","failed":["slow"]}` {
		t.Fatalf("a check past the timeout: %d %s", code, body)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("the probe took %v: the timeout did not bound the check", d)
	}
	slow.Store(false)
	draining.Store(true)
	if code, body, _ := probe(t, ready, http.MethodGet); code != 503 || body != `{"status":"draining"}` {
		t.Fatalf("Options.Draining: %d %s", code, body)
	}
	draining.Store(false)
	ctx, cancel := context.WithCancel(context.Background())
	h.DrainOn(ctx)
	if code, _, _ := probe(t, ready, http.MethodGet); code != 200 {
		t.Fatalf("before the context ends: %d", code)
	}
	cancel()
	for i := 0; ; i++ { // the AfterFunc runs on its own goroutine
		if code, body, _ := probe(t, ready, http.MethodGet); code == 503 && body == `{"status":"draining"}` {
			break
		}
		if i == 500 {
			t.Fatal("readiness did not turn draining after DrainOn's context ended")
		}
		time.Sleep(2 * time.Millisecond)
	}
	if code, body, _ := probe(t, live, http.MethodGet); code != 200 || body != `{"status":"ok"}` {
		t.Fatalf("liveness while draining: %d %s", code, body)
	}
	if code, _, _ := probe(t, live, http.MethodPost); code != http.StatusMethodNotAllowed {
		t.Fatalf("POST to a probe: %d", code)
	}
}

// TestReadinessRedis: with a real redis-server, ready while it runs, 503 within the timeout once it is
// killed, ready again once it is back.
func TestReadinessRedis(t *testing.T) {
	rs := redistest.Start(t)
	st, err := redis.Open(rs.URL(0), redis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	h := health.New(&health.Options{Checks: []health.Check{health.Ping("redis", st)}, Timeout: time.Second})
	ready := h.Readiness()
	if code, body, _ := probe(t, ready, http.MethodGet); code != 200 {
		t.Fatalf("redis up: %d %s", code, body)
	}
	rs.Stop()
	start := time.Now()
	if code, body, _ := probe(t, ready, http.MethodGet); code != 503 || body != `{"status":"unavailable","failed":["redis"]}` {
		t.Fatalf("redis killed: %d %s", code, body)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("the probe took %v against a dead Redis", d)
	}
	rs.Restart(t)
	for i := 0; ; i++ {
		if code, _, _ := probe(t, ready, http.MethodGet); code == 200 {
			break
		}
		if i == 100 {
			t.Fatal("not ready again after Redis came back")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
