package streamable

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/mcpkit/mcpkit/internal/httpx"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
)

// spawn runs fn on a goroutine that Close waits for; it reports false once the client is closing.
func (c *Client) spawn(fn func()) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed.Load() {
		return false
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		fn()
	}()
	return true
}

// onResponse learns from the response to a request before it is delivered: the session and protocol
// version an initialize answer sets, the era a server/discover answer proves, the x-mcp-header
// annotations of a 2026-07-28 tools/list. It returns the message to deliver.
func (c *Client) onResponse(cl *call, m *jsonrpc.Message, header http.Header, raw []byte) []byte {
	if m.Error != nil {
		return raw
	}
	switch {
	case cl.method == mcp.MethodInitialize && !cl.modern:
		var r struct {
			ProtocolVersion string `json:"protocolVersion"`
		}
		_ = json.Unmarshal(m.Result, &r)
		c.mu.Lock()
		c.sid, c.version, c.legacy = header.Get(headerSessionID), r.ProtocolVersion, true
		c.gen++
		c.mu.Unlock()
	case cl.method == mcp.MethodDiscover:
		c.cache.Set(c.origin, KindModern)
	case cl.method == mcp.MethodToolsList && cl.modern:
		c.mu.Lock()
		res, removed, reasons := learnTools(m.Result, c.toolHeaders)
		c.mu.Unlock()
		if len(removed) > 0 {
			for i, name := range removed {
				c.log.Warn("streamable: leaving out a tool whose x-mcp-header annotations are invalid", "tool", name, "reason", reasons[i])
			}
			raw = jsonrpc.AppendResult(nil, m.ID, res)
		}
	}
	if cl.modern {
		c.mu.Lock()
		c.modern = true
		c.mu.Unlock()
	}
	return raw
}

// heal starts a new session after the server answered 404 to session gen: it replays the recorded
// initialize and notifications/initialized, swallowing their answers, and adopts the new session id.
// Concurrent requests that hit the same 404 wait for one healing and then use its session.
func (c *Client) heal(gen int) error {
	c.healMu.Lock()
	defer c.healMu.Unlock()
	c.mu.Lock()
	if c.gen != gen {
		c.mu.Unlock()
		return nil // healed already
	}
	initMsg, initID, initialized, old := c.initMsg, c.initID, c.initialized, c.sid
	setLevel, setLevelID := c.setLevel, c.setLevelID
	c.mu.Unlock()
	if initMsg == nil {
		return errors.New("no initialize request to replay")
	}
	ctx, cancel := context.WithTimeout(c.life, 30*time.Second)
	defer cancel()
	resp, err := c.do(ctx, http.MethodPost, initMsg, c.baseHeaders())
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("initialize: %s", httpx.DescribeStatus(resp.StatusCode, httpx.ReadErrorBody(resp.Body)))
	}
	m, err := c.awaitResponse(resp, initID)
	if err != nil {
		return fmt.Errorf("initialize: %w", err)
	}
	if m.Error != nil {
		return fmt.Errorf("initialize: %w", m.Error)
	}
	var r struct {
		ProtocolVersion string `json:"protocolVersion"`
	}
	_ = json.Unmarshal(m.Result, &r)
	c.mu.Lock()
	c.sid, c.version = resp.Header.Get(headerSessionID), r.ProtocolVersion
	c.gen++
	newGen := c.gen
	c.mu.Unlock()
	if initialized != nil {
		if err := c.postOneWay(ctx, initialized, false, ""); err != nil {
			return err
		}
	}
	if setLevel != nil {
		// The new session starts at the server's default level: ask for the one the client had chosen.
		h := c.baseHeaders()
		c.setSessionHeaders(h, false)
		if lr, err := c.do(ctx, http.MethodPost, setLevel, h); err == nil {
			if _, err := c.awaitResponse(lr, setLevelID); err != nil {
				c.log.Warn("streamable: replaying logging/setLevel after healing", "err", err)
			}
			lr.Body.Close()
		}
	}
	c.log.Info("streamable: the server lost the session; started a new one", "old", old, "new", resp.Header.Get(headerSessionID))
	c.startStandaloneStream(newGen)
	return nil
}

// awaitResponse reads a JSON or SSE answer until the response to id; everything else is dropped.
func (c *Client) awaitResponse(resp *http.Response, id jsonrpc.ID) (*jsonrpc.Message, error) {
	switch mediaType(resp) {
	case "application/json":
		body, err := io.ReadAll(io.LimitReader(resp.Body, int64(c.opts.MaxMessageBytes)+1))
		if err != nil {
			return nil, err
		}
		if len(body) > c.opts.MaxMessageBytes {
			return nil, fmt.Errorf("the answer is larger than the limit of %d bytes (ClientOptions.MaxMessageBytes)", c.opts.MaxMessageBytes)
		}
		m, err := jsonrpc.DecodeMessage(body)
		if err != nil {
			return nil, err
		}
		if !m.IsResponse() || m.ID != id {
			return nil, errors.New("the answer is not the response")
		}
		return m, nil
	case "text/event-stream":
		rd := httpx.NewSSEReader(resp.Body, c.opts.MaxMessageBytes)
		for {
			ev, err := rd.Next()
			if errors.Is(err, httpx.ErrEventTooLarge) {
				return nil, errors.New(c.tooLarge())
			}
			if err != nil {
				return nil, fmt.Errorf("the event stream ended before the response: %w", err)
			}
			if m, err := jsonrpc.DecodeMessage(ev.Data); err == nil && m.IsResponse() && m.ID == id {
				return m, nil
			}
		}
	}
	return nil, fmt.Errorf("unexpected Content-Type %s", httpx.QuoteBounded(resp.Header.Get("Content-Type"), 64))
}

