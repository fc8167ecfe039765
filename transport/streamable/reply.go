package streamable

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/internal/bufpool"
	"github.com/mcpkit/mcpkit/internal/httpx"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
)

// reply answers one request. It is the transport.Peer the server uses for the request's own messages:
// while nothing but the result is sent the answer is one JSON body; the first notification turns it into
// an SSE stream (resumable for legacy sessions), which the result then ends.
//
// Who writes: a legacy reply never touches the ResponseWriter from the handler's goroutine; it queues
// events and its answer in out, which the HTTP handler goroutine (runLegacy) writes. A 2026-07-28 reply
// runs its handler on the HTTP handler goroutine and writes directly; its keep-alive goroutine is stopped
// and waited for (release) before the HTTP handler returns.
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
	out       *outbox          // legacy: what the HTTP handler goroutine writes
	stream    *stream          // legacy, once streaming
	sse       *httpx.SSEWriter // 2026-07-28, once streaming
	done      bool             // the response has been produced
	detached  bool             // the HTTP handler returned (or ended the response): w must not be touched
	cancelled bool             // the client cancelled the request: no response is sent
	ended     bool             // the session ended (DELETE, expiry, shutdown) while the request ran
	msg       []byte           // legacy JSON answer (nil with status 202: cancelled)
	challenge string           // legacy JSON answer refused for lack of scope: its WWW-Authenticate
	status    int
	cancel    context.CancelFunc
	kaStop    chan struct{} // 2026-07-28 keep-alive goroutine: closed to stop it
	kaDone    chan struct{} // closed when it has stopped
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

// endWithSession ends the request because its session ended: its context ends, a stream it opened is
// closed, and a client still waiting for a JSON answer gets 404 (the session is gone).
func (rp *reply) endWithSession() {
	rp.mu.Lock()
	rp.ended = true
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
// TransportName implements transport.Named.
func (rp *reply) TransportName() string { return transportName }

func (rp *reply) Notify(ctx context.Context, method string, params any) error {
	raw, err := marshalParams(params)
	if err != nil {
		return err
	}
	return rp.send(ctx, jsonrpc.AppendRequest(nil, jsonrpc.ID{}, method, raw))
}

// Call implements transport.Peer: a server-to-client request on the request's stream (legacy only).
func (rp *reply) Call(ctx context.Context, method string, params any) (jsontext.Value, error) {
	raw, err := marshalParams(params)
	if err != nil {
		return nil, err
	}
	_, res, err := rp.CallID(ctx, method, raw)
	return res, err
}

// CallID is Call that also returns the id the request was given (the server's outbound middleware
// reports it); the zero ID when it was refused before it had one.
func (rp *reply) CallID(ctx context.Context, method string, params jsontext.Value) (jsonrpc.ID, jsontext.Value, error) {
	if rp.modern || rp.live == nil {
		return jsonrpc.ID{}, nil, errNoServerRequests
	}
	if rp.h.opts.JSONResponse {
		return jsonrpc.ID{}, nil, errJSONOnly // the request would be dropped like a notification, and the call wait for nothing
	}
	return rp.live.call(ctx, method, params, func(msg []byte) error { return rp.send(ctx, msg) })
}

// send emits one message before the response, switching to SSE on the first.
func (rp *reply) send(ctx context.Context, msg []byte) error {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if rp.done {
		return errFinished
	}
	if rp.modern {
		if rp.detached {
			return httpx.ErrBroken
		}
		if rp.sse == nil {
			rp.sse = rp.h.newSSE(rp.w)
			rp.sse.Start(rp.header)
			rp.startKeepAlive()
		}
		return rp.sse.Event("", msg, 0)
	}
	if rp.h.opts.JSONResponse {
		return nil // the caller chose JSON answers: notifications have nowhere to go
	}
	if rp.stream == nil {
		rp.startStreamLocked(ctx)
	}
	return rp.stream.emit(ctx, msg, false)
}

// startStreamLocked turns a legacy reply into a resumable stream; its events reach the response only
// while the HTTP handler still serves it.
func (rp *reply) startStreamLocked(ctx context.Context) {
	rp.stream = rp.h.newStream(rp.live)
	rp.stream.reqID = rp.id.Raw()
	if !rp.detached && rp.out != nil {
		_ = rp.stream.attach(ctx, rp.out, "")
	}
	rp.stream.prime(ctx)
}

// startKeepAlive writes comments on a 2026-07-28 stream while its handler runs.
func (rp *reply) startKeepAlive() {
	if rp.h.opts.KeepAlive <= 0 {
		return
	}
	rp.kaStop, rp.kaDone = make(chan struct{}), make(chan struct{})
	sse, stop, done := rp.sse, rp.kaStop, rp.kaDone
	go func() {
		defer close(done)
		t := time.NewTicker(rp.h.opts.KeepAlive)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if sse.Comment() != nil {
					return
				}
			}
		}
	}()
}

