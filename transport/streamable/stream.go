package streamable

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"github.com/mcpkit/mcpkit/internal/httpx"
	"sync"
)

// stream is one resumable SSE stream of a legacy session: the events of one POST's response, or of the
// session's standalone GET stream. Every event goes to the store's event log first, then to the attached
// writer when there is one; a client that lost the connection resumes with GET and Last-Event-ID.
type stream struct {
	h       *Handler
	session string
	id      string

	mu     sync.Mutex
	w      *httpx.SSEWriter // attached writer, nil while detached
	wdone  chan struct{}
	final  bool // the response (or, for GET, the end) has been emitted
	doneCh chan struct{}
}

func newStreamID() string {
	var b [9]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:]) // never contains '/'
}

func (h *Handler) newStream(sessionID string) *stream {
	st := &stream{h: h, session: sessionID, id: newStreamID(), doneCh: make(chan struct{})}
	h.track(st)
	return st
}

// attach makes w the stream's writer, first replaying the events after lastEventID ("" replays nothing).
// It returns a channel closed when the writer is detached or the stream ends.
func (st *stream) attach(ctx context.Context, w *httpx.SSEWriter, lastEventID string) (<-chan struct{}, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if lastEventID != "" {
		_, err := st.h.opts.Events.Replay(ctx, st.session, lastEventID, func(id string, data []byte) error {
			if len(data) == 0 {
				return nil // the priming event
			}
			return w.Event(id, data, 0)
		})
		if err != nil {
			return nil, err
		}
	}
	if st.final {
		ch := make(chan struct{})
		close(ch)
		return ch, nil
	}
	if st.wdone != nil {
		close(st.wdone) // a newer connection replaces the old one
	}
	st.w = w
	st.wdone = make(chan struct{})
	return st.wdone, nil
}

// detach drops the writer if it is still w.
func (st *stream) detach(w *httpx.SSEWriter) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.w == w {
		st.w = nil
		close(st.wdone)
		st.wdone = nil
	}
}

// prime emits the priming event: an id and empty data, with the retry hint.
func (st *stream) prime(ctx context.Context) {
	st.emitWith(ctx, nil, st.h.opts.RetryMs, false)
}

// emit records msg and sends it to the attached writer. final marks the stream's last event.
func (st *stream) emit(ctx context.Context, msg []byte, final bool) error {
	return st.emitWith(ctx, msg, 0, final)
}

func (st *stream) emitWith(ctx context.Context, msg []byte, retryMs int, final bool) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.final {
		return httpx.ErrBroken
	}
	id, err := st.h.opts.Events.Append(ctx, st.session, st.id, msg)
	if err != nil {
		st.h.log.Warn("streamable: recording an event", "err", err)
		id = "" // still deliver it, just not resumably
	}
	if final {
		st.final = true
		close(st.doneCh)
	}
	if st.w != nil {
		if err := st.w.Event(id, msg, retryMs); err != nil {
			st.w = nil
			close(st.wdone)
			st.wdone = nil
		} else if final {
			close(st.wdone)
			st.w, st.wdone = nil, nil
		}
	}
	return nil
}

// end closes the stream without a final message (the standalone GET stream).
func (st *stream) end() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.final {
		return
	}
	st.final = true
	close(st.doneCh)
	if st.wdone != nil {
		close(st.wdone)
		st.w, st.wdone = nil, nil
	}
}
