package streamable

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/mcpkit/mcpkit/internal/httpx"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
)

// call is one request in flight: its POST and, when its SSE stream breaks, the GETs that resume it.
type call struct {
	id      jsonrpc.ID
	method  string
	msg     []byte
	facts   bodyFacts
	modern  bool
	ctx     context.Context // ends when the request is cancelled or the client closes
	cancel  context.CancelFunc
	aborted atomic.Bool // cancelled by the caller: deliver nothing more
	healed  bool        // already replayed once after re-initializing
	relearn bool        // already retried once after re-learning the tools' header annotations
}

func (cl *call) abort() {
	cl.aborted.Store(true)
	cl.cancel()
}

// startCall registers a request and POSTs it in the background.
func (c *Client) startCall(m *jsonrpc.Message, msg []byte) {
	f := readBodyFacts(m)
	cl := &call{id: m.ID, method: m.Method, msg: msg, facts: f, modern: f.version != ""}
	cl.ctx, cl.cancel = context.WithCancel(c.life)
	switch m.Method {
	case mcp.MethodDiscover:
		if k := c.cache.Get(c.origin); k == KindLegacy || k == KindSSE {
			cl.cancel()
			c.inbox.Push(httpx.SyntheticError(m.ID, mcp.CodeMethodNotFound,
				"method not found: server/discover (this server was found earlier to speak only initialize-based protocol versions)", 0))
			return
		}
	case mcp.MethodInitialize:
		c.mu.Lock()
		c.initMsg, c.initID = msg, m.ID
		c.mu.Unlock()
	case mcp.MethodLoggingSetLevel:
		c.mu.Lock()
		c.setLevel, c.setLevelID = msg, m.ID
		c.mu.Unlock()
	}
	c.mu.Lock()
	c.calls[m.ID] = cl
	c.mu.Unlock()
	if !c.spawn(func() { c.runCall(cl) }) {
		cl.cancel()
	}
}

func (c *Client) runCall(cl *call) {
	defer func() {
		c.mu.Lock()
		if c.calls[cl.id] == cl {
			delete(c.calls, cl.id)
		}
		c.mu.Unlock()
		cl.cancel()
	}()
	if cl.method == mcp.MethodInitialize && !c.opts.DisableSSEFallback && c.cache.Get(c.origin) == KindSSE {
		if c.fallBackToSSE(cl) {
			return
		}
		c.cache.Forget(c.origin) // stale: try Streamable HTTP again
	}
	c.exchange(cl)
}

// exchange POSTs the request and delivers its answer, healing a lost session once.
func (c *Client) exchange(cl *call) {
	h := c.baseHeaders()
	c.mu.Lock()
	gen, sid := c.gen, c.sid
	tools := c.toolHeaders[cl.facts.name]
	c.mu.Unlock()
	if cl.modern {
		h.Set(headerProtocolVersion, cl.facts.version)
		h.Set(headerMethod, mcp.EncodeHeaderValue(cl.method))
		if cl.facts.hasName {
			h.Set(headerName, mcp.EncodeHeaderValue(cl.facts.name))
		}
		if cl.method == mcp.MethodToolsCall {
			args, _ := jsonrpc.Member(cl.facts.params, "arguments")
			setParamHeaders(h, tools, args)
		}
	} else {
		c.setSessionHeaders(h, cl.method == mcp.MethodInitialize)
	}
	httpx.SetTraceHeaders(h, cl.facts.traceParent, cl.facts.traceState)
	resp, err := c.do(cl.ctx, http.MethodPost, cl.msg, h)
	if err != nil {
		c.fail(cl, fmt.Sprintf("POST %s failed: %v", c.url, err), 0)
		return
	}
	defer resp.Body.Close()
	status := resp.StatusCode
	if status >= 200 && status < 300 {
		switch mediaType(resp) {
		case "application/json":
			c.readJSON(cl, resp)
		case "text/event-stream":
			c.readStream(cl, resp)
		default:
			c.fail(cl, fmt.Sprintf("the server answered HTTP %d with Content-Type %s and no JSON-RPC response", status,
				httpx.QuoteBounded(resp.Header.Get("Content-Type"), 64)), status)
		}
		return
	}
	body := httpx.ReadErrorBody(resp.Body)
	switch {
	case status == http.StatusNotFound && sid != "" && !cl.modern && cl.method != mcp.MethodInitialize && !cl.healed:
		// The server forgot the session: start a new one and send the request again. It never saw it.
		resp.Body.Close()
		if err := c.heal(gen); err != nil {
			c.fail(cl, fmt.Sprintf("the session expired (HTTP 404) and starting a new one failed: %v", err), status)
			return
		}
		cl.healed = true
		c.exchange(cl)
	case cl.modern && cl.method == mcp.MethodToolsCall && status == http.StatusBadRequest && !cl.relearn && isHeaderMismatch(body):
		// The server wants Mcp-Param-* headers this client did not know about: list the tools again and
		// retry once (2026-07-28).
		resp.Body.Close()
		cl.relearn = true
		if err := c.refreshToolHeaders(cl); err != nil {
			c.log.Debug("streamable: re-learning tool headers failed", "err", err)
			c.deliver(cl, httpx.ErrorResponse(cl.id, status, body))
			return
		}
		c.exchange(cl)
	case cl.method == mcp.MethodDiscover && status >= 400 && status < 500:
		if e := httpx.BodyError(body); e != nil && isModernError(e.Code) {
			c.deliver(cl, httpx.ErrorResponse(cl.id, status, body))
			return
		}
		// Not a 2026-07-28 server: remember, and answer as a legacy server would.
		if c.cache.Get(c.origin) != KindSSE {
			c.cache.Set(c.origin, KindLegacy)
		}
		c.deliver(cl, httpx.SyntheticError(cl.id, mcp.CodeMethodNotFound,
			fmt.Sprintf("method not found: server/discover (the server answered %s: it speaks only initialize-based versions)",
				httpx.DescribeStatus(status, body)), status))
	case cl.method == mcp.MethodInitialize && !c.opts.DisableSSEFallback &&
		(status == http.StatusBadRequest || status == http.StatusNotFound || status == http.StatusMethodNotAllowed):
		if c.fallBackToSSE(cl) {
			return
		}
		c.deliver(cl, httpx.ErrorResponse(cl.id, status, body))
	default:
		c.deliver(cl, httpx.ErrorResponse(cl.id, status, body))
	}
}

