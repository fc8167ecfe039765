package server

import (
	"context"
	"time"

	"github.com/mcpkit/mcpkit/transport"
)

// CloseStream ends the HTTP response of the request being served while the handler goes on (SSE polling,
// 2025-11-25): the client reconnects after retry (zero keeps the transport's hint) with GET and
// Last-Event-ID and receives what the handler sent meanwhile, then the result. Long-running tools use it
// so that no connection stays open for minutes. It reports false, and does nothing, where the stream
// cannot be resumed: stdio, HTTP+SSE, 2026-07-28 requests, or a server without an event log.
func CloseStream(ctx context.Context, retry time.Duration) bool {
	r := RequestFrom(ctx)
	if r == nil || r.out == nil {
		return false
	}
	c, ok := r.out.(transport.StreamCloser)
	return ok && c.CloseStream(int(retry.Milliseconds()))
}
