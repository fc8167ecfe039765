package badinput

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/transport/sse"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// httpServer is the server behind both HTTP transports, as server.ListenAndServe mounts them, on
// 127.0.0.1, wrapped in a handler that counts panics.
type httpServer struct {
	ts     *httptest.Server
	h      *streamable.Handler
	legacy *sse.Handler
}

func newHTTPServer(srv *server.Server) *httpServer {
	h := srv.Handler(&streamable.Options{Logger: testLogger})
	legacy := sse.NewHandler(srv, &sse.Options{MessagesPath: "/messages", Logger: testLogger})
	mux := http.NewServeMux()
	mux.Handle("/mcp", h)
	mux.Handle("/sse", legacy.SSE())
	mux.Handle("/messages", legacy.Messages())
	ts := httptest.NewUnstartedServer(recoverHTTP(mux))
	ts.Config.ErrorLog = nil
	ts.Start()
	return &httpServer{ts: ts, h: h, legacy: legacy}
}

func (s *httpServer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.h.Close(ctx)
	_ = s.legacy.Close(ctx)
	s.ts.CloseClientConnections()
	s.ts.Close()
}

// client returns an HTTP client whose every request is bounded by requestTimeout.
func (s *httpServer) client() *http.Client {
	return &http.Client{Transport: s.ts.Client().Transport, Timeout: requestTimeout}
}

// streamableTarget posts cases to /mcp in one era (legacy: inside an initialized session).
type streamableTarget struct {
	srv     *httpServer
	era     era
	c       *http.Client
	session string
}

func newStreamableTarget(s *httpServer, e era) (*streamableTarget, error) {
	t := &streamableTarget{srv: s, era: e, c: s.client()}
	if e == legacy {
		sid, err := t.openSession(legacyVersion)
		if err != nil {
			return nil, err
		}
		t.session = sid
	}
	return t, nil
}

// openSession runs the legacy handshake at version and returns the session id.
func (t *streamableTarget) openSession(version string) (string, error) {
	o, resp := t.post(&kase{fresh: true, body: req(legacy, "1", "initialize", `{"protocolVersion":"`+version+`","capabilities":{},"clientInfo":{"name":"badinput","version":"1"}}`)})
	if o.err != nil || resp == nil || resp.Header.Get("Mcp-Session-Id") == "" {
		return "", fmt.Errorf("initialize: %v, status %d", o.err, o.status)
	}
	sid := resp.Header.Get("Mcp-Session-Id")
	o, _ = t.post(&kase{body: []byte(`{"jsonrpc":"2.0","method":"notifications/initialized"}`),
		http: httpSpec{session: sid, set: map[string][]string{"Mcp-Protocol-Version": {version}}}})
	if o.status != http.StatusAccepted {
		return "", fmt.Errorf("notifications/initialized: %d %v", o.status, o.err)
	}
	return sid, nil
}

func (t *streamableTarget) name() string { return "http-" + t.era.String() }

func (t *streamableTarget) accepts(k *kase) bool { return true }

func (t *streamableTarget) close() {}

func (t *streamableTarget) normalCall(n int) error {
	o, _ := t.post(&kase{body: addCall(t.era, fmt.Sprintf(`"normal-%d"`, n))})
	return checkAdd(o)
}

