package streamable

import (
	"context"
	"errors"
	"github.com/mcpkit/mcpkit/internal/httpx"
	"net/http"
	"sync"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/jsonrpc"
)

// reply answers one request. It is the transport.Peer the server uses for the request's own messages:
// while nothing but the result is sent the answer is one JSON body; the first notification turns it into
// an SSE stream (resumable for legacy sessions), which the result then ends.
type reply struct {
	h      *Handler
	w      http.ResponseWriter
	id     jsonrpc.ID
	modern bool
	live   *liveSession // legacy only
	header func(http.Header)
	// reqHeader are the request's headers (2026-07-28 requests), for transport.HeaderPeer.
	reqHeader http.Header

	mu        sync.Mutex
	sse       *httpx.SSEWriter
	stream    *stream // legacy, once streaming
	done      bool    // the response has been produced
	detached  bool    // the HTTP handler returned: w must not be touched
	cancelled bool    // the client cancelled the request: no response is sent
	cancel    context.CancelFunc
	stopKA    chan struct{}
	closeReq  chan struct{} // closed by CloseStream: the HTTP handler ends the response, the request goes on
}

// cancelByPeer ends the request's context; finish will send no response.
func (rp *reply) cancelByPeer() {
	rp.mu.Lock()
	rp.cancelled = true
	cancel := rp.cancel
	rp.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

var errFinished = errors.New("streamable: the request has already been answered")

// RequestHeader implements transport.HeaderPeer.
func (rp *reply) RequestHeader() http.Header { return rp.reqHeader }

// Notify implements transport.Peer: a notification related to the request.
func (rp *reply) Notify(ctx context.Context, method string, params any) error {
	raw, err := marshalParams(params)
	if err != nil {
		return err
	}
	return rp.send(ctx, jsonrpc.AppendRequest(nil, jsonrpc.ID{}, method, raw))
}

// Call implements transport.Peer: a server-to-client request on the request's stream (legacy only).
func (rp *reply) Call(ctx context.Context, method string, params any) (jsontext.Value, error) {
	if rp.modern || rp.live == nil {
		return nil, errNoServerRequests
	}
	return rp.live.call(ctx, method, params, func(msg []byte) error { return rp.send(ctx, msg) })
}

// send writes one message before the response, switching to SSE on the first.
func (rp *reply) send(ctx context.Context, msg []byte) error {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if rp.done {
		return errFinished
	}
	if !rp.modern && rp.h.opts.JSONResponse {
		return nil // the caller chose JSON answers: notifications have nowhere to go
	}
	if rp.sse == nil {
		rp.startSSELocked(ctx)
	}
	if rp.stream != nil {
		return rp.stream.emit(ctx, msg, false)
	}
	if rp.detached {
		return httpx.ErrBroken
	}
	return rp.sse.Event("", msg, 0)
}

func (rp *reply) startSSELocked(ctx context.Context) {
	rp.sse = httpx.NewSSEWriter(rp.w)
	if !rp.detached {
		rp.sse.Start(rp.header)
	}
	if !rp.modern && rp.live != nil {
		rp.stream = rp.h.newStream(rp.live.id)
		if !rp.detached {
			_, _ = rp.stream.attach(ctx, rp.sse, "")
		}
		rp.stream.prime(ctx)
	}
	rp.startKeepAlive()
}

// startKeepAlive writes comments on the stream while it is open.
func (rp *reply) startKeepAlive() {
	if rp.h.opts.KeepAlive <= 0 {
		return
	}
	rp.stopKA = make(chan struct{})
	sse, stop := rp.sse, rp.stopKA
	rp.h.wg.Add(1)
	go func() {
		defer rp.h.wg.Done()
		t := time.NewTicker(rp.h.opts.KeepAlive)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-rp.h.ctx.Done():
				return
			case <-t.C:
				if sse.Comment() != nil {
					return
				}
			}
		}
	}()
}

// finish sends the response: a JSON body (status from statusFor) or the stream's last event.
func (rp *reply) finish(ctx context.Context, result jsontext.Value, err error, statusFor func(*jsonrpc.Error) int) {
	msg, rpcErr := responseBytes(rp.id, result, err)
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if rp.done {
		return
	}
	rp.done = true
	if rp.stopKA != nil {
		close(rp.stopKA)
	}
	switch {
	case rp.cancelled && rp.stream != nil:
		rp.stream.end() // the client cancelled: the stream ends without a response
	case rp.cancelled && !rp.detached && rp.sse == nil:
		rp.w.WriteHeader(http.StatusAccepted)
	case rp.cancelled:
	case rp.stream != nil:
		_ = rp.stream.emit(ctx, msg, true)
	case rp.detached:
		// The client left before anything was sent: a JSON answer cannot be resumed.
	case rp.sse != nil:
		_ = rp.sse.Event("", msg, 0)
	default:
		status := http.StatusOK
		if rpcErr != nil && statusFor != nil {
			status = statusFor(rpcErr)
		}
		if rp.header != nil {
			rp.header(rp.w.Header())
		}
		writeJSON(rp.w, status, msg)
	}
}

// CloseStream implements transport.StreamCloser for legacy requests in a session: it makes sure the
// response is a resumable SSE stream (priming event with an id and the retry hint), then ends the HTTP
// response while the request keeps running. Later events go to the event log; the client reconnects with
// GET and Last-Event-ID (SSE polling). It reports false when the stream cannot be resumed: 2026-07-28
// requests, JSON-only answers, or a request already answered.
func (rp *reply) CloseStream(retryMs int) bool {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if rp.modern || rp.live == nil || rp.done || rp.detached || rp.h.opts.JSONResponse || rp.closeReq == nil {
		return false
	}
	if rp.sse == nil {
		rp.startSSELocked(context.Background())
	}
	if retryMs > 0 && rp.stream != nil {
		_ = rp.sse.Event("", nil, retryMs) // a retry hint for the reconnection (no id: not a resume point)
	}
	select {
	case <-rp.closeReq:
	default:
		close(rp.closeReq)
	}
	return true
}

// detach marks the HTTP response as gone: nothing more is written to it.
func (rp *reply) detach() {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	rp.detached = true
	if rp.stream != nil && rp.sse != nil {
		rp.stream.detach(rp.sse)
	}
}

var errNoServerRequests = errors.New("streamable: server-to-client requests are not part of protocol 2026-07-28 (the server returns input_required instead)")

func marshalParams(params any) (jsontext.Value, error) {
	switch p := params.(type) {
	case nil:
		return nil, nil
	case jsontext.Value:
		return p, nil
	}
	return jsonrpc.MarshalAppend(nil, params)
}
