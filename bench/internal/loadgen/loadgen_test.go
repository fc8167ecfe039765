package loadgen

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mcpkit/mcpkit/bench/internal/workload"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestHistogramQuantiles(t *testing.T) {
	var h Histogram
	for i := 1; i <= 10000; i++ {
		h.Record(time.Duration(i) * time.Microsecond)
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 5000 * time.Microsecond}, {0.9, 9000 * time.Microsecond}, {0.99, 9900 * time.Microsecond}, {1, 10000 * time.Microsecond}} {
		got := h.Quantile(c.q)
		if diff := float64(got-c.want) / float64(c.want); diff > 0.01 || diff < -0.01 {
			t.Errorf("q%.2f = %v, want %v ±1%%", c.q, got, c.want)
		}
	}
	var merged, empty Histogram
	merged.Merge(&h)
	merged.Merge(&empty)
	if merged.Count() != h.Count() || merged.Quantile(0.5) != h.Quantile(0.5) {
		t.Errorf("merge: count %d q50 %v, want %d %v", merged.Count(), merged.Quantile(0.5), h.Count(), h.Quantile(0.5))
	}
	if empty.Quantile(0.5) != 0 {
		t.Error("empty histogram has a quantile")
	}
}

func TestHistogramJSON(t *testing.T) {
	var h Histogram
	for _, d := range []time.Duration{3, 700, 5 * time.Millisecond, 5 * time.Millisecond, time.Second} {
		h.Record(d)
	}
	b, err := h.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var back Histogram
	if err := back.UnmarshalJSON(b); err != nil {
		t.Fatal(err)
	}
	for _, q := range []float64{0, 0.2, 0.5, 0.8, 1} {
		if back.Quantile(q) != h.Quantile(q) {
			t.Errorf("q%.1f: %v after the round trip, %v before", q, back.Quantile(q), h.Quantile(q))
		}
	}
	if back.Count() != 5 {
		t.Errorf("count %d", back.Count())
	}
	if err := back.UnmarshalJSON([]byte(`{"max":1,"buckets":[[99999999,1]]}`)); err == nil {
		t.Error("accepted a bucket out of range")
	}
}

func TestHistogramSmallValuesExact(t *testing.T) {
	for v := range 300 {
		if got := histValue(histIndex(uint64(v))); v < 2*histSub && got != uint64(v) {
			t.Fatalf("value %d comes back as %d", v, got)
		}
	}
	// Bucket indexes grow with the value and stay in range.
	last := -1
	for v := uint64(1); v < 1<<62; v = v*3/2 + 1 {
		i := histIndex(v)
		if i < last || i >= histBuckets {
			t.Fatalf("index %d for %d (previous %d, buckets %d)", i, v, last, histBuckets)
		}
		last = i
	}
}

func TestBodyLen(t *testing.T) {
	b := workload.Call(workload.ToolAdd, true)
	for _, id := range []int64{0, 7, 10, 99, 12345678, -3} {
		if got, want := b.Len(id), len(b.Append(nil, id)); got != want {
			t.Errorf("Len(%d) = %d, want %d", id, got, want)
		}
	}
	req := string(NewRequest("127.0.0.1:1", "/mcp", b, Header{"X-A", "b"}).Build(42))
	head, body, ok := strings.Cut(req, "\r\n\r\n")
	if !ok || !strings.Contains(head, "\r\nX-A: b\r\n") || !strings.Contains(head, fmt.Sprintf("Content-Length: %d", len(body))) {
		t.Errorf("request %q", req)
	}
	if !strings.Contains(body, `"id":42,"method":"tools/call"`) {
		t.Errorf("body %q", body)
	}
}

var goodAdd = `{"jsonrpc":"2.0","id":5,"result":{"content":[{"type":"text","text":"{\"sum\":3}"}],"structuredContent":{"sum":3}}}`