func (t *streamableTarget) send(k *kase) outcome {
	if k.version != "" && t.era == legacy {
		sid, err := t.openSession(k.version)
		if err != nil {
			return outcome{err: err}
		}
		defer t.deleteSession(sid)
		k2 := *k
		k2.http.session = sid
		k2.http.set = map[string][]string{"Mcp-Protocol-Version": {k.version}}
		o, _ := t.post(&k2)
		return o
	}
	if k.hold == "" {
		o, resp := t.post(k)
		if k.fresh && resp != nil && resp.Header.Get("Mcp-Session-Id") != "" {
			t.deleteSession(resp.Header.Get("Mcp-Session-Id"))
		}
		return o
	}
	holds.reset(k.hold)
	hold := &kase{body: []byte(`{"jsonrpc":"2.0","id":` + k.id + `,"method":"tools/call","params":` + withMetaIf(k, `{"name":"hold","arguments":{"key":"`+k.hold+`"}}`) + `}`)}
	var first outcome
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		first, _ = t.post(hold)
	}()
	defer holds.release(k.hold)
	select {
	case <-holds.running(k.hold):
	case <-time.After(requestTimeout):
		holds.release(k.hold)
		wg.Wait()
		return outcome{err: fmt.Errorf("the hold call never started (%v): %w", first.err, errHang)}
	}
	second, _ := t.post(k)
	holds.release(k.hold)
	wg.Wait()
	second.replies = append(first.replies, second.replies...)
	if first.err != nil && second.err == nil {
		second.err = first.err
	}
	if first.status >= 500 {
		second.status = first.status
	}
	return second
}

func (t *streamableTarget) deleteSession(id string) {
	r, _ := http.NewRequest(http.MethodDelete, t.srv.ts.URL+"/mcp", nil)
	r.Header.Set("Mcp-Session-Id", id)
	if resp, err := t.c.Do(r); err == nil {
		resp.Body.Close()
	}
}

// post sends k to /mcp and reads the answer (JSON or an SSE stream up to its response).
func (t *streamableTarget) post(k *kase) (outcome, *http.Response) {
	method := k.http.method
	if method == "" {
		method = http.MethodPost
	}
	path := k.http.path
	if path == "" {
		path = "/mcp"
	}
	r, err := http.NewRequest(method, t.srv.ts.URL+path, bytes.NewReader(k.body))
	if err != nil {
		return outcome{err: err}, nil
	}
	if !k.http.noDefaults {
		if method == http.MethodPost {
			r.Header.Set("Content-Type", "application/json")
		}
		r.Header.Set("Accept", "application/json, text/event-stream")
		if t.era == legacy && t.session != "" && !k.fresh {
			r.Header.Set("Mcp-Session-Id", t.session)
			r.Header.Set("Mcp-Protocol-Version", legacyVersion)
		}
		if t.era == modern {
			setModernHeaders(r.Header, k.body)
		}
	}
	switch k.http.session {
	case "":
	case "-":
		r.Header.Del("Mcp-Session-Id")
	default:
		r.Header.Set("Mcp-Session-Id", k.http.session)
	}
	applyHeaders(r, k.http.set)
	if k.http.raw != "" {
		return doRaw(r, k.body, k.http.raw)
	}
	return do(t.c, r)
}

func applyHeaders(r *http.Request, set map[string][]string) {
	for name, vals := range set {
		if name == "Host" {
			r.Host = vals[0]
			continue
		}
		if vals == nil {
			r.Header.Del(name)
			continue
		}
		r.Header[http.CanonicalHeaderKey(name)] = vals
	}
}

// do sends r and reads its answer; a timeout is a hang.
func do(c *http.Client, r *http.Request) (outcome, *http.Response) {
	resp, err := c.Do(r)
	if err != nil {
		if isTimeout(err) {
			return outcome{err: errHang}, nil
		}
		return outcome{err: err}, nil
	}
	return readResponse(resp), resp
}

// readResponse reads an HTTP answer: its status and the JSON-RPC responses in its body.
func readResponse(resp *http.Response) outcome {
	defer resp.Body.Close()
	o := outcome{status: resp.StatusCode}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		readSSE(resp.Body, &o)
	} else {
		b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
		if err != nil && isTimeout(err) {
			o.err = errHang
		}
		if t := bytes.TrimSpace(b); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
			o.addReplies(t)
		}
	}
	return o
}