// isHeaderMismatch reports whether an HTTP error body is a -32020 JSON-RPC error.
func isHeaderMismatch(body []byte) bool {
	e := httpx.BodyError(body)
	return e != nil && e.Code == mcp.CodeHeaderMismatch
}

// isModernError reports whether code is one a 2026-07-28 server answers server/discover with.
func isModernError(code int64) bool {
	switch code {
	case mcp.CodeHeaderMismatch, mcp.CodeMissingRequiredClientCapability, mcp.CodeUnsupportedProtocolVersion:
		return true
	}
	return false
}

func mediaType(resp *http.Response) string {
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return mt
}

// readJSON delivers a JSON answer.
func (c *Client) readJSON(cl *call, resp *http.Response) {
	body, err := io.ReadAll(io.LimitReader(resp.Body, int64(c.opts.MaxMessageBytes)+1))
	switch {
	case err != nil:
		c.fail(cl, fmt.Sprintf("reading the answer: %v", err), 0)
		return
	case len(body) > c.opts.MaxMessageBytes:
		c.fail(cl, fmt.Sprintf("the answer is larger than the limit of %d bytes (ClientOptions.MaxMessageBytes)", c.opts.MaxMessageBytes), 0)
		return
	}
	if jsonrpc.IsBatch(body) {
		msgs, _, err := jsonrpc.DecodeBatch(body)
		if err != nil {
			c.fail(cl, "the answer is not JSON-RPC: "+err.Error(), 0)
			return
		}
		answered := false
		for _, m := range msgs {
			if m != nil && m.IsResponse() && m.ID == cl.id {
				answered = true
				c.deliver(cl, c.onResponse(cl, m, resp.Header, jsonrpc.AppendMessage(nil, m)))
			} else if m != nil {
				c.deliver(cl, jsonrpc.AppendMessage(nil, m))
			}
		}
		if !answered {
			c.fail(cl, "the answer holds no response to the request", 0)
		}
		return
	}
	m, err := jsonrpc.DecodeMessage(body)
	switch {
	case err != nil:
		c.fail(cl, "the answer is not JSON-RPC: "+err.Error(), 0)
	case m.IsResponse() && m.ID == cl.id:
		c.deliver(cl, c.onResponse(cl, m, resp.Header, body))
	case m.IsResponse() && m.Error != nil && !m.ID.IsValid():
		c.deliver(cl, jsonrpc.AppendError(nil, cl.id, m.Error))
	default:
		c.deliver(cl, body)
		c.fail(cl, "the answer holds no response to the request", 0)
	}
}

// streamState follows one response stream across reconnections.
type streamState struct {
	lastID string
	retry  time.Duration // the server's latest retry hint, or RetryDelay
	seen   map[string]bool
	fresh  int   // events delivered by the current connection
	hinted bool  // the current connection carried a retry hint (the server closes it on purpose: polling)
	broke  error // why the last connection ended, when it was not the end of the stream
}

// maxSeenIDs bounds the event ids remembered to drop replays; past it the set starts again.
const maxSeenIDs = 10000

// readStream delivers an SSE answer and, when the stream breaks before the response, resumes it.
func (c *Client) readStream(cl *call, resp *http.Response) {
	st := &streamState{retry: c.opts.RetryDelay, seen: map[string]bool{}}
	if c.consume(cl, resp, st) {
		return
	}
	if cl.ctx.Err() != nil {
		return // cancelled, or the client closed: nobody waits for the answer
	}
	if errors.Is(st.broke, httpx.ErrEventTooLarge) {
		c.fail(cl, c.tooLarge(), 0)
		return
	}
	if cl.modern || st.lastID == "" {
		c.fail(cl, "the server closed the event stream before the response (it cannot be resumed)", 0)
		return
	}
	c.resume(cl, st)
}

