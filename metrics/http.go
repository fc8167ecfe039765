package metrics

import (
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// WrapHTTP wraps an MCP endpoint of transport ("streamable" or "sse") so that streams_open counts its
// responses that are SSE streams while they are open. It fits server.HTTPOptions.WrapEndpoint. The wrapped
// ResponseWriter unwraps (http.ResponseController) to the original: flushing and write deadlines work.
func (m *Metrics) WrapHTTP(transport string, next http.Handler) http.Handler {
	gauge := m.open[transportIndex(transport)]
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &streamWriter{ResponseWriter: w, gauge: gauge}
		defer func() {
			if sw.stream {
				gauge.Dec()
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

// streamWriter counts the response it writes in gauge while it is an open SSE stream.
type streamWriter struct {
	http.ResponseWriter
	gauge  prometheus.Gauge
	wrote  bool // the status is written
	stream bool // the response is an SSE stream (counted)
}

func (w *streamWriter) WriteHeader(status int) {
	if !w.wrote {
		w.wrote = true
		if status == http.StatusOK && strings.HasPrefix(w.Header().Get("Content-Type"), "text/event-stream") {
			w.stream = true
			w.gauge.Inc()
		}
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *streamWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// FlushError flushes the original ResponseWriter (http.ResponseController uses it).
func (w *streamWriter) FlushError() error {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Flush implements http.Flusher.
func (w *streamWriter) Flush() { _ = w.FlushError() }

// Unwrap returns the original ResponseWriter (http.ResponseController).
func (w *streamWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
