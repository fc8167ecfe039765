package loadgen

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/mcpkit/mcpkit/bench/internal/workload"
)

// HTTPConfig describes an HTTP load.
type HTTPConfig struct {
	// Addr is the server's host:port (loopback); Path its MCP endpoint.
	Addr, Path string
	// Tool is the tool every call calls.
	Tool string
	// Modern sends stateless 2026-07-28 requests; otherwise each client opens a legacy session
	// (initialize, notifications/initialized) on its connection and calls within it.
	Modern bool
	// Clients is the number of concurrent clients, each with its own connection and one call in flight.
	Clients int
	// Timeout bounds each call (default 30s).
	Timeout time.Duration
}

type httpClient struct {
	cfg  *HTTPConfig
	conn *Conn
	req  *Request
	sid  string
}

// StartHTTP opens every client's connection (and legacy session), then starts calling in the warm-up
// phase. Call Measure, then Stop.
func StartHTTP(cfg HTTPConfig) (*Load, error) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Clients <= 0 {
		return nil, errors.New("loadgen: need at least one client")
	}
	clients := make([]*httpClient, cfg.Clients)
	var mu sync.Mutex
	abort := func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range clients {
			if c != nil && c.conn != nil {
				c.conn.Close()
			}
		}
	}
	for i := range clients {
		c := &httpClient{cfg: &cfg}
		if err := c.connect(); err != nil {
			abort()
			return nil, fmt.Errorf("client %d: %w", i, err)
		}
		mu.Lock()
		clients[i] = c
		mu.Unlock()
	}
	l := newLoad(cfg.Clients, abort)
	for i, c := range clients {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			c.loop(l, i, &mu)
		}()
	}
	return l, nil
}

// connect dials and, in the legacy era, opens a session (or reuses the one the client has).
func (c *httpClient) connect() error {
	conn, err := Dial(c.cfg.Addr, c.cfg.Timeout)
	if err != nil {
		return err
	}
	c.conn = conn
	if c.cfg.Modern {
		c.req = NewRequest(c.cfg.Addr, c.cfg.Path, workload.Call(c.cfg.Tool, true),
			Header{"MCP-Protocol-Version", workload.ModernVersion},
			Header{"Mcp-Method", "tools/call"},
			Header{"Mcp-Name", c.cfg.Tool})
		return nil
	}
	if c.sid == "" {
		sid, version, err := OpenSession(conn, c.cfg.Addr, c.cfg.Path)
		if err != nil {
			conn.Close()
			return err
		}
		c.sid = sid
		c.req = NewRequest(c.cfg.Addr, c.cfg.Path, workload.Call(c.cfg.Tool, false),
			Header{"Mcp-Session-Id", sid}, Header{"MCP-Protocol-Version", version})
	}
	return nil
}

// OpenSession performs the legacy handshake on conn and returns the session id and the negotiated
// protocol version.
func OpenSession(conn *Conn, addr, path string) (sid, version string, err error) {
	init := NewRequest(addr, path, workload.Initialize)
	resp, err := conn.Do(init.Build(0))
	if err != nil {
		return "", "", fmt.Errorf("initialize: %w", err)
	}
	if resp.Status != 200 {
		return "", "", fmt.Errorf("initialize: HTTP %d: %s", resp.Status, snippet(resp.Body))
	}
	sid = string(resp.SessionID)
	var res struct {
		Result struct {
			ProtocolVersion string `json:"protocolVersion"`
		} `json:"result"`
	}
	if err := json.Unmarshal(Payload(resp), &res); err != nil || res.Result.ProtocolVersion == "" {
		return "", "", fmt.Errorf("initialize: unexpected answer %s", snippet(resp.Body))
	}
	if sid == "" {
		return "", "", errors.New("initialize: no Mcp-Session-Id in the answer")
	}
	version = res.Result.ProtocolVersion
	note := Raw(addr, path, workload.Initialized,
		Header{"Mcp-Session-Id", sid}, Header{"MCP-Protocol-Version", version})
	resp, err = conn.Do(note)
	if err != nil {
		return "", "", fmt.Errorf("notifications/initialized: %w", err)
	}
	if resp.Status != 202 && resp.Status != 200 && resp.Status != 204 {
		return "", "", fmt.Errorf("notifications/initialized: HTTP %d: %s", resp.Status, snippet(resp.Body))
	}
	if !conn.Reusable() {
		return "", "", errors.New("server closed the connection after the handshake")
	}
	return sid, version, nil
}

func (c *httpClient) loop(l *Load, i int, mu *sync.Mutex) {
	var id int64
	strict := true // the first answer of each client is checked in full
	for !l.stopped() {
		ph := l.phase.Load()
		id++
		t0 := time.Now()
		resp, err := c.conn.Do(c.req.Build(id))
		lost, forgotten := err != nil, false
		if err == nil {
			forgotten = resp.Status == 404 // the server no longer knows the session
			err = CheckHTTP(c.cfg.Tool, id, resp, strict)
			strict = false
		}
		l.done(i, ph, time.Since(t0), err)
		if !lost && !forgotten && c.conn.Reusable() {
			continue
		}
		if l.stopped() {
			return
		}
		// Start over on a fresh connection; a session the server no longer knows is opened anew.
		c.conn.Close()
		if forgotten {
			c.sid = ""
		}
		mu.Lock()
		rerr := c.connect()
		mu.Unlock()
		if rerr != nil {
			l.done(i, l.phase.Load(), 0, fmt.Errorf("reconnect: %w", rerr))
			time.Sleep(10 * time.Millisecond) // the closed connection fails the next call at once: retry
		}
	}
}
