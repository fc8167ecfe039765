package interop

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/otelmcp"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// headerRecorder is an http.RoundTripper that keeps the traceparent header of every POST.
type headerRecorder struct {
	mu      sync.Mutex
	headers []string
}

func (h *headerRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost {
		h.mu.Lock()
		h.headers = append(h.headers, r.Header.Get("traceparent"))
		h.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestTracedClientAgainstTsServer: our client with otelmcp's ClientMiddleware (trace context in
// params._meta and in the POST's traceparent header) against the TypeScript SDK v2 server, in both eras:
// the server takes the extra _meta members and headers (calls succeed), and each request's header carries
// the traceparent of the client span that sent it.
func TestTracedClientAgainstTsServer(t *testing.T) {
	node := peers(t)
	endpoint := startNodeServer(t, node, "tsserver.mjs")
	for _, pin := range []string{mcp.Version20251125, mcp.Version20260728} {
		t.Run(pin, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			exp := tracetest.NewInMemoryExporter()
			tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
			defer tp.Shutdown(context.Background())
			rec := &headerRecorder{}
			c, err := streamable.NewClient(endpoint, &streamable.ClientOptions{HTTPClient: &http.Client{Transport: rec},
				EraCache: &streamable.EraCache{}})
			if err != nil {
				t.Fatal(err)
			}
			s, err := client.Connect(ctx, c, &client.Options{ProtocolVersion: pin,
				Middleware: []client.Middleware{otelmcp.ClientMiddleware(&otelmcp.Options{TracerProvider: tp})}})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, err := s.ListTools(ctx, ""); err != nil {
				t.Fatalf("tools/list: %v", err)
			}
			res, err := s.CallTool(ctx, "add", map[string]int{"a": 2, "b": 3})
			if err != nil || res.IsError || len(res.Content) == 0 || !strings.Contains(res.Content[0].Text, "5") {
				t.Fatalf("add: %v %+v", err, res)
			}
			var span tracetest.SpanStub
			for _, sp := range exp.GetSpans() {
				if sp.Name == "tools/call add" {
					span = sp
				}
			}
			if !span.SpanContext.IsValid() {
				t.Fatalf("no client span for tools/call add among %d", len(exp.GetSpans()))
			}
			want := "00-" + span.SpanContext.TraceID().String() + "-" + span.SpanContext.SpanID().String() + "-01"
			rec.mu.Lock()
			defer rec.mu.Unlock()
			found := false
			for _, h := range rec.headers {
				found = found || h == want
			}
			if !found {
				t.Errorf("no POST carried traceparent %s: %v", want, rec.headers)
			}
		})
	}
}
