package badinput

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/server"
)

// AddArgs are the arguments of the add tool; Tag is mirrored into the Mcp-Param-Tag header by 2026-07-28
// HTTP clients (x-mcp-header).
type AddArgs struct {
	A   int    `json:"a" jsonschema:"first number"`
	B   int    `json:"b" jsonschema:"second number"`
	Tag string `json:"tag,omitzero" jsonschema:"x-mcp-header=Tag,description=a label routed on by proxies"`
}

// HoldArgs are the arguments of the hold tool.
type HoldArgs struct {
	Key string `json:"key"`
}

// GreetArgs are the arguments of the greet prompt.
type GreetArgs struct {
	Name string `json:"name"`
}

// panics counts panics seen anywhere the test can see them: the HTTP wrapper, the server middleware, and
// log records of recovered panics (jsonrpc.Conn recovers handler panics and logs them).
var panics atomic.Int64

// holds lets the hold tool block until the test releases it (duplicate ids in flight).
var holds = newHoldSet()

// newServer builds the small server the corpus runs against: tools add (with an x-mcp-header argument) and
// hold, a resource template, a plain resource, a prompt and completions for both.
func newServer() *server.Server {
	s := server.New("badinput", "1.0.0", &server.Options{
		Logger:     testLogger,
		Middleware: []server.Middleware{recoverMiddleware},
		// The stdio targets send many requests; the defaults would be fine, but make bounds explicit.
		ClientRequestTimeout: 5 * time.Second,
	})
	server.Tool(s, "add", "Add two numbers", func(ctx context.Context, in AddArgs) (int, error) {
		return in.A + in.B, nil
	})
	server.Tool(s, "hold", "Waits until the test releases key (at most 5 s)", func(ctx context.Context, in HoldArgs) (string, error) {
		return holds.wait(ctx, in.Key), nil
	})
	server.Resource(s, "greeting://{name}", "A personalized greeting", func(ctx context.Context, name string) (string, error) {
		return "Hello, " + name + "!", nil
	})
	server.Resource(s, "files:///{+path}", "A file by path", func(ctx context.Context, path string) (string, error) {
		return "contents of " + path, nil
	})
	server.Resource(s, "command://ping", "Answers Pong", func(ctx context.Context) (string, error) {
		return "Pong", nil
	})
	server.Prompt(s, "greet", "Greets someone", func(ctx context.Context, in GreetArgs) (string, error) {
		return "Say hello to " + in.Name, nil
	})
	s.CompletePromptArgument("greet", "name", func(ctx context.Context, value string, args map[string]string) ([]string, error) {
		return []string{value + "a", value + "b"}, nil
	})
	s.CompleteResourceVariable("greeting://{name}", "name", func(ctx context.Context, value string, args map[string]string) ([]string, error) {
		return []string{value + "x"}, nil
	})
	if err := s.Err(); err != nil {
		panic(err)
	}
	return s
}

// recoverMiddleware turns a handler panic into an error and counts it.
func recoverMiddleware(next server.Handler) server.Handler {
	return func(ctx context.Context, req *server.Request) (res jsontext.Value, err error) {
		defer func() {
			if p := recover(); p != nil {
				panics.Add(1)
				panicLog.add(fmt.Sprintf("%s %s: %v", req.Method, snippet(req.Params), p))
				err = fmt.Errorf("panic in %s: %v", req.Method, p)
			}
		}()
		return next(ctx, req)
	}
}

// recoverHTTP counts panics of an HTTP handler and answers 500, so that the count, not the process, shows
// them.
func recoverHTTP(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				panics.Add(1)
				panicLog.add(fmt.Sprintf("HTTP %s %s: %v", r.Method, r.URL.Path, p))
				w.WriteHeader(http.StatusInternalServerError)
			}
		}()
		h.ServeHTTP(w, r)
	})
}

// testLogger drops everything but counts panics; the server and the transports log to it.
var testLogger = slog.New(countingHandler{})

// countingHandler is a slog handler that drops records but counts the ones about panics.
type countingHandler struct{}

func (countingHandler) Enabled(context.Context, slog.Level) bool { return true }

func (countingHandler) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(strings.ToLower(r.Message), "panic") {
		panics.Add(1)
		var b strings.Builder
		b.WriteString(r.Message)
		r.Attrs(func(a slog.Attr) bool {
			fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
			return true
		})
		panicLog.add(b.String())
	}
	return nil
}

func (h countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h countingHandler) WithGroup(string) slog.Handler      { return h }

// panicLog keeps the first panic descriptions for the report.
var panicLog = &messages{}

type messages struct {
	n    atomic.Int64
	list [16]atomic.Pointer[string]
}

func (m *messages) add(s string) {
	if i := m.n.Add(1) - 1; i < int64(len(m.list)) {
		m.list[i].Store(&s)
	}
}

func (m *messages) all() []string {
	var out []string
	for i := range m.list {
		if p := m.list[i].Load(); p != nil {
			out = append(out, *p)
		}
	}
	return out
}

// holdSet lets hold calls wait on a key until released, and the test wait until a hold call runs.
type holdSet struct {
	mu      sync.Mutex
	m       map[string]chan struct{}
	entered map[string]chan struct{}
}

func newHoldSet() *holdSet {
	return &holdSet{m: map[string]chan struct{}{}, entered: map[string]chan struct{}{}}
}

func (h *holdSet) chans(key string) (release, entered chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.m[key]; !ok {
		h.m[key] = make(chan struct{})
		h.entered[key] = make(chan struct{})
	}
	return h.m[key], h.entered[key]
}

// reset forgets key, so that it can be used again.
func (h *holdSet) reset(key string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.m, key)
	delete(h.entered, key)
}

// running returns a channel closed once a hold call for key has started.
func (h *holdSet) running(key string) <-chan struct{} {
	_, e := h.chans(key)
	return e
}

func (h *holdSet) wait(ctx context.Context, key string) string {
	release, entered := h.chans(key)
	h.mu.Lock()
	select {
	case <-entered:
	default:
		close(entered)
	}
	h.mu.Unlock()
	t := time.NewTimer(5 * time.Second)
	defer t.Stop()
	select {
	case <-release:
		return "released"
	case <-ctx.Done():
		return "cancelled"
	case <-t.C:
		return "timed out"
	}
}

func (h *holdSet) release(key string) {
	c, _ := h.chans(key)
	h.mu.Lock()
	defer h.mu.Unlock()
	select {
	case <-c:
	default:
		close(c)
	}
}

var errHang = errors.New("no answer within the per-request timeout (a hang)")