// consume reads events until the request's response (true) or the end of the stream (false). Events
// whose id was seen before are dropped, so a replay delivers nothing twice.
func (c *Client) consume(cl *call, resp *http.Response, st *streamState) bool {
	rd := httpx.NewSSEReader(resp.Body, c.opts.MaxMessageBytes)
	st.fresh, st.hinted, st.broke = 0, false, nil
	for {
		ev, err := rd.Next()
		if err != nil {
			if !errors.Is(err, io.EOF) && cl.ctx.Err() == nil {
				st.broke = err
				c.log.Debug("streamable: response stream broke", "method", cl.method, "err", err)
			}
			return false
		}
		if ev.RetryMs >= 0 {
			st.retry = time.Duration(ev.RetryMs) * time.Millisecond
			st.hinted = true
		}
		if ev.HasID {
			if st.seen[ev.ID] {
				continue
			}
			if len(st.seen) >= maxSeenIDs {
				clear(st.seen) // an endless stream must not grow memory
			}
			st.seen[ev.ID] = true
			st.lastID = ev.ID
		}
		if len(ev.Data) == 0 || (ev.Name != "" && ev.Name != "message") {
			continue
		}
		st.fresh++
		m, err := jsonrpc.DecodeMessage(ev.Data)
		if err == nil && m.IsResponse() && m.ID == cl.id {
			c.deliver(cl, c.onResponse(cl, m, resp.Header, ev.Data))
			return true
		}
		c.deliver(cl, ev.Data)
	}
}

// resume reconnects with GET and Last-Event-ID after the retry delay, backing off exponentially with
// jitter, until the response arrives or MaxResumeAttempts reconnections in a row brought nothing. A
// reconnection that delivers events, or that the server ends with a new retry hint (SSE polling), starts
// the count again.
func (c *Client) resume(cl *call, st *streamState) {
	delay := st.retry
	var last string
	for attempt := 1; attempt <= c.opts.MaxResumeAttempts; attempt++ {
		if !sleep(cl.ctx, jitter(delay)) {
			return
		}
		h := make(http.Header)
		for k, vs := range c.opts.Header {
			h[k] = append([]string(nil), vs...)
		}
		h.Set("Accept", "text/event-stream")
		h.Set(headerLastEventID, st.lastID)
		c.setSessionHeaders(h, false)
		resp, err := c.do(cl.ctx, http.MethodGet, nil, h)
		if err != nil {
			if cl.ctx.Err() != nil {
				return
			}
			last = err.Error()
			delay = c.backoff(delay)
			continue
		}
		if resp.StatusCode == http.StatusOK && mediaType(resp) == "text/event-stream" {
			done := c.consume(cl, resp, st)
			resp.Body.Close()
			if done || cl.ctx.Err() != nil {
				return
			}
			if errors.Is(st.broke, httpx.ErrEventTooLarge) {
				c.fail(cl, c.tooLarge(), 0)
				return
			}
			if st.fresh > 0 || st.hinted {
				attempt, delay = 0, st.retry // progress, or the server polls: start counting again
			} else {
				delay = c.backoff(delay)
			}
			last = "the resumed stream ended before the response"
			continue
		}
		body := httpx.ReadErrorBody(resp.Body)
		resp.Body.Close()
		last = httpx.DescribeStatus(resp.StatusCode, body)
		if resp.StatusCode < 500 {
			break // the server cannot resume this stream
		}
		delay = c.backoff(delay)
	}
	c.fail(cl, "the event stream broke before the response and resuming it failed: "+last, 0)
}

func (c *Client) backoff(d time.Duration) time.Duration {
	d *= 2
	if d <= 0 {
		d = c.opts.RetryDelay
	}
	return min(d, c.opts.MaxRetryDelay)
}

// jitter adds up to 20% to d, so that many clients do not reconnect in step.
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return d + rand.N(d/5+1)
}

// sleep waits d or until ctx ends (false).
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// deliver queues a message for Read unless the caller cancelled the request, waiting while the inbox is
// full (so a server that floods a response stream is slowed down, not buffered).
func (c *Client) deliver(cl *call, msg []byte) {
	if cl.aborted.Load() {
		return
	}
	_ = c.inbox.Put(cl.ctx, msg)
}

// tooLarge describes a response stream cut by an oversized event.
func (c *Client) tooLarge() string {
	return fmt.Sprintf("an event of the response stream is larger than the limit of %d bytes (ClientOptions.MaxMessageBytes)", c.opts.MaxMessageBytes)
}

// fail answers the request with an error made up here (no answer can come from the server).
func (c *Client) fail(cl *call, msg string, status int) {
	if cl.aborted.Load() || c.closed.Load() {
		return
	}
	c.deliver(cl, httpx.SyntheticError(cl.id, mcp.CodeInternalError, "streamable: "+msg, status))
}
