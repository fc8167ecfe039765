package interop

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Raw HTTP for the checks that need control the client package does not give (dropping a stream on
// purpose, resuming it with a chosen Last-Event-ID, posting to one node).

const (
	rawInit   = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"e2e","version":"1"}}}`
	rawInited = `{"jsonrpc":"2.0","method":"notifications/initialized"}`
	rawAdd    = `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"add","arguments":{"a":2,"b":3}}}`
)

// rawReq builds a request to url carrying session sid ("" for none) and headers (name, value, …).
func rawReq(ctx context.Context, method, url, sid, body string, headers ...string) *http.Request {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		panic(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json, text/event-stream")
	if sid != "" {
		req.Header.Set("Mcp-Session-Id", sid)
		req.Header.Set("MCP-Protocol-Version", "2025-11-25")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return req
}

// rawDo sends a request and reads the whole answer (JSON or a finished SSE stream), bounded by 15 s.
func rawDo(t *testing.T, hc *http.Client, method, url, sid, body string, headers ...string) (status int, servedBy, text string, h http.Header) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	resp, err := hc.Do(rawReq(ctx, method, url, sid, body, headers...))
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the answer: %v", method, url, err)
	}
	return resp.StatusCode, resp.Header.Get("X-Served-By"), string(b), resp.Header
}

// rawSession initializes a legacy session through the balancer and returns its id.
func rawSession(t *testing.T, c *cluster, hc *http.Client) string {
	t.Helper()
	status, _, body, h := rawDo(t, hc, http.MethodPost, c.url("/mcp"), "", rawInit)
	sid := h.Get("Mcp-Session-Id")
	if status != http.StatusOK || sid == "" {
		t.Fatalf("initialize: %d, session %q: %s", status, sid, body)
	}
	if status, _, body, _ := rawDo(t, hc, http.MethodPost, c.url("/mcp"), sid, rawInited); status != http.StatusAccepted {
		t.Fatalf("notifications/initialized: %d %s", status, body)
	}
	return sid
}

// sseEvent is one server-sent event.
type sseEvent struct {
	id   string
	data string
}

// message decodes the event's JSON-RPC message (zero for a priming event without data).
func (e sseEvent) message() (m struct {
	ID     jsontext.Value `json:"id"`
	Method string         `json:"method"`
	Params struct {
		Progress float64 `json:"progress"`
		URI      string  `json:"uri"`
	} `json:"params"`
	Result jsontext.Value `json:"result"`
	Error  jsontext.Value `json:"error"`
}) {
	if e.data != "" {
		_ = json.Unmarshal([]byte(e.data), &m)
	}
	return m
}

// sseStream reads events from an open response on a goroutine, so a test can wait for them with a bound.
type sseStream struct {
	resp     *http.Response
	events   chan sseEvent
	done     chan struct{} // closed when the body ended (EOF or error)
	err      error
	servedBy string
}

func openSSE(resp *http.Response) *sseStream {
	s := &sseStream{resp: resp, events: make(chan sseEvent, 256), done: make(chan struct{}), servedBy: resp.Header.Get("X-Served-By")}
	go func() {
		defer close(s.done)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		var ev sseEvent
		var data []string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.id != "" || len(data) > 0 {
					ev.data = strings.Join(data, "\n")
					s.events <- ev
				}
				ev, data = sseEvent{}, nil
			case strings.HasPrefix(line, "id:"):
				ev.id = strings.TrimSpace(line[3:])
			case strings.HasPrefix(line, "data:"):
				data = append(data, strings.TrimPrefix(line[5:], " "))
			}
		}
		s.err = sc.Err()
	}()
	return s
}

// next returns the next event carrying data (priming events are skipped), or false when the stream
// ended or d passed.
func (s *sseStream) next(d time.Duration) (sseEvent, bool) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case ev := <-s.events:
			if ev.data == "" {
				continue
			}
			return ev, true
		case <-s.done:
			select {
			case ev := <-s.events:
				if ev.data == "" {
					continue
				}
				return ev, true
			default:
				return sseEvent{}, false
			}
		case <-timer.C:
			return sseEvent{}, false
		}
	}
}

// ended waits up to d for the stream to end.
func (s *sseStream) ended(d time.Duration) bool {
	select {
	case <-s.done:
		return true
	case <-time.After(d):
		return false
	}
}

func (s *sseStream) close() { s.resp.Body.Close(); <-s.done }

// rawStream sends a request whose answer is expected to be an SSE stream and returns it open.
func rawStream(t *testing.T, hc *http.Client, ctx context.Context, method, url, sid, body string, headers ...string) *sseStream {
	t.Helper()
	resp, err := hc.Do(rawReq(ctx, method, url, sid, body, headers...))
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		t.Fatalf("%s %s: %d %s, want an event stream: %s", method, url, resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	s := openSSE(resp)
	t.Cleanup(func() { s.resp.Body.Close() })
	return s
}
