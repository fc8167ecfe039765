package jsonrpc

import (
	"sync"

	"github.com/go-json-experiment/json/jsontext"
)

// batchReply collects the responses to the requests of one inbound batch and writes them as one array once
// every request has been answered (or skipped).
type batchReply struct {
	c       *Conn
	mu      sync.Mutex
	waiting int
	parts   [][]byte
}

func (b *batchReply) add(id ID, result jsontext.Value, e *Error) {
	var msg []byte
	if e != nil {
		msg = AppendError(nil, id, e)
	} else {
		msg = AppendResult(nil, id, result)
	}
	b.mu.Lock()
	b.parts = append(b.parts, msg)
	b.mu.Unlock()
	b.done()
}

func (b *batchReply) skip() { b.done() }

func (b *batchReply) done() {
	b.mu.Lock()
	b.waiting--
	last := b.waiting == 0
	b.mu.Unlock()
	if last {
		b.flush()
	}
}

func (b *batchReply) flush() {
	if len(b.parts) == 0 {
		return // a batch of notifications gets no reply
	}
	out := []byte{'['}
	for i, p := range b.parts {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, p...)
	}
	out = append(out, ']')
	if err := b.c.write(b.c.ctx, out); err != nil && b.c.ctx.Err() == nil {
		b.c.log.Warn("jsonrpc: writing batch response", "err", err)
	}
}

// readBatch processes an inbound JSON array of messages, when the connection allows batches.
func (c *Conn) readBatch(data []byte) {
	if c.opts.AllowBatch == nil || !c.opts.AllowBatch() {
		c.replyError(ID{}, &Error{Code: CodeInvalidRequest, Message: "invalid request: JSON-RPC batches are not supported by the negotiated protocol version"})
		return
	}
	msgs, errs, err := DecodeBatch(data)
	if err != nil {
		c.replyError(ID{}, asError(err))
		return
	}
	b := &batchReply{c: c}
	// Count the replies to wait for before starting any handler, so the reply is not flushed early.
	b.waiting = 1
	for i, m := range msgs {
		if errs[i] != nil || m.IsRequest() {
			b.waiting++
		}
	}
	for i, m := range msgs {
		if errs[i] != nil {
			b.add(m.ID, nil, asError(errs[i]))
			continue
		}
		if m.IsRequest() {
			c.dispatch(m, b)
		} else {
			c.dispatch(m, nil)
		}
	}
	b.done() // the reader's own hold
}

func asError(err error) *Error {
	if e, ok := err.(*Error); ok {
		return e
	}
	return &Error{Code: CodeInvalidRequest, Message: err.Error()}
}
