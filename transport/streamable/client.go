package streamable

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/mcpkit/mcpkit/internal/httpx"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport/sse"
)

// ClientOptions configures a Client. The zero value is usable.
type ClientOptions struct {
	// HTTPClient sends the requests. Nil uses http.DefaultClient. Responses may be long-lived streams, so
	// a client Timeout would cut them: bound calls with their context instead.
	HTTPClient *http.Client
	// Header is added to every request (for example Authorization).
	Header http.Header
	// DisableSSEFallback keeps the client on Streamable HTTP when initialize is refused (400, 404 or 405),
	// instead of trying the 2024-11-05 HTTP+SSE transport at the same URL.
	DisableSSEFallback bool
	// DisableStandaloneStream skips the GET stream a legacy session opens after initialization (for
	// server-initiated requests and notifications).
	DisableStandaloneStream bool
	// EraCache is where what was learned about each origin is remembered. Nil uses one cache shared by every client of the process.
	EraCache *EraCache
	// RetryDelay is the first reconnection delay when the server gave no retry hint (default 1s).
	RetryDelay time.Duration
	// MaxRetryDelay caps the exponential backoff of reconnections (default 30s).
	MaxRetryDelay time.Duration
	// MaxResumeAttempts bounds the reconnections made to resume one broken response stream (default 5).
	MaxResumeAttempts int
	// CloseTimeout bounds the DELETE that ends a legacy session at Close (default 2s).
	CloseTimeout time.Duration
	// MaxMessageBytes bounds one JSON answer or one server-sent event, and the messages received but not
	// yet read (default 16 MiB). A larger answer or event fails its request with an error naming the limit;
	// while that much waits unread, the client stops reading responses (the server is slowed down through TCP).
	MaxMessageBytes int
	// Logger receives diagnostics. Nil uses slog.Default().
	Logger *slog.Logger
}

// Client is the client side of MCP's Streamable HTTP transport, for both protocol eras: a jsonrpc.Stream
// to hand to client.Connect. Each message written is POSTed to the endpoint; what comes back (a JSON body
// or an SSE stream) is read from Read. An HTTP failure of a request becomes a JSON-RPC error response to
// that request, so no caller waits for an answer that cannot come.
//
// Legacy sessions (2025-03-26 … 2025-11-25) carry Mcp-Session-Id and MCP-Protocol-Version, open the
// standalone GET stream, resume broken streams with Last-Event-ID, re-initialize when the server forgot
// the session (404), and end with DELETE at Close. 2026-07-28 requests (those whose _meta names a
// protocol version) are stateless and carry MCP-Protocol-Version, Mcp-Method, Mcp-Name and the
// Mcp-Param-* headers their tools declare; cancelling one closes its stream. A server that refuses
// initialize and serves HTTP+SSE at the same URL is reached through that transport instead.
type Client struct {
	url    string
	origin string
	opts   ClientOptions
	hc     *http.Client
	log    *slog.Logger
	cache  *EraCache

	life   context.Context // ends at Close
	cancel context.CancelFunc
	inbox  *httpx.Inbox
	wg     sync.WaitGroup
	closed atomic.Bool
	once   sync.Once

	mu          sync.Mutex
	sid         string // legacy session id
	gen         int    // bumps at every (re)initialization
	version     string // negotiated legacy protocol version
	legacy      bool   // an initialize succeeded over Streamable HTTP
	modern      bool   // a 2026-07-28 request succeeded
	initMsg     []byte // the initialize request, replayed to heal a lost session
	initID      jsonrpc.ID
	refreshes   atomic.Int64 // ids of the client's own tools/list requests (re-learning header annotations)
	setLevel    []byte       // the last logging/setLevel request, replayed after healing
	setLevelID  jsonrpc.ID
	initialized []byte // the notifications/initialized sent after it
	getGen      int    // generation whose GET stream runs (0: none)
	calls       map[jsonrpc.ID]*call
	toolHeaders map[string][]mcp.ParamHeader // x-mcp-header annotations by tool name
	delegate    *sse.Client                  // after falling back to HTTP+SSE

	healMu sync.Mutex
}

