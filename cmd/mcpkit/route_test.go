package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/internal/redistest"
)

// TestServeRedisRoutesAnswers: with --redis, the Streamable HTTP handler is on the Redis bus. The demo's
// book_trip asks the user (elicitation) on its POST stream to process A; the client's answer is POSTed to
// process B, which routes it to A, whose stream then carries the booking.
func TestServeRedisRoutesAnswers(t *testing.T) {
	rs := redistest.Start(t)
	a := serveHTTP(t, "--redis", rs.URL(0))
	b := serveHTTP(t, "--redis", rs.URL(0))

	status, sid, body := post(t, a, "", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"elicitation":{}},"clientInfo":{"name":"t","version":"1"}}}`)
	if status != http.StatusOK || sid == "" {
		t.Fatalf("initialize on A: %d, session %q, %s", status, sid, body)
	}
	if status, _, body := post(t, a, sid, `{"jsonrpc":"2.0","method":"notifications/initialized"}`); status != http.StatusAccepted {
		t.Fatalf("initialized on A: %d %s", status, body)
	}
	req, err := http.NewRequest(http.MethodPost, a, strings.NewReader(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"book_trip","arguments":{"date":"2024-12-25"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = http.Header{"Content-Type": {"application/json"}, "Accept": {"application/json, text/event-stream"},
		"Mcp-Session-Id": {sid}, "Mcp-Protocol-Version": {"2025-11-25"}}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data := make(chan string, 8)
	go func() {
		defer close(data)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok && d != "" {
				data <- d
			}
		}
	}()
	next := func(what string) string {
		select {
		case d := <-data:
			return d
		case <-time.After(10 * time.Second):
			t.Fatalf("no %s on A's stream within 10s", what)
			return ""
		}
	}
	var ask struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
	}
	if d := next("elicitation"); json.Unmarshal([]byte(d), &ask) != nil || ask.Method != "elicitation/create" {
		t.Fatalf("first event on A's stream: %s", d)
	}
	answer := `{"jsonrpc":"2.0","id":` + string(ask.ID) + `,"result":{"action":"accept","content":{"checkAlternative":true}}}`
	if status, _, body := post(t, b, sid, answer); status != http.StatusAccepted {
		t.Fatalf("the answer on B: %d %s", status, body)
	}
	if d := next("tools/call response"); !strings.Contains(d, "Booked for 2024-12-26") {
		t.Fatalf("book_trip answered %s", d)
	}
}