// doRaw sends r by hand over a new TCP connection, with extra header lines as they are (the Go client
// would refuse or rewrite them), and reads the answer.
func doRaw(r *http.Request, body []byte, extra string) (outcome, *http.Response) {
	conn, err := net.DialTimeout("tcp", r.URL.Host, requestTimeout)
	if err != nil {
		return outcome{err: err}, nil
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(requestTimeout))
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", r.Method, r.URL.RequestURI(), r.URL.Host)
	_ = r.Header.Write(&b)
	b.WriteString(extra)
	if !strings.Contains(extra, "Content-Length") && !strings.Contains(extra, "Transfer-Encoding") {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.Write(body)
	if _, err := conn.Write(b.Bytes()); err != nil {
		return outcome{err: err}, nil
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), r)
	if err != nil {
		if isTimeout(err) {
			return outcome{err: errHang}, nil
		}
		return outcome{err: err}, nil
	}
	return readResponse(resp), resp
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// setModernHeaders writes the headers a 2026-07-28 client mirrors from the body, read as loosely as
// possible (a garbage body gets what can be found in it).
func setModernHeaders(h http.Header, body []byte) {
	var m struct {
		Method any            `json:"method"`
		Params map[string]any `json:"params"`
	}
	_ = json.Unmarshal(body, &m)
	version := modernVersion
	if meta, ok := m.Params["_meta"].(map[string]any); ok {
		if v, ok := meta[mcp.MetaProtocolVersion].(string); ok {
			version = v
		}
	}
	h.Set("Mcp-Protocol-Version", version)
	method, _ := m.Method.(string)
	if method != "" {
		h.Set("Mcp-Method", mcp.EncodeHeaderValue(method))
	}
	var name any
	switch method {
	case "tools/call", "prompts/get":
		name = m.Params["name"]
	case "resources/read":
		name = m.Params["uri"]
	case "tasks/get", "tasks/update", "tasks/cancel":
		name = m.Params["taskId"]
	}
	if s, ok := name.(string); ok {
		h.Set("Mcp-Name", mcp.EncodeHeaderValue(s))
	}
	if method == "tools/call" && name == "add" {
		if args, ok := m.Params["arguments"].(map[string]any); ok {
			if tag, ok := args["tag"].(string); ok {
				h.Set("Mcp-Param-Tag", mcp.EncodeHeaderValue(tag))
			}
		}
	}
}

// sseTarget is an HTTP+SSE (2024-11-05) session: a GET /sse stream and POSTs to /messages.
type sseTarget struct {
	srv      *httpServer
	c        *http.Client
	messages string // the endpoint the stream announced
	stream   streamIO
	stop     func()
	readErr  error // why the stream ended, once it has
}

func newSSETarget(s *httpServer) (*sseTarget, error) {
	t, err := openSSE(s)
	if err != nil {
		return nil, err
	}
	if err := initializeStream(&t.stream, legacyVersion); err != nil {
		t.stop()
		return nil, err
	}
	return t, nil
}

// openSSE opens a GET /sse stream and reads its endpoint event; the session is not initialized.
func openSSE(s *httpServer) (*sseTarget, error) {
	t := &sseTarget{srv: s, c: s.client()}
	ctx, cancel := context.WithCancel(context.Background())
	r, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.ts.URL+"/sse", nil)
	r.Header.Set("Accept", "text/event-stream")
	resp, err := (&http.Client{Transport: s.ts.Client().Transport}).Do(r) // no timeout: the stream lives as long as the target
	if err != nil {
		cancel()
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		cancel()
		return nil, fmt.Errorf("GET /sse: %d", resp.StatusCode)
	}
	br := bufio.NewReaderSize(resp.Body, 1<<20)
	endpoint := make(chan string, 1)
	in := make(chan []byte, 64)
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		var event string
		var data bytes.Buffer
		for {
			line, err := br.ReadString('\n')
			line = strings.TrimRight(line, "\r\n")
			switch {
			case strings.HasPrefix(line, "event:"):
				event = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
			case strings.HasPrefix(line, "data:"):
				data.WriteString(strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " "))
			case line == "" && data.Len() > 0:
				msg := append([]byte(nil), data.Bytes()...)
				data.Reset()
				if event == "endpoint" {
					endpoint <- string(msg)
				} else {
					select {
					case in <- msg:
					case <-ctx.Done():
						return
					}
				}
				event = ""
			}
			if err != nil {
				t.readErr = err
				return
			}
		}
	}()
	t.stop = func() {
		cancel()
		resp.Body.Close()
		<-ended
	}
	select {
	case ep := <-endpoint:
		if strings.HasPrefix(ep, "/") {
			ep = s.ts.URL + ep
		}
		t.messages = ep
	case <-time.After(requestTimeout):
		t.stop()
		return nil, errors.New("no endpoint event on /sse")
	}
	t.stream = streamIO{in: in, ended: ended, write: func(body []byte) (int, error) {
		o, _ := t.postMessage(&kase{body: body})
		return o.status, o.err
	}}
	return t, nil
}

