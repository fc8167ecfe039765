package otelmcp_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/goleak"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/otelmcp"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/transport/memory"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// recorder is a tracer provider that keeps every ended span in memory.
type recorder struct {
	exp *tracetest.InMemoryExporter
	tp  *sdktrace.TracerProvider
}

func newRecorder(t testing.TB) *recorder {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp), sdktrace.WithSampler(sdktrace.AlwaysSample()))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return &recorder{exp: exp, tp: tp}
}

func (r *recorder) opts(attrs ...attribute.KeyValue) *otelmcp.Options {
	return &otelmcp.Options{TracerProvider: r.tp, Attributes: attrs}
}

// find returns the one span named name of kind k; it fails the test when there is none or several.
func (r *recorder) find(t *testing.T, name string, k trace.SpanKind) tracetest.SpanStub {
	t.Helper()
	var found []tracetest.SpanStub
	for _, s := range r.exp.GetSpans() {
		if s.Name == name && s.SpanKind == k {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d spans %q of kind %v, want 1; spans: %s", len(found), name, k, r.list())
	}
	return found[0]
}

func (r *recorder) list() string {
	var b strings.Builder
	for _, s := range r.exp.GetSpans() {
		fmt.Fprintf(&b, "\n  %s (%v) %s parent %s", s.Name, s.SpanKind, s.SpanContext.SpanID(), s.Parent.SpanID())
	}
	return b.String()
}

// attr returns the value of attribute k of s ("" when absent) and whether it is present.
func attr(s tracetest.SpanStub, k attribute.Key) (string, bool) {
	for _, kv := range s.Attributes {
		if kv.Key == k {
			return kv.Value.String(), true
		}
	}
	return "", false
}

// link is one hop of the topology: how a client reaches a server.
type link interface {
	connect(t testing.TB, s *server.Server, opts *client.Options) *client.Session
}

// memoryLink connects over an in-memory pipe (the stream transports' path, as stdio).
type memoryLink struct{}

func (memoryLink) connect(t testing.TB, s *server.Server, opts *client.Options) *client.Session {
	t.Helper()
	a, b := memory.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, a) }()
	cctx, ccancel := context.WithTimeout(ctx, 10*time.Second)
	defer ccancel()
	sess, err := client.Connect(cctx, b, opts)
	if err != nil {
		cancel()
		<-done
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sess.Close()
		cancel()
		<-done
	})
	return sess
}

// httpLink connects over Streamable HTTP to an httptest server whose handler is wrapped in
// HTTPMiddleware (unless opts is nil); with record, it keeps the traceparent header of every POST.
type httpLink struct {
	opts   *otelmcp.Options
	record bool

	mu      sync.Mutex
	headers []string // "method-less" record: the traceparent header of each POST, in order
}

func (l *httpLink) connect(t testing.TB, s *server.Server, opts *client.Options) *client.Session {
	t.Helper()
	ts := l.listen(t, s)
	c, err := streamable.NewClient(ts.URL, &streamable.ClientOptions{HTTPClient: ts.Client(), EraCache: &streamable.EraCache{}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sess, err := client.Connect(ctx, c, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sess.Close() }) // before the server's cleanup (cleanups run last first)
	return sess
}

// listen serves s's Streamable HTTP handler on a loopback port until the test ends, wrapped as l says.
func (l *httpLink) listen(t testing.TB, s *server.Server) *httptest.Server {
	h := s.Handler(nil)
	var root http.Handler = h
	if l.opts != nil {
		root = otelmcp.HTTPMiddleware(l.opts)(root)
	}
	if l.record {
		next := root
		root = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost {
				l.mu.Lock()
				l.headers = append(l.headers, r.Header.Get("traceparent"))
				l.mu.Unlock()
			}
			next.ServeHTTP(w, r)
		})
	}
	ts := httptest.NewServer(root)
	t.Cleanup(func() {
		cctx, ccancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer ccancel()
		_ = h.Close(cctx)
		ts.CloseClientConnections()
		ts.Close()
	})
	return ts
}

// sawHeader reports whether some POST carried traceparent header v.
func (l *httpLink) sawHeader(v string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, h := range l.headers {
		if h == v {
			return true
		}
	}
	return false
}
