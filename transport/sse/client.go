package sse

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcpkit/mcpkit/internal/httpx"
	"github.com/mcpkit/mcpkit/jsonrpc"
)

// ClientOptions configures Dial. The zero value is usable.
type ClientOptions struct {
	// HTTPClient sends the requests. Nil uses http.DefaultClient. The event stream lives as long as the
	// session, so a client Timeout would cut it: prefer none.
	HTTPClient *http.Client
	// Header is added to every request (for example Authorization).
	Header http.Header
	// EndpointTimeout bounds the wait for the stream's endpoint event (default 10s).
	EndpointTimeout time.Duration
	// MaxEventBytes bounds one server-sent event, and the messages received but not yet read (default
	// 16 MiB). A larger event ends the stream with an error; while that much waits unread, the client stops
	// reading the stream (the server is slowed down through TCP).
	MaxEventBytes int
	// Logger receives diagnostics. Nil uses slog.Default().
	Logger *slog.Logger
}

// ErrStreamClosed is wrapped by the error Read returns once the server has closed the event stream: with
// this transport the session ends with its stream.
var ErrStreamClosed = errors.New("sse: the server closed the event stream")

// Client is the client side of the HTTP+SSE transport (protocol 2024-11-05): a jsonrpc.Stream whose
// Read yields the messages of the GET event stream and whose Write POSTs to the URL the endpoint event
// named. Hand it to client.Connect.
type Client struct {
	hc       *http.Client
	header   http.Header
	log      *slog.Logger
	stream   *url.URL // the SSE endpoint
	post     string   // the message endpoint
	maxEvent int

	life   context.Context // ends at Close: the GET and every POST
	cancel context.CancelFunc
	inbox  *httpx.Inbox
	done   chan struct{} // the reader returned
	closed atomic.Bool
	once   sync.Once
}