func TestCheck(t *testing.T) {
	goodText := `{"jsonrpc":"2.0","id":5,"result":{"content":[{"type":"text","text":"` + workload.Text + `"}]}}`
	for _, c := range []struct {
		name, tool, msg string
		ok              bool
	}{
		{"add", "add", goodAdd, true},
		{"add text only", "add", `{"jsonrpc":"2.0","id":5,"result":{"content":[{"type":"text","text":"{\"sum\":3}"}]}}`, true},
		{"text", "text4k", goodText, true},
		{"wrong id", "add", strings.Replace(goodAdd, `"id":5`, `"id":55`, 1), false},
		{"wrong sum", "add", strings.ReplaceAll(goodAdd, `sum\":3`, `sum\":4`), false},
		{"wrong structured sum", "add", strings.Replace(goodAdd, `{"sum":3}`, `{"sum":4}`, 1), false},
		{"error", "add", `{"jsonrpc":"2.0","id":5,"error":{"code":-32602,"message":"x"}}`, false},
		{"tool error", "add", goodAdd[:len(goodAdd)-2] + `,"isError":true}}`, false},
		{"short text", "text4k", strings.Replace(goodText, workload.Text, workload.Text[1:], 1), false},
		{"no result", "add", `{"jsonrpc":"2.0","id":5}`, false},
	} {
		for _, strict := range []bool{false, true} {
			err := Check(c.tool, 5, []byte(c.msg), strict)
			if (err == nil) != c.ok {
				t.Errorf("%s (strict %v): err %v, want ok=%v", c.name, strict, err, c.ok)
			}
		}
	}
}

func TestIDOf(t *testing.T) {
	for msg, want := range map[string]int64{
		`{"jsonrpc":"2.0","id":17,"result":{}}`: 17,
		`{"jsonrpc":"2.0","id": 3}`:             3,
		`{"jsonrpc":"2.0","method":"x"}`:        -1,
		`{"id":"abc"}`:                          -1,
	} {
		if got := IDOf([]byte(msg)); got != want {
			t.Errorf("IDOf(%s) = %d, want %d", msg, got, want)
		}
	}
}

// TestConnFraming reads Content-Length, chunked and SSE answers on one keep-alive connection, and a
// connection-delimited one at the end.
func TestConnFraming(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/length":
			w.Header().Set("Mcp-Session-Id", "s1")
			w.Header().Set("Content-Type", "application/json")
			w.Write(body)
		case "/chunked":
			w.Header().Set("Content-Type", "application/json")
			w.Write(body[:3])
			w.(http.Flusher).Flush()
			w.Write(body[3:])
		case "/sse":
			w.Header().Set("Content-Type", "text/event-stream")
			fmt.Fprintf(w, "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\"}\n\n")
			w.(http.Flusher).Flush()
			fmt.Fprintf(w, "data: %s\n\n", body)
		case "/accepted":
			w.WriteHeader(http.StatusAccepted)
		}
	}))
	defer ts.Close()
	addr := strings.TrimPrefix(ts.URL, "http://")
	c, err := Dial(addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, path := range []string{"/length", "/chunked", "/sse", "/accepted"} {
		req := NewRequest(addr, path, workload.Call(workload.ToolAdd, false)).Build(5)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if path == "/accepted" {
			if resp.Status != 202 || len(resp.Body) != 0 {
				t.Errorf("%s: status %d body %q", path, resp.Status, resp.Body)
			}
			continue
		}
		got := string(Payload(resp))
		if want := string(workload.Call(workload.ToolAdd, false).Append(nil, 5)); got != want {
			t.Errorf("%s: payload %q, want %q", path, got, want)
		}
		if path == "/length" && string(resp.SessionID) != "s1" {
			t.Errorf("session id %q", resp.SessionID)
		}
		if !c.Reusable() {
			t.Errorf("%s: connection not reusable", path)
		}
	}
}

func TestConnUntilClose(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		br := bufio.NewReader(nc)
		http.ReadRequest(br)
		io.WriteString(nc, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{\"a\":1}")
	}()
	c, err := Dial(ln.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	resp, err := c.Do(Raw(ln.Addr().String(), "/", []byte(`{}`)))
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Body) != `{"a":1}` || c.Reusable() {
		t.Errorf("body %q reusable %v", resp.Body, c.Reusable())
	}
	if _, err := c.Do(Raw(ln.Addr().String(), "/", []byte(`{}`))); err == nil {
		t.Error("a request on a closed connection succeeded")
	}
}

func TestMalformedStatus(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		http.ReadRequest(bufio.NewReader(nc))
		io.WriteString(nc, "SMTP ready\r\n\r\n")
	}()
	c, err := Dial(ln.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Do(Raw(ln.Addr().String(), "/", []byte(`{}`))); err == nil || !strings.Contains(err.Error(), "malformed") {
		t.Errorf("err %v, want malformed", err)
	}
}
