package jsonrpc

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/internal/bufpool"
	"github.com/mcpkit/mcpkit/internal/clip"
	"github.com/mcpkit/mcpkit/internal/pending"
	"github.com/mcpkit/mcpkit/internal/workers"
)

// Handler serves the inbound side of a connection.
type Handler interface {
	// HandleRequest answers an inbound request. Each request runs on its own goroutine; ctx is cancelled when
	// the peer cancels the request or the connection closes. A returned *Error (or an error wrapping one) is
	// sent as is; any other error is logged and answered with a generic internal error.
	HandleRequest(ctx context.Context, req *Message) (result jsontext.Value, err error)
	// HandleNotification handles an inbound notification on the reading goroutine, in arrival order. It must
	// not block for long.
	HandleNotification(ctx context.Context, n *Message)
}

// ConnOptions configures a Conn. The zero value is usable.
type ConnOptions struct {
	// Handler serves inbound requests and notifications. Nil answers every request with "method not found".
	Handler Handler
	// CancelMethod names the notification that cancels a request, with params {"requestId": id, "reason": s}
	// ("notifications/cancelled" in MCP). Empty disables cancellation in both directions.
	CancelMethod string
	// MaxInFlight bounds inbound requests handled at once (default 64).
	MaxInFlight int
	// MaxQueued bounds inbound requests waiting for a slot (default 1024). Past it requests are answered at
	// once with CodeOverloaded.
	MaxQueued int
	// OnOverload, when set, is called each time a request is refused because MaxInFlight + MaxQueued
	// requests are already in (for metrics). It must be cheap and must not block.
	OnOverload func()
	// AllowBatch reports whether a JSON array of messages may be processed now. Nil refuses every batch.
	AllowBatch func() bool
	// Barrier reports whether a request must be answered before the next inbound message is read: what
	// follows it depends on its outcome (MCP's initialize, which a client may pipeline with its first
	// requests). Such a request runs on the reading goroutine. Nil: every request runs concurrently.
	Barrier func(m *Message) bool
	// Logger receives internal failures. Nil uses slog.Default().
	Logger *slog.Logger
	// DrainTimeout bounds how long the connection finishes the requests it has already read once the
	// peer's stream ends (Read returns io.EOF): the reading stops, handlers run on and their replies and
	// notifications are written, then the stream is closed. Handlers still running after DrainTimeout are
	// cancelled. Zero means DefaultDrainTimeout; a negative value cancels them at once.
	DrainTimeout time.Duration
}

// DefaultDrainTimeout is the default ConnOptions.DrainTimeout: generous, because a client that pipes its
// requests and closes its end (printf … | server) expects every answer.
const DefaultDrainTimeout = 30 * time.Second

// Conn runs one JSON-RPC connection over a Stream. Create it with NewConn, then call Start.
//
// The end of the peer's stream (io.EOF from Read) means "no more requests", not "forget the ones sent":
// outbound calls still waiting fail at once (no reply can come), while inbound requests already read are
// answered before the connection closes (see ConnOptions.DrainTimeout). Close, by contrast, cancels
// everything at once.
type Conn struct {
	stream Stream
	opts   ConnOptions
	log    *slog.Logger

	ctx    context.Context // cancelled when the connection closes
	cancel context.CancelFunc

	writeMu sync.Mutex

	// pending holds our outbound calls waiting for their response; failed with closedErr(reason) when the
	// connection closes or the peer's stream ends.
	pending pending.Table[ID, *Message]

	mu       sync.Mutex
	inflight map[ID]*inbound
	closed   bool
	err      error

	sem    chan struct{}
	queued atomic.Int64

	handlers sync.WaitGroup
	workers  *workers.Pool // runs inbound handlers on reused goroutines (their stacks stay grown)
	reader   sync.WaitGroup
	done     chan struct{}
}

type inbound struct {
	cancel          context.CancelFunc
	cancelledByPeer atomic.Bool
}

