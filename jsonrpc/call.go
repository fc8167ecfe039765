package jsonrpc

import (
	"context"
	"errors"
	"io"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/internal/bufpool"
	"github.com/mcpkit/mcpkit/internal/clip"
)

// Call sends a request with params (marshaled as JSON; nil for none) and decodes the result into result
// (nil to discard it). When ctx ends first, Call sends the cancellation notification (when configured) and
// returns ctx.Err(). A JSON-RPC error from the peer is returned as an *Error.
func (c *Conn) Call(ctx context.Context, method string, params, result any) error {
	raw, err := marshalParams(params)
	if err != nil {
		return err
	}
	res, err := c.CallRaw(ctx, method, raw)
	if err != nil {
		return err
	}
	if result == nil {
		return nil
	}
	return json.Unmarshal(res, result)
}

// CallRaw is Call with raw params and result.
func (c *Conn) CallRaw(ctx context.Context, method string, params jsontext.Value) (jsontext.Value, error) {
	_, res, err := c.CallRawID(ctx, method, params)
	return res, err
}

// CallRawID is CallRaw that also returns the id the request was given (for tracing and logs), also when
// it could not be sent.
func (c *Conn) CallRawID(ctx context.Context, method string, params jsontext.Value) (ID, jsontext.Value, error) {
	id := Int64ID(c.pending.Next())
	res, err := c.callRaw(ctx, id, method, params)
	return id, res, err
}

func (c *Conn) callRaw(ctx context.Context, id ID, method string, params jsontext.Value) (jsontext.Value, error) {
	w, err := c.pending.Add(id)
	if err != nil {
		return nil, err // closedErr(why the connection closed), given to Fail
	}

	buf := bufpool.Get()
	buf.B = AppendRequest(buf.B, id, method, params)
	err = c.write(ctx, buf.B)
	bufpool.Put(buf)
	if err != nil {
		c.pending.Release(id, w)
		return nil, err
	}

	m, err := c.pending.Wait(ctx, nil, id, w)
	if err != nil {
		if cerr := ctx.Err(); cerr != nil && err == cerr && c.opts.CancelMethod != "" {
			c.sendCancel(id, context.Cause(ctx))
		}
		return nil, err
	}
	if m.Error != nil {
		return nil, m.Error
	}
	return m.Result, nil
}

func closedErr(err error) error {
	if err == nil || err == ErrClosed {
		return ErrClosed
	}
	return &closedError{cause: err}
}

type closedError struct{ cause error }

func (e *closedError) Error() string {
	if errors.Is(e.cause, io.EOF) {
		return "jsonrpc: connection closed: the peer closed its stream (EOF)"
	}
	return "jsonrpc: connection closed: " + e.cause.Error()
}
func (e *closedError) Unwrap() []error {
	return []error{ErrClosed, e.cause}
}

type cancelParams struct {
	RequestID ID     `json:"requestId"`
	Reason    string `json:"reason,omitzero"`
}

func (c *Conn) sendCancel(id ID, cause error) {
	p := cancelParams{RequestID: id}
	if cause != nil {
		p.Reason = cause.Error()
	}
	raw, err := json.Marshal(p)
	if err != nil {
		return
	}
	// The caller's context is done; use the connection's.
	if err := c.NotifyRaw(c.ctx, c.opts.CancelMethod, raw); err != nil {
		c.log.Debug("jsonrpc: sending cancellation", "err", err)
	}
}

// peerCancelled handles an inbound cancellation notification.
func (c *Conn) peerCancelled(params jsontext.Value) {
	var p cancelParams
	if err := json.Unmarshal(params, &p); err != nil || !p.RequestID.IsValid() {
		c.log.Debug("jsonrpc: ignoring malformed cancellation", "params", clip.Bytes(params, clip.Max))
		return
	}
	c.mu.Lock()
	in := c.inflight[p.RequestID]
	c.mu.Unlock()
	if in == nil {
		return // finished already, or never existed: the spec says ignore
	}
	in.cancelledByPeer.Store(true)
	in.cancel()
}

// Notify sends a notification with params marshaled as JSON (nil for none).
func (c *Conn) Notify(ctx context.Context, method string, params any) error {
	raw, err := marshalParams(params)
	if err != nil {
		return err
	}
	return c.NotifyRaw(ctx, method, raw)
}

// NotifyRaw sends a notification with raw params.
func (c *Conn) NotifyRaw(ctx context.Context, method string, params jsontext.Value) error {
	buf := bufpool.Get()
	buf.B = AppendRequest(buf.B, ID{}, method, params)
	err := c.write(ctx, buf.B)
	bufpool.Put(buf)
	return err
}

func marshalParams(params any) (jsontext.Value, error) {
	switch p := params.(type) {
	case nil:
		return nil, nil
	case jsontext.Value:
		return p, nil
	}
	return json.Marshal(params)
}
