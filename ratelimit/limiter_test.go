package ratelimit_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/auth"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/ratelimit"
	"github.com/mcpkit/mcpkit/server"
)

// clock is a settable time for the limiter.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newLimiter(t *testing.T, o ratelimit.Options) (*ratelimit.Limiter, *clock) {
	t.Helper()
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	o.Now = c.now
	l, err := ratelimit.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return l, c
}

// TestBucketRefills: a burst passes, the next request is refused with the time until a token is back,
// and after that time one more passes; keys have their own buckets.
func TestBucketRefills(t *testing.T) {
	l, c := newLimiter(t, ratelimit.Options{Rate: 2, Burst: 3})
	for i := range 3 {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	ok, wait := l.Allow("a")
	if ok || wait != 500*time.Millisecond {
		t.Fatalf("past the burst: ok %v, wait %v; want refused, 500ms (2 tokens a second)", ok, wait)
	}
	if ok, _ := l.Allow("b"); !ok {
		t.Fatal("another key shares a's bucket")
	}
	c.add(499 * time.Millisecond)
	if ok, _ := l.Allow("a"); ok {
		t.Fatal("a token came back before its time")
	}
	c.add(time.Millisecond)
	if ok, _ := l.Allow("a"); !ok {
		t.Fatal("the bucket did not refill after 500ms")
	}
	if ok, _ := l.Allow("a"); ok {
		t.Fatal("one refill let two requests through")
	}
	c.add(10 * time.Second) // refills to the burst, not beyond
	for i := range 3 {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatalf("after a long idle, request %d refused", i+1)
		}
	}
	if ok, _ := l.Allow("a"); ok {
		t.Fatal("an idle bucket filled past its burst")
	}
	if st := l.Stats(); st.Refused != 4 || st.Buckets != 2 {
		t.Fatalf("stats %+v, want 4 refused, 2 buckets", st)
	}
}

// TestBucketsBounded: the map never holds more than MaxBuckets; buckets idle long enough to be full are
// dropped first, and a dropped bucket comes back full.
func TestBucketsBounded(t *testing.T) {
	l, c := newLimiter(t, ratelimit.Options{Rate: 1, Burst: 1, MaxBuckets: 100})
	for i := range 1000 {
		l.Allow("k" + string(rune('a'+i%26)) + strings.Repeat("x", i/26))
		if n := l.Stats().Buckets; n > 100 {
			t.Fatalf("%d buckets held, the bound is 100", n)
		}
	}
	c.add(2 * time.Second) // every bucket is full again: the next new key sweeps them
	l.Allow("new")
	if n := l.Stats().Buckets; n != 1 {
		t.Fatalf("after every bucket refilled, %d held; want only the new one", n)
	}
}