func (t *sseTarget) name() string { return "http+sse" }

// accepts takes every stdio case and the HTTP cases about methods, content types, headers and sessions
// (not the Streamable HTTP ones: Mcp-* headers, GET/DELETE semantics of /mcp).
func (t *sseTarget) accepts(k *kase) bool {
	if !k.httpOnly {
		return true
	}
	switch k.class {
	case "mcp-headers":
		return false
	case "http-methods":
		return k.http.method != http.MethodGet && k.http.method != http.MethodDelete
	case "headers":
		// MCP-Protocol-Version and Mcp-Session-Id mean nothing to /messages.
		return !strings.Contains(k.name, "protocol-version") && !strings.Contains(k.name, "session-id")
	case "sessions":
		return !strings.Contains(k.name, "initialize") && !strings.Contains(k.name, "notification")
	}
	return true
}

func (t *sseTarget) close() { t.stop() }

func (t *sseTarget) normalCall(n int) error {
	return checkAdd(t.stream.exchange(&kase{body: addCall(legacy, fmt.Sprintf(`"normal-%d"`, n)), want: wantAnswer}))
}

func (t *sseTarget) send(k *kase) outcome {
	o := t.send1(k)
	if o.err != nil && t.readErr != nil {
		o.err = fmt.Errorf("%w (the stream ended: %v)", o.err, t.readErr)
	}
	return o
}

func (t *sseTarget) send1(k *kase) outcome {
	if !k.httpOnly {
		if k.fresh || k.version != "" {
			// A fresh session for initialize cases, or one at another version.
			f, err := openSSE(t.srv)
			if err != nil {
				return outcome{err: err}
			}
			defer f.stop()
			if k.version != "" {
				if err := initializeStream(&f.stream, k.version); err != nil {
					return outcome{err: err}
				}
			}
			return f.stream.exchange(k)
		}
		return t.stream.exchange(k)
	}
	// HTTP cases: the POST itself must be refused with a 4xx, or accepted and answered on the stream.
	s := t.stream
	s.write = func(body []byte) (int, error) {
		if bytes.Equal(body, k.body) {
			o, _ := t.postMessage(k)
			return o.status, o.err
		}
		o, _ := t.postMessage(&kase{body: body})
		return o.status, o.err
	}
	o := s.exchange(k)
	t.stream.seq = s.seq
	return o
}

func (t *sseTarget) postMessage(k *kase) (outcome, *http.Response) {
	method := k.http.method
	if method == "" {
		method = http.MethodPost
	}
	url := t.messages
	if k.http.path != "" {
		url = t.srv.ts.URL + k.http.path
	}
	switch k.http.session {
	case "":
		if k.class == "sessions" && k.name == "empty" {
			url = t.srv.ts.URL + "/messages?session_id="
		}
	case "-":
		url = t.srv.ts.URL + "/messages"
	default:
		url = t.srv.ts.URL + "/messages?session_id=" + k.http.session
	}
	r, err := http.NewRequest(method, url, bytes.NewReader(k.body))
	if err != nil {
		return outcome{err: err}, nil
	}
	if !k.http.noDefaults {
		r.Header.Set("Content-Type", "application/json")
	}
	applyHeaders(r, k.http.set)
	if k.http.raw != "" {
		return doRaw(r, k.body, k.http.raw)
	}
	return do(t.c, r)
}