// standaloneWait bounds how long the notifications/initialized write waits for the GET stream's answer.
const standaloneWait = 2 * time.Second

// startStandaloneStream opens the GET stream of session generation gen, once. The channel it returns (nil
// when no stream starts) is closed when the first GET has its answer (or failed): a server may drop what it
// sends before the stream exists (the TypeScript SDK does, with no event store), so the initialization
// waits for it before the first call can make the server ask something.
func (c *Client) startStandaloneStream(gen int) <-chan struct{} {
	if c.opts.DisableStandaloneStream {
		return nil
	}
	c.mu.Lock()
	if c.getGen >= gen || !c.legacy || c.delegate != nil {
		c.mu.Unlock()
		return nil
	}
	c.getGen = gen
	c.mu.Unlock()
	ready := make(chan struct{})
	if !c.spawn(func() { c.standalone(gen, ready) }) {
		return nil
	}
	return ready
}

// standalone keeps the session's GET stream open, delivering what the server sends on it, reconnecting
// after the retry hint with backoff while the session lives. 405 means the server offers none; 404 means
// the session is gone (the next request heals it and opens a new stream).
func (c *Client) standalone(gen int, ready chan struct{}) {
	answered := func() {
		if ready != nil {
			close(ready)
			ready = nil
		}
	}
	defer answered()
	delay := c.opts.RetryDelay
	lastID := ""
	seen := map[string]bool{}
	for {
		c.mu.Lock()
		current := c.gen == gen
		c.mu.Unlock()
		if !current || c.life.Err() != nil {
			return
		}
		h := make(http.Header)
		for k, vs := range c.opts.Header {
			h[k] = append([]string(nil), vs...)
		}
		h.Set("Accept", "text/event-stream")
		c.setSessionHeaders(h, false)
		resumed := lastID != ""
		if resumed {
			h.Set(headerLastEventID, lastID)
		}
		resp, err := c.do(c.life, http.MethodGet, nil, h)
		answered()
		switch {
		case err != nil:
			if c.life.Err() != nil {
				return
			}
			c.log.Debug("streamable: GET stream failed", "err", err)
			delay = c.backoff(delay)
		case resp.StatusCode == http.StatusOK && mediaType(resp) == "text/event-stream":
			hint := time.Duration(-1)
			n := c.follow(resp, &lastID, seen, &hint)
			resp.Body.Close()
			if c.life.Err() != nil {
				return
			}
			switch {
			case n > 0 && hint >= 0:
				delay = hint
			case n > 0:
				delay = c.opts.RetryDelay
			default:
				delay = c.backoff(delay)
				if resumed {
					lastID = "" // nothing left to replay: open a fresh stream next time
				}
			}
			if len(seen) > 10000 {
				clear(seen)
			}
		default:
			status := resp.StatusCode
			body := httpx.ReadErrorBody(resp.Body)
			resp.Body.Close()
			switch {
			case status == http.StatusMethodNotAllowed, status == http.StatusNotFound:
				c.log.Debug("streamable: no standalone GET stream", "status", status)
				return
			case resumed && status < 500:
				lastID = "" // the server cannot resume from that id: open a fresh stream
				delay = c.backoff(delay)
			case status == http.StatusConflict, status == http.StatusTooManyRequests, status >= 500:
				delay = c.backoff(delay)
			default:
				c.log.Warn("streamable: the server refused the standalone GET stream", "answer", httpx.DescribeStatus(status, body))
				return
			}
		}
		if !sleep(c.life, jitter(delay)) {
			return
		}
	}
}

// follow delivers the messages of a GET stream until it ends, skipping events already seen. It returns
// how many events it delivered and records the last event id and retry hint.
func (c *Client) follow(resp *http.Response, lastID *string, seen map[string]bool, hint *time.Duration) int {
	rd := httpx.NewSSEReader(resp.Body, c.opts.MaxMessageBytes)
	n := 0
	for {
		ev, err := rd.Next()
		if err != nil {
			return n
		}
		if ev.RetryMs >= 0 {
			*hint = time.Duration(ev.RetryMs) * time.Millisecond
		}
		if ev.HasID {
			if seen[ev.ID] {
				continue
			}
			seen[ev.ID] = true
			*lastID = ev.ID
		}
		if len(ev.Data) == 0 || (ev.Name != "" && ev.Name != "message") {
			continue
		}
		n++
		if c.inbox.Put(c.life, ev.Data) != nil {
			return n // closing
		}
	}
}
