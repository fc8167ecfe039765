package httpx

import (
	"bytes"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// SSEWriter writes Server-Sent Events to one HTTP response. It is safe for concurrent use; a write error
// marks it broken and later writes fail fast.
type SSEWriter struct {
	mu      sync.Mutex
	w       http.ResponseWriter
	rc      *http.ResponseController
	broken  bool
	started bool
	timeout time.Duration
}

// SetWriteTimeout bounds each later write (and its flush): a client that stops reading makes the write
// fail after d instead of blocking forever, and the writer is broken. Zero means no deadline.
func (s *SSEWriter) SetWriteTimeout(d time.Duration) {
	s.mu.Lock()
	s.timeout = d
	s.mu.Unlock()
}

// NewSSEWriter returns a writer for w; nothing is written until Start or the first event.
func NewSSEWriter(w http.ResponseWriter) *SSEWriter {
	return &SSEWriter{w: w, rc: http.NewResponseController(w)}
}

// Start writes the SSE response headers (once); extra may add headers.
func (s *SSEWriter) Start(extra func(h http.Header)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.startLocked(extra)
}

func (s *SSEWriter) startLocked(extra func(h http.Header)) {
	if s.started {
		return
	}
	s.started = true
	h := s.w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache, no-transform")
	h.Set("Connection", "keep-alive")
	h.Set("X-Accel-Buffering", "no") // ask proxies such as nginx not to buffer the stream
	if extra != nil {
		extra(h)
	}
	s.w.WriteHeader(http.StatusOK)
	if s.flushLocked() != nil {
		s.broken = true
	}
}

// Event writes one event. id may be empty; retryMs ≤ 0 omits the retry field. data must not contain
// newlines (JSON-RPC messages are compact); an empty data writes an empty data field (the priming event).
func (s *SSEWriter) Event(id string, data []byte, retryMs int) error {
	var b bytes.Buffer
	if id != "" {
		b.WriteString("id: ")
		b.WriteString(id)
		b.WriteByte('\n')
	}
	if retryMs > 0 {
		b.WriteString("retry: ")
		b.WriteString(strconv.Itoa(retryMs))
		b.WriteByte('\n')
	}
	if len(data) > 0 {
		b.WriteString("event: message\n")
	}
	b.WriteString("data: ")
	if len(data) > bigEvent {
		// Written in place rather than copied: a big event would otherwise be held twice while a slow
		// client's write blocks.
		return s.write(b.Bytes(), data, []byte("\n\n"))
	}
	b.Write(data)
	b.WriteString("\n\n")
	return s.write(b.Bytes())
}

// bigEvent is the data size above which Event writes the data without copying it.
const bigEvent = 32 << 10

// Detach marks the writer finished: later writes fail with ErrBroken. An HTTP handler calls it before it
// returns, so that no other goroutine writes to a response the server has already finished.
func (s *SSEWriter) Detach() {
	s.mu.Lock()
	s.broken = true
	s.mu.Unlock()
}

// Comment writes a keep-alive comment line.
func (s *SSEWriter) Comment() error { return s.write([]byte(": keep-alive\n\n")) }

// Named writes one event of a given type (the HTTP+SSE transport's "endpoint" event).
func (s *SSEWriter) Named(event string, data []byte) error {
	var b bytes.Buffer
	b.WriteString("event: ")
	b.WriteString(event)
	b.WriteString("\ndata: ")
	b.Write(data)
	b.WriteString("\n\n")
	return s.write(b.Bytes())
}

func (s *SSEWriter) write(parts ...[]byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.broken {
		return ErrBroken
	}
	if s.timeout > 0 {
		// ErrNotSupported (a ResponseWriter without deadlines) leaves the write unbounded.
		_ = s.rc.SetWriteDeadline(time.Now().Add(s.timeout))
	}
	s.startLocked(nil)
	for _, p := range parts {
		if _, err := s.w.Write(p); err != nil {
			s.broken = true
			return err
		}
	}
	if err := s.flushLocked(); err != nil {
		s.broken = true
		return err
	}
	if s.timeout > 0 {
		_ = s.rc.SetWriteDeadline(time.Time{}) // idle streams must not time out between events
	}
	return nil
}

func (s *SSEWriter) flushLocked() error { return s.rc.Flush() }

type brokenError struct{}

func (brokenError) Error() string { return "streamable: the client's stream is gone" }

// ErrBroken is returned by writes after the client went away.
var ErrBroken error = brokenError{}