// NewClient returns a client for the MCP endpoint at endpoint (an absolute http or https URL). It does
// no I/O: the first Write does.
func NewClient(endpoint string, opts *ClientOptions) (*Client, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, fmt.Errorf("streamable: endpoint %q: %w", endpoint, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("streamable: endpoint %q must be an absolute http:// or https:// URL", endpoint)
	}
	if u.Fragment != "" {
		return nil, fmt.Errorf("streamable: endpoint %q must not have a #fragment", endpoint)
	}
	c := &Client{url: u.String(), origin: Origin(u), calls: map[jsonrpc.ID]*call{},
		toolHeaders: map[string][]mcp.ParamHeader{}}
	if opts != nil {
		c.opts = *opts
	}
	o := &c.opts
	if o.RetryDelay <= 0 {
		o.RetryDelay = time.Second
	}
	if o.MaxRetryDelay <= 0 {
		o.MaxRetryDelay = 30 * time.Second
	}
	if o.MaxResumeAttempts <= 0 {
		o.MaxResumeAttempts = 5
	}
	if o.CloseTimeout <= 0 {
		o.CloseTimeout = 2 * time.Second
	}
	if o.MaxMessageBytes <= 0 {
		o.MaxMessageBytes = 16 << 20
	}
	c.inbox = httpx.NewInbox(o.MaxMessageBytes)
	c.hc = httpx.SameOriginRedirects(o.HTTPClient) // never send a session's messages or headers to another host
	c.log = o.Logger
	if c.log == nil {
		c.log = slog.Default()
	}
	c.cache = o.EraCache
	if c.cache == nil {
		c.cache = sharedEraCache
	}
	c.life, c.cancel = context.WithCancel(context.Background())
	return c, nil
}

// URL returns the endpoint.
func (c *Client) URL() string { return c.url }

// SessionID returns the legacy session id the server assigned ("" for none, or in the modern era).
func (c *Client) SessionID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sid
}

// ProtocolVersion returns the legacy protocol version the initialize answer chose ("" before it, or in
// the modern era, where each request names its version).
func (c *Client) ProtocolVersion() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.version
}

// Kind reports what the client speaks to: KindSSE after falling back to HTTP+SSE, KindLegacy after an
// initialize over Streamable HTTP, KindModern after a 2026-07-28 request succeeded, else KindUnknown.
func (c *Client) Kind() ServerKind {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.delegate != nil:
		return KindSSE
	case c.legacy:
		return KindLegacy
	case c.modern:
		return KindModern
	}
	return KindUnknown
}

// Read implements jsonrpc.Stream.
func (c *Client) Read(ctx context.Context) ([]byte, error) { return c.inbox.Read(ctx) }

// Write implements jsonrpc.Stream. A request is POSTed in the background and Write returns at once (its
// answer, or an error response, comes out of Read); a notification or response is POSTed before Write
// returns, and an HTTP failure is Write's error.
func (c *Client) Write(ctx context.Context, msg []byte) error {
	if c.closed.Load() {
		return jsonrpc.ErrClosed
	}
	if d := c.sseDelegate(); d != nil {
		return d.Write(ctx, msg)
	}
	if jsonrpc.IsBatch(msg) {
		return errors.New("streamable: the client sends no JSON-RPC batches")
	}
	// Write must not retain the caller's buffer (jsonrpc.Conn reuses it at once): the message and
	// everything decoded from it (params, read again in the background for Mcp-Param-* headers) come from
	// a copy.
	msg = bytes.Clone(msg)
	m, err := jsonrpc.DecodeMessage(msg)
	if err != nil {
		return fmt.Errorf("streamable: writing a malformed message: %w", err)
	}
	switch {
	case m.IsRequest():
		c.startCall(m, msg)
		return nil
	case m.IsNotification():
		return c.notify(ctx, m, msg)
	}
	return c.postOneWay(ctx, msg, false, "")
}

func (c *Client) sseDelegate() *sse.Client {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.delegate
}