// TestHTTP429: past the limit a POST carrying a request is answered 429 with Retry-After and a -32000
// error for its id; a notification or a response still passes; DELETE passes; callers are keyed by
// principal when there is one, by address otherwise.
func TestHTTP429(t *testing.T) {
	l, c := newLimiter(t, ratelimit.Options{Rate: 0.5, Burst: 2})
	var served int
	var mu sync.Mutex
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		served++
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write(b)
	})
	h := l.Wrap(next)
	send := func(method, body, addr string, p *auth.Principal) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "/mcp", strings.NewReader(body))
		r.RemoteAddr = addr
		if p != nil {
			r = r.WithContext(auth.WithPrincipal(r.Context(), p))
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	call := `{"jsonrpc":"2.0","id":"c-7","method":"tools/call","params":{"name":"add"}}`
	for range 2 {
		if w := send(http.MethodPost, call, "10.0.0.1:1", nil); w.Code != http.StatusAccepted {
			t.Fatalf("within the burst: %d", w.Code)
		}
	}
	w := send(http.MethodPost, call, "10.0.0.1:2", nil) // same address, another port: same caller
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "2" {
		t.Fatalf("past the limit: %d, Retry-After %q; want 429, 2 (one token every 2 s)", w.Code, w.Header().Get("Retry-After"))
	}
	var e struct {
		ID    string        `json:"id"`
		Error jsonrpc.Error `json:"error"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.ID != "c-7" || e.Error.Code != jsonrpc.CodeOverloaded {
		t.Fatalf("refusal body %s (%v): want the -32000 error for id c-7", w.Body, err)
	}
	// Answers and notifications for what already runs pass, body intact.
	note := `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}`
	if w := send(http.MethodPost, note, "10.0.0.1:3", nil); w.Code != http.StatusAccepted || w.Body.String() != note {
		t.Fatalf("a notification past the limit: %d %q", w.Code, w.Body)
	}
	answer := `{"jsonrpc":"2.0","id":"s1","result":{}}`
	if w := send(http.MethodPost, answer, "10.0.0.1:3", nil); w.Code != http.StatusAccepted || w.Body.String() != answer {
		t.Fatalf("a response past the limit: %d %q", w.Code, w.Body)
	}
	if w := send(http.MethodDelete, "", "10.0.0.1:3", nil); w.Code != http.StatusAccepted {
		t.Fatalf("DELETE past the limit: %d", w.Code)
	}
	if w := send(http.MethodGet, "", "10.0.0.1:3", nil); w.Code != http.StatusTooManyRequests {
		t.Fatalf("GET past the limit: %d", w.Code)
	}
	// Another address, and a principal on the limited address, have buckets of their own.
	if w := send(http.MethodPost, call, "10.0.0.2:1", nil); w.Code != http.StatusAccepted {
		t.Fatalf("another address: %d", w.Code)
	}
	alice := &auth.Principal{Issuer: "https://as", Subject: "alice"}
	if w := send(http.MethodPost, call, "10.0.0.1:4", alice); w.Code != http.StatusAccepted {
		t.Fatalf("a principal from the limited address: %d", w.Code)
	}
	// The bucket refills.
	c.add(2 * time.Second)
	if w := send(http.MethodPost, call, "10.0.0.1:5", nil); w.Code != http.StatusAccepted {
		t.Fatalf("after 2 s: %d, want the refilled token", w.Code)
	}
	if w := send(http.MethodPost, call, "10.0.0.1:5", nil); w.Code != http.StatusTooManyRequests {
		t.Fatalf("a second request after one refill: %d", w.Code)
	}
	if st := l.Stats(); st.Refused != 3 {
		t.Fatalf("refused %d, want 3 (two POSTs and a GET)", st.Refused)
	}
}

// TestMiddlewareInBand: as server middleware (stdio), a request past the limit gets -32000 with
// data.retryAfter, and the bucket refills.
func TestMiddlewareInBand(t *testing.T) {
	l, c := newLimiter(t, ratelimit.Options{Rate: 1, Burst: 1})
	next := server.Handler(func(ctx context.Context, r *server.Request) (jsontext.Value, error) {
		return jsontext.Value(`{}`), nil
	})
	h := l.Middleware(next)
	r := &server.Request{Method: "tools/call"}
	if _, err := h(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	_, err := h(context.Background(), r)
	e, ok := err.(*jsonrpc.Error)
	if !ok || e.Code != jsonrpc.CodeOverloaded || string(e.Data) != `{"retryAfter":1}` {
		t.Fatalf("past the limit: %v, want -32000 with data {\"retryAfter\":1}", err)
	}
	c.add(time.Second)
	if _, err := h(context.Background(), r); err != nil {
		t.Fatalf("after the refill: %v", err)
	}
}

// TestParse reads the --rate-limit forms and refuses the rest.
func TestParse(t *testing.T) {
	for in, want := range map[string][2]float64{"10": {10, 0}, "2.5:20": {2.5, 20}} {
		o, err := ratelimit.Parse(in)
		if err != nil || o.Rate != want[0] || float64(o.Burst) != want[1] {
			t.Errorf("Parse(%q) = %+v, %v", in, o, err)
		}
	}
	for _, in := range []string{"", "0", "-1", "x", "NaN", "Inf", "5:0", "5:x", "5:1.5"} {
		if _, err := ratelimit.Parse(in); err == nil {
			t.Errorf("Parse(%q) accepted", in)
		}
	}
	if _, err := ratelimit.New(ratelimit.Options{}); err == nil {
		t.Error("New without a Rate accepted")
	}
}