// NewConn returns a connection over s. Nothing is read until Start.
func NewConn(s Stream, opts ConnOptions) *Conn {
	if opts.MaxInFlight <= 0 {
		opts.MaxInFlight = 64
	}
	if opts.MaxQueued <= 0 {
		opts.MaxQueued = 1024
	}
	if opts.DrainTimeout == 0 {
		opts.DrainTimeout = DefaultDrainTimeout
	}
	c := &Conn{
		stream:   s,
		opts:     opts,
		log:      opts.Logger,
		inflight: make(map[ID]*inbound),
		sem:      make(chan struct{}, opts.MaxInFlight),
		done:     make(chan struct{}),
		workers:  workers.New(0),
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	return c
}

// Start begins reading from the stream on a new goroutine. It returns at once.
func (c *Conn) Start() {
	c.reader.Add(1)
	go c.readLoop()
}

// Done is closed when the connection has closed: by Close, or once the peer's stream ended and the requests
// read before were answered.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err reports why the connection closed: nil while open, io.EOF when the peer hung up cleanly.
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Close closes the stream, cancels every inbound handler and fails every outbound call, and returns the
// stream's Close error (nil when the connection had already closed). It does not wait for handlers to
// return; Wait does.
func (c *Conn) Close() error {
	return c.shutdown(ErrClosed)
}

// Wait blocks until the read loop and every inbound handler have returned. Do not call it from a handler.
func (c *Conn) Wait() {
	<-c.done
	c.reader.Wait()
	c.handlers.Wait()
}

func (c *Conn) shutdown(reason error) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.err = reason
	c.workers.Close()
	c.mu.Unlock()

	c.pending.Fail(closedErr(reason)) // a no-op when the peer's stream ended first (it failed them already)
	c.cancel()
	err := c.stream.Close()
	close(c.done)
	return err
}

func (c *Conn) readLoop() {
	defer c.reader.Done()
	for {
		data, err := c.stream.Read(c.ctx)
		if err != nil {
			var fe *FrameError
			if errors.As(err, &fe) {
				c.replyError(ID{}, &Error{Code: CodeInvalidRequest, Message: "invalid request: " + fe.Reason})
				continue
			}
			c.peerEnded(err)
			return
		}
		if IsBatch(data) {
			c.readBatch(data)
			continue
		}
		m := new(Message)
		if err := decodeInto(data, m); err != nil {
			c.answerBadMessage(m, err)
			continue
		}
		c.dispatch(m, nil)
	}
}

// peerEnded handles the end of the inbound stream: unless our own Close caused it, it fails the outbound
// calls still waiting, lets the inbound requests already read finish (bounded by DrainTimeout; at once when
// the peer is gone both ways), and closes the connection.
func (c *Conn) peerEnded(err error) {
	gone := errors.Is(err, io.ErrClosedPipe) // the peer cannot read our replies either
	if gone || errors.Is(err, context.Canceled) {
		err = io.EOF
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	c.pending.Fail(closedErr(err))
	if !gone {
		c.drain()
	}
	if cerr := c.shutdown(err); cerr != nil {
		c.log.Debug("jsonrpc: closing stream", "err", cerr)
	}
}

// drain waits until every inbound handler has returned, Close is called, or DrainTimeout passes. Only the
// reader admits handlers, and it has stopped, so the set only shrinks.
func (c *Conn) drain() {
	if c.opts.DrainTimeout < 0 || c.queued.Load() == 0 {
		return
	}
	idle := make(chan struct{})
	go func() {
		c.handlers.Wait()
		close(idle)
	}()
	t := time.NewTimer(c.opts.DrainTimeout)
	defer t.Stop()
	select {
	case <-idle:
	case <-c.done:
	case <-t.C:
		c.log.Warn("jsonrpc: the peer closed its stream; cancelling the requests still running after the drain timeout",
			"timeout", c.opts.DrainTimeout, "requests", c.queued.Load())
	}
}

func (c *Conn) answerBadMessage(m *Message, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Code: CodeInvalidRequest, Message: err.Error()}
	}
	if m.IsResponse() && m.Method == "" && (m.Result != nil || m.Error != nil) {
		// A malformed response: nobody to answer.
		c.log.Warn("jsonrpc: dropping malformed response", "err", err)
		return
	}
	c.replyError(m.ID, e)
}

// dispatch routes one decoded message. When batch is non-nil, a request's response is sent to it instead
// of being written.
func (c *Conn) dispatch(m *Message, batch *batchReply) {
	switch {
	case m.IsResponse():
		c.deliver(m)
	case m.IsNotification():
		if c.opts.CancelMethod != "" && m.Method == c.opts.CancelMethod {
			c.peerCancelled(m.Params)
			return
		}
		if c.opts.Handler != nil {
			c.opts.Handler.HandleNotification(c.ctx, m)
		}
	default:
		c.admit(m, batch)
	}
}

func (c *Conn) deliver(m *Message) {
	if !c.pending.Deliver(m.ID, m) {
		c.log.Debug("jsonrpc: response for an unknown request id", "id", clip.String(m.ID.String(), clip.Max))
	}
}