// stopKeepAliveLocked stops the keep-alive goroutine and waits until it no longer writes.
func (rp *reply) stopKeepAliveLocked() {
	if rp.kaStop == nil {
		return
	}
	close(rp.kaStop)
	<-rp.kaDone
	rp.kaStop = nil
}

// finish produces the response: for 2026-07-28 a JSON body (status from statusFor) or the stream's last
// event, written here; for legacy requests the answer is queued for the HTTP handler goroutine.
func (rp *reply) finish(ctx context.Context, result jsontext.Value, err error, statusFor func(*jsonrpc.Error) int) {
	msg, rpcErr := responseBytes(rp.id, result, err)
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if rp.done {
		return
	}
	rp.done = true
	if rp.modern {
		rp.stopKeepAliveLocked()
		switch {
		case rp.detached:
		case rp.sse != nil:
			_ = rp.sse.Event("", msg, 0)
		default:
			status := http.StatusOK
			if rpcErr != nil && statusFor != nil {
				status = statusFor(rpcErr)
			}
			if c, ok := rp.h.scopeChallenge(ctx, rpcErr); ok {
				rp.w.Header().Set("WWW-Authenticate", c)
				status = http.StatusForbidden
			}
			if rp.header != nil {
				rp.header(rp.w.Header())
			}
			rp.h.writeAnswer(rp.w, status, msg)
		}
		return
	}
	switch {
	case rp.ended && rp.stream != nil:
		rp.stream.end()
	case rp.ended:
		rp.msg, _ = responseBytes(rp.id, nil, &jsonrpc.Error{Code: mcp.CodeInvalidRequest, Message: "session ended while the request ran"})
		rp.status = http.StatusNotFound
		rp.out.end()
	case rp.cancelled && rp.stream != nil:
		rp.stream.end() // the client cancelled: the stream ends without a response
	case rp.stream != nil:
		_ = rp.stream.emit(ctx, msg, true)
	case rp.cancelled:
		rp.status = http.StatusAccepted
		rp.out.end()
	default:
		rp.msg, rp.status = msg, http.StatusOK
		if c, ok := rp.h.scopeChallenge(ctx, rpcErr); ok {
			rp.status, rp.challenge = http.StatusForbidden, c
		}
		rp.out.end()
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
	if rp.modern || rp.live == nil || rp.done || rp.detached || rp.h.opts.JSONResponse || rp.out == nil {
		return false
	}
	if rp.stream == nil {
		rp.startStreamLocked(context.Background())
	}
	if retryMs > 0 {
		// A retry hint for the reconnection (no id: not a resume point).
		rp.out.push(outEvent{retry: retryMs}, true)
	}
	rp.stream.detach(rp.out)
	rp.out.end()
	rp.detached = true
	return true
}

// release marks the HTTP response as gone: nothing more is written to it. The HTTP handler goroutine
// calls it before it returns.
func (rp *reply) release() {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	rp.detached = true
	rp.stopKeepAliveLocked()
	if rp.sse != nil {
		rp.sse.Detach()
	}
	if rp.out != nil {
		if rp.stream != nil {
			rp.stream.detach(rp.out)
		}
		rp.out.close()
	}
}

var errJSONOnly = errors.New("streamable: the handler answers with JSON only (Options.JSONResponse): a request cannot ask the client anything on its own response")

var errNoServerRequests = errors.New("streamable: server-to-client requests are not part of protocol 2026-07-28 (the server returns input_required instead)")

func marshalParams(params any) (jsontext.Value, error) {
	switch p := params.(type) {
	case nil:
		return nil, nil
	case jsontext.Value:
		return p, nil
	}
	return bufpool.MarshalAppend(nil, params)
}
