package streamable

import (
	"context"
	"time"

	"github.com/mcpkit/mcpkit/transport/sse"
)

// fallBackToSSE tries the 2024-11-05 HTTP+SSE transport at the endpoint URL for a refused initialize:
// GET must open an event stream whose first event names the message URL. On success every later message
// goes through that transport, the origin is remembered as HTTP+SSE, and the initialize is sent there.
// It reports false when the URL serves no such stream.
func (c *Client) fallBackToSSE(cl *call) bool {
	ctx, cancel := context.WithTimeout(cl.ctx, 15*time.Second)
	defer cancel()
	d, err := sse.Dial(ctx, c.url, &sse.ClientOptions{HTTPClient: c.hc, Header: c.opts.Header,
		MaxEventBytes: c.opts.MaxMessageBytes, Logger: c.log})
	if err != nil {
		c.log.Debug("streamable: no HTTP+SSE transport at the endpoint either", "url", c.url, "err", err)
		return false
	}
	c.mu.Lock()
	if c.closed.Load() {
		c.mu.Unlock()
		_ = d.Close()
		return true
	}
	c.delegate = d
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		c.pump(d)
	}()
	c.mu.Unlock()
	if c.cache.Get(c.origin) != KindSSE {
		c.cache.Set(c.origin, KindSSE)
		c.log.Info("streamable: the server speaks the HTTP+SSE transport (2024-11-05); using it", "url", c.url)
	}
	if err := d.Write(cl.ctx, cl.msg); err != nil {
		c.fail(cl, "sending initialize over HTTP+SSE: "+err.Error(), 0)
	}
	return true
}

// pump moves the HTTP+SSE transport's messages to Read; its end ends the client's stream.
func (c *Client) pump(d *sse.Client) {
	for {
		msg, err := d.Read(c.life)
		if err != nil {
			if c.life.Err() == nil {
				c.inbox.Close(err)
			}
			return
		}
		if c.inbox.Put(c.life, msg) != nil {
			return
		}
	}
}