// admit starts a handler for an inbound request, or answers at once when the queue is full.
func (c *Conn) admit(m *Message, batch *batchReply) {
	if c.queued.Add(1) > int64(c.opts.MaxInFlight+c.opts.MaxQueued) {
		c.queued.Add(-1)
		if c.opts.OnOverload != nil {
			c.opts.OnOverload()
		}
		c.respond(m.ID, nil, &Error{Code: CodeOverloaded, Message: "server overloaded: too many requests in flight, retry later"}, batch)
		return
	}
	ctx, cancel := context.WithCancel(c.ctx)
	in := &inbound{cancel: cancel}
	c.mu.Lock()
	if _, dup := c.inflight[m.ID]; dup {
		c.mu.Unlock()
		cancel()
		c.queued.Add(-1)
		c.respond(m.ID, nil, &Error{Code: CodeInvalidRequest, Message: "invalid request: id " + clip.String(m.ID.String(), clip.Max) + " is already in use"}, batch)
		return
	}
	c.inflight[m.ID] = in
	c.mu.Unlock()

	c.handlers.Add(1)
	if batch == nil && c.opts.Barrier != nil && c.opts.Barrier(m) {
		c.run(ctx, in, m, nil)
		return
	}
	c.workers.Go(func() { c.run(ctx, in, m, batch) })
}

func (c *Conn) run(ctx context.Context, in *inbound, m *Message, batch *batchReply) {
	defer c.handlers.Done()
	defer c.queued.Add(-1)
	defer func() {
		c.release(in, m.ID) // when finish did not (a cancelled request is not answered)
		in.cancel()
	}()
	select {
	case c.sem <- struct{}{}: // a free slot: no need to watch ctx (which would allocate its Done channel)
	default:
		select {
		case c.sem <- struct{}{}:
		case <-ctx.Done():
			c.finish(in, m, nil, ctx.Err(), batch)
			return
		}
	}
	defer func() { <-c.sem }()

	var result jsontext.Value
	var err error
	if c.opts.Handler == nil {
		err = &Error{Code: CodeMethodNotFound, Message: "method not found: " + clip.String(m.Method, clip.Max)}
	} else {
		result, err = c.callHandler(ctx, m)
	}
	c.finish(in, m, result, err, batch)
}

func (c *Conn) callHandler(ctx context.Context, m *Message) (result jsontext.Value, err error) {
	defer func() {
		if p := recover(); p != nil {
			c.log.Error("jsonrpc: handler panicked", "method", clip.String(m.Method, clip.Max), "panic", p)
			err = &Error{Code: CodeInternalError, Message: "internal error"}
		}
	}()
	return c.opts.Handler.HandleRequest(ctx, m)
}

// release frees id for new requests, when in still holds it (a later request with the same id may hold
// it once in's answer was written).
func (c *Conn) release(in *inbound, id ID) {
	c.mu.Lock()
	if c.inflight[id] == in {
		delete(c.inflight, id)
	}
	c.mu.Unlock()
}

func (c *Conn) finish(in *inbound, m *Message, result jsontext.Value, err error, batch *batchReply) {
	// The id is free before the answer leaves: a peer may reuse it as soon as it reads the answer.
	c.release(in, m.ID)
	if in.cancelledByPeer.Load() {
		// The peer cancelled: it expects no response (and the batch slot is answered by nobody).
		if batch != nil {
			batch.skip()
		}
		return
	}
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			if errors.Is(err, context.Canceled) && c.ctx.Err() != nil {
				if batch != nil {
					batch.skip()
				}
				return // connection closing; nobody to answer
			}
			c.log.Error("jsonrpc: handler failed", "method", clip.String(m.Method, clip.Max), "err", err)
			e = &Error{Code: CodeInternalError, Message: "internal error"}
		}
		c.respond(m.ID, nil, e, batch)
		return
	}
	c.respond(m.ID, result, nil, batch)
}

func (c *Conn) respond(id ID, result jsontext.Value, e *Error, batch *batchReply) {
	if batch != nil {
		batch.add(id, result, e)
		return
	}
	buf := bufpool.Get()
	if e != nil {
		buf.B = AppendError(buf.B, id, e)
	} else {
		buf.B = AppendResult(buf.B, id, result)
	}
	if err := c.write(c.ctx, buf.B); err != nil && c.ctx.Err() == nil {
		c.log.Warn("jsonrpc: writing response", "err", err)
	}
	bufpool.Put(buf)
}

func (c *Conn) replyError(id ID, e *Error) { c.respond(id, nil, e, nil) }

// write sends one whole message; writes are serialised in call order.
func (c *Conn) write(ctx context.Context, msg []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if c.ctx.Err() != nil {
		return ErrClosed
	}
	return c.stream.Write(ctx, msg)
}