// Dial opens the event stream at endpoint (GET, Accept: text/event-stream) and waits for its endpoint
// event, whose data is the URL to POST messages to, resolved against endpoint; a URL of another origin
// is refused. ctx bounds only the dial; the stream lives until Close or until the server ends it.
func Dial(ctx context.Context, endpoint string, opts *ClientOptions) (*Client, error) {
	var o ClientOptions
	if opts != nil {
		o = *opts
	}
	if o.HTTPClient == nil {
		o.HTTPClient = http.DefaultClient
	}
	if o.EndpointTimeout <= 0 {
		o.EndpointTimeout = 10 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MaxEventBytes <= 0 {
		o.MaxEventBytes = 16 << 20
	}
	u, err := parseHTTPURL(endpoint)
	if err != nil {
		return nil, err
	}
	c := &Client{hc: httpx.SameOriginRedirects(o.HTTPClient), header: o.Header, log: o.Logger, stream: u, maxEvent: o.MaxEventBytes,
		inbox: httpx.NewInbox(o.MaxEventBytes), done: make(chan struct{})}
	c.life, c.cancel = context.WithCancel(context.Background())

	// Until the endpoint event arrives, the caller's ctx and the timeout may end the stream too.
	var timedOut atomic.Bool
	timer := time.AfterFunc(o.EndpointTimeout, func() { timedOut.Store(true); c.cancel() })
	stopCtx := context.AfterFunc(ctx, c.cancel)
	fail := func(err error) (*Client, error) {
		timer.Stop()
		stopCtx()
		c.cancel()
		switch {
		case timedOut.Load():
			return nil, fmt.Errorf("sse: no endpoint event from %s within %v", endpoint, o.EndpointTimeout)
		case ctx.Err() != nil:
			return nil, fmt.Errorf("sse: dialing %s: %w", endpoint, ctx.Err())
		case err == nil: // the timer fired just as the endpoint event arrived
			return nil, fmt.Errorf("sse: no endpoint event from %s within %v", endpoint, o.EndpointTimeout)
		}
		return nil, err
	}

	req, err := http.NewRequestWithContext(c.life, http.MethodGet, u.String(), nil)
	if err != nil {
		return fail(fmt.Errorf("sse: %w", err))
	}
	c.setHeaders(req.Header)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Cache-Control", "no-cache")
	resp, err := c.hc.Do(req)
	if err != nil {
		return fail(fmt.Errorf("sse: GET %s: %w", endpoint, err))
	}
	if resp.StatusCode != http.StatusOK {
		body := httpx.ReadErrorBody(resp.Body)
		resp.Body.Close()
		return fail(fmt.Errorf("sse: GET %s: %s", endpoint, httpx.DescribeStatus(resp.StatusCode, body)))
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "text/event-stream" {
		resp.Body.Close()
		return fail(fmt.Errorf("sse: GET %s answered Content-Type %s, not text/event-stream: not an HTTP+SSE endpoint",
			endpoint, httpx.QuoteBounded(resp.Header.Get("Content-Type"), 64)))
	}
	rd := httpx.NewSSEReader(resp.Body, o.MaxEventBytes)
	var early [][]byte // messages before the endpoint event (the format puts it first; be lenient)
	for c.post == "" {
		ev, err := rd.Next()
		if err != nil {
			resp.Body.Close()
			if errors.Is(err, io.EOF) {
				err = ErrStreamClosed
			}
			return fail(fmt.Errorf("sse: the stream from %s ended before its endpoint event: %w", endpoint, c.describe(err)))
		}
		switch ev.Name {
		case "endpoint":
			post, err := resolveEndpoint(u, string(bytes.TrimSpace(ev.Data)))
			if err != nil {
				resp.Body.Close()
				return fail(err)
			}
			c.post = post
		case "", "message":
			if len(ev.Data) > 0 {
				if len(early) == maxEarly {
					resp.Body.Close()
					return fail(fmt.Errorf("sse: the stream from %s sent more than %d messages before its endpoint event", endpoint, maxEarly))
				}
				early = append(early, ev.Data)
			}
		}
	}
	if !timer.Stop() || !stopCtx() {
		resp.Body.Close()
		return fail(nil) // the timeout or ctx won the race
	}
	for _, m := range early {
		c.inbox.Push(m)
	}
	go c.readLoop(rd, resp.Body)
	return c, nil
}

// maxEarly bounds the messages kept from before the endpoint event.
const maxEarly = 16

// describe adds the limit to an oversized event's error.
func (c *Client) describe(err error) error {
	if errors.Is(err, httpx.ErrEventTooLarge) {
		return fmt.Errorf("%w (limit %d bytes: ClientOptions.MaxEventBytes)", err, c.maxEvent)
	}
	return err
}

// parseHTTPURL checks that s is an absolute http or https URL.
func parseHTTPURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("sse: endpoint %q: %w", s, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("sse: endpoint %q must be an absolute http:// or https:// URL", s)
	}
	return u, nil
}

// resolveEndpoint resolves the endpoint event's URL against the stream URL and refuses another origin (a
// server must not send the client's messages elsewhere).
func resolveEndpoint(base *url.URL, ref string) (string, error) {
	if ref == "" {
		return "", fmt.Errorf("sse: the endpoint event of %s is empty", base)
	}
	u, err := base.Parse(ref)
	if err != nil {
		return "", fmt.Errorf("sse: the endpoint event of %s names a malformed URL %s", base, httpx.QuoteBounded(ref, 128))
	}
	if !httpx.SameOrigin(u, base) {
		return "", fmt.Errorf("sse: the endpoint event of %s names %s, which is another origin; refusing to send messages there",
			base, httpx.QuoteBounded(u.Redacted(), 128))
	}
	u.Fragment = ""
	return u.String(), nil
}

// MessageURL returns the URL messages are POSTed to (from the endpoint event).
func (c *Client) MessageURL() string { return c.post }

// Done is closed when the stream has ended (Close, or the server closing it).
func (c *Client) Done() <-chan struct{} { return c.inbox.Done() }

func (c *Client) readLoop(rd *httpx.SSEReader, body io.ReadCloser) {
	defer close(c.done)
	defer body.Close()
	for {
		ev, err := rd.Next()
		if err != nil {
			if c.closed.Load() {
				c.inbox.Close(io.EOF)
				return
			}
			if errors.Is(err, io.EOF) {
				c.inbox.Close(fmt.Errorf("%w (%s)", ErrStreamClosed, c.stream.Redacted()))
			} else {
				c.inbox.Close(fmt.Errorf("sse: reading the event stream of %s: %w", c.stream.Redacted(), c.describe(err)))
			}
			return
		}
		if (ev.Name == "" || ev.Name == "message") && len(ev.Data) > 0 {
			if c.inbox.Put(c.life, ev.Data) != nil {
				continue // closing: the next read fails and ends the loop
			}
		}
	}
}

// Read implements jsonrpc.Stream: the next message from the event stream.
func (c *Client) Read(ctx context.Context) ([]byte, error) { return c.inbox.Read(ctx) }

// Write implements jsonrpc.Stream: it POSTs msg to the message endpoint. The server answers 202 and sends
// the response down the event stream. When the POST of a request fails, an error response for that
// request is queued for Read (the server's JSON-RPC error when its body has one), so the caller never
// waits for an answer that cannot come; for other messages Write returns the error.
func (c *Client) Write(ctx context.Context, msg []byte) error {
	if c.closed.Load() {
		return jsonrpc.ErrClosed
	}
	select {
	case <-c.inbox.Done():
		return fmt.Errorf("%w (%s)", ErrStreamClosed, c.stream.Redacted())
	default:
	}
	var id jsonrpc.ID
	var traceparent, tracestate string
	if m, err := jsonrpc.DecodeMessage(msg); err == nil && m.IsRequest() {
		id = m.ID
		traceparent, tracestate = httpx.TraceContext(m.Params) // mirrored into the POST's headers
	}
	status, body, err := c.postMessage(ctx, msg, traceparent, tracestate)
	switch {
	case err != nil && ctx.Err() != nil:
		return ctx.Err()
	case err != nil && c.closed.Load():
		return jsonrpc.ErrClosed
	case err != nil:
		if id.IsValid() {
			c.inbox.Push(httpx.SyntheticError(id, jsonrpc.CodeInternalError, err.Error(), 0))
			return nil
		}
		return err
	case status >= 200 && status < 300:
		return nil
	case id.IsValid():
		c.inbox.Push(httpx.ErrorResponse(id, status, body))
		return nil
	}
	return fmt.Errorf("sse: POST %s: %s", c.post, httpx.DescribeStatus(status, body))
}

// postMessage POSTs msg (with the trace context of its _meta in headers) and returns the status and (for
// errors) the start of the body.
func (c *Client) postMessage(ctx context.Context, msg []byte, traceparent, tracestate string) (int, []byte, error) {
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(c.life, cancel)
	defer stop()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, c.post, bytes.NewReader(msg))
	if err != nil {
		return 0, nil, fmt.Errorf("sse: %w", err)
	}
	c.setHeaders(req.Header)
	req.Header.Set("Content-Type", "application/json")
	httpx.SetTraceHeaders(req.Header, traceparent, tracestate)
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("sse: POST %s: %w", c.post, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return resp.StatusCode, nil, nil
	}
	return resp.StatusCode, httpx.ReadErrorBody(resp.Body), nil
}

func (c *Client) setHeaders(h http.Header) {
	for k, vs := range c.header {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
}

// Close implements jsonrpc.Stream: it ends the event stream (which ends the session on the server) and
// aborts POSTs in flight. Read then returns io.EOF.
func (c *Client) Close() error {
	c.once.Do(func() {
		c.closed.Store(true)
		c.cancel()
		<-c.done
		c.inbox.Close(io.EOF)
	})
	return nil
}