// notify sends a notification. notifications/cancelled aborts the cancelled request's POST; in the
// modern era that is the whole cancellation (closing the stream cancels), so nothing is sent.
func (c *Client) notify(ctx context.Context, m *jsonrpc.Message, msg []byte) error {
	switch m.Method {
	case mcp.MethodNotificationCancelled:
		var p struct {
			RequestID jsonrpc.ID `json:"requestId"`
		}
		_ = json.Unmarshal(m.Params, &p)
		c.mu.Lock()
		cl := c.calls[p.RequestID]
		legacy := c.legacy
		c.mu.Unlock()
		if cl != nil {
			cl.abort()
			if cl.modern {
				return nil
			}
		}
		if !legacy {
			return nil // no session: nothing on the server to tell
		}
	case mcp.MethodNotificationInitialized:
		c.mu.Lock()
		c.initialized = msg
		gen := c.gen
		c.mu.Unlock()
		if err := c.postOneWay(ctx, msg, false, ""); err != nil {
			return err
		}
		if ready := c.startStandaloneStream(gen); ready != nil {
			t := time.NewTimer(standaloneWait)
			select {
			case <-ready:
			case <-t.C:
			case <-ctx.Done():
			}
			t.Stop()
		}
		return nil
	}
	f := readBodyFacts(m)
	return c.postOneWay(ctx, msg, f.version != "", m.Method)
}

// postOneWay POSTs a notification or a response and expects 202 (any 2xx is accepted).
func (c *Client) postOneWay(ctx context.Context, msg []byte, modern bool, method string) error {
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(c.life, cancel)
	defer stop()
	h := c.baseHeaders()
	if modern {
		var p struct {
			Meta struct {
				Version string `json:"io.modelcontextprotocol/protocolVersion"`
			} `json:"_meta"`
		}
		if m, err := jsonrpc.DecodeMessage(msg); err == nil {
			_ = json.Unmarshal(m.Params, &p)
		}
		h.Set(headerProtocolVersion, p.Meta.Version)
		h.Set(headerMethod, mcp.EncodeHeaderValue(method))
	} else {
		c.setSessionHeaders(h, false)
	}
	resp, err := c.do(rctx, http.MethodPost, msg, h)
	if err != nil {
		if c.closed.Load() {
			return jsonrpc.ErrClosed
		}
		return fmt.Errorf("streamable: POST %s: %w", c.url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil
	}
	body := httpx.ReadErrorBody(resp.Body)
	return fmt.Errorf("streamable: POST %s: %s", c.url, httpx.DescribeStatus(resp.StatusCode, body))
}

// baseHeaders returns the caller's headers plus the content negotiation every POST carries.
func (c *Client) baseHeaders() http.Header {
	h := make(http.Header, len(c.opts.Header)+6)
	for k, vs := range c.opts.Header {
		h[k] = append([]string(nil), vs...)
	}
	h.Set("Content-Type", "application/json")
	h.Set("Accept", "application/json, text/event-stream")
	return h
}

// setSessionHeaders adds Mcp-Session-Id and MCP-Protocol-Version of the legacy session, when there is one.
func (c *Client) setSessionHeaders(h http.Header, initialize bool) {
	if initialize {
		return
	}
	c.mu.Lock()
	sid, version := c.sid, c.version
	c.mu.Unlock()
	if sid != "" {
		h.Set(headerSessionID, sid)
	}
	if version != "" {
		h.Set(headerProtocolVersion, version)
	}
}

// do sends one HTTP request with body (nil for none) and headers h.
func (c *Client) do(ctx context.Context, method string, body []byte, h http.Header) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.url, rd)
	if err != nil {
		return nil, err
	}
	req.Header = h
	return c.hc.Do(req)
}

// Close implements jsonrpc.Stream: it aborts every request in flight and the GET stream, ends a legacy
// session with DELETE (best effort, bounded by CloseTimeout), and closes an HTTP+SSE fallback.
func (c *Client) Close() error {
	c.once.Do(func() {
		c.mu.Lock()
		c.closed.Store(true) // under mu: spawn adds no goroutine after this
		sid, version, d := c.sid, c.version, c.delegate
		c.mu.Unlock()
		c.cancel()
		if d != nil {
			_ = d.Close()
		}
		if sid != "" {
			c.deleteSession(sid, version)
		}
		c.wg.Wait()
		c.inbox.Close(io.EOF)
	})
	return nil
}

// deleteSession asks the server to end the session.
func (c *Client) deleteSession(sid, version string) {
	ctx, cancel := context.WithTimeout(context.Background(), c.opts.CloseTimeout)
	defer cancel()
	h := make(http.Header)
	for k, vs := range c.opts.Header {
		h[k] = append([]string(nil), vs...)
	}
	h.Set(headerSessionID, sid)
	if version != "" {
		h.Set(headerProtocolVersion, version)
	}
	resp, err := c.do(ctx, http.MethodDelete, nil, h)
	if err != nil {
		c.log.Debug("streamable: DELETE of the session failed", "err", err)
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}
