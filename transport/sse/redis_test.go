package sse_test

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mcpkit/mcpkit/internal/redistest"
	"github.com/mcpkit/mcpkit/store/redis"
)

// openRedisBus opens a Redis store of its own for one node (its own pub/sub connection, as a process has),
// closed after the node (cleanups run last first).
func openRedisBus(t *testing.T, srv *redistest.Server) *redis.Store {
	t.Helper()
	st, err := redis.Open(srv.URL(0), redis.Options{Prefix: "ssetest:"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// TestNodesOnRedis: two nodes, each with its own connection to one real Redis: a request and the answer to
// a server-to-client request POSTed to the node without the stream reach the holder through Redis pub/sub;
// a session no node holds is 404 (PUBLISH reached no node); with Redis stopped, forwarding answers 503 and a
// new stream 503, never 404; when Redis is back, forwarding answers 503 until the holder has subscribed
// again, then works, without a restart.
func TestNodesOnRedis(t *testing.T) {
	srv := redistest.Start(t)
	a, b := newNode(t, openRedisBus(t, srv).Bus, nil), newNode(t, openRedisBus(t, srv).Bus, nil)
	endpoint, next := openOn(t, a, b, `{"elicitation":{}}`)
	openOn(t, b, a, `{}`) // b holds a stream too, as every node of a deployment does

	mustAccept(t, b, endpoint, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"add","arguments":{"A":40,"B":2}}}`)
	if got := next(); !strings.Contains(got, `"id":2`) || !strings.Contains(got, `"text":"42"`) {
		t.Fatalf("add answered %s", got)
	}
	mustAccept(t, b, endpoint, `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"greet","arguments":{}}}`)
	id := serverRequest(t, next, "elicitation/create")
	mustAccept(t, b, endpoint, `{"jsonrpc":"2.0","id":`+id+`,"result":{"action":"accept","content":{"name":"Ada"}}}`)
	if got := next(); !strings.Contains(got, `"id":3`) || !strings.Contains(got, "hello Ada") {
		t.Fatalf("greet answered %s", got)
	}
	if c, _, body := postStatus(t, b, "/messages?session_id=nope", `{"jsonrpc":"2.0","id":4,"method":"ping"}`); c != http.StatusNotFound {
		t.Errorf("unknown session: %d %s, want 404", c, body)
	}

	// Round trips: a forwarded message costs one PUBLISH (its reply is the 404 check), a POST on the holder
	// none; these counts are Redis's own (INFO commandstats), everything the two nodes sent.
	rc := goredis.NewClient(&goredis.Options{Addr: srv.Addr})
	defer rc.Close()
	before := commandCalls(t, rc)
	mustAccept(t, b, endpoint, `{"jsonrpc":"2.0","id":40,"method":"ping"}`)
	if got := next(); !strings.Contains(got, `"id":40`) {
		t.Fatalf("ping answered %s", got)
	}
	mustAccept(t, a, endpoint, `{"jsonrpc":"2.0","id":41,"method":"ping"}`)
	if got := next(); !strings.Contains(got, `"id":41`) {
		t.Fatalf("ping answered %s", got)
	}
	if d := diffCalls(before, commandCalls(t, rc)); len(d) != 1 || d["publish"] != 1 {
		t.Errorf("Redis commands for one forwarded and one local POST: %v, want exactly one publish", d)
	}

	srv.Stop()
	c, retry, body := postStatus(t, b, endpoint, `{"jsonrpc":"2.0","id":5,"method":"ping"}`)
	if c != http.StatusServiceUnavailable || retry == "" {
		t.Errorf("forwarding with Redis stopped: %d Retry-After %q %s, want 503 with Retry-After", c, retry, body)
	}
	resp, err := a.ts.Client().Get(a.ts.URL + "/sse")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("new stream with Redis stopped: %d Retry-After %q %s, want 503", resp.StatusCode, resp.Header.Get("Retry-After"), raw)
	}
	// The holder serves its own POSTs meanwhile.
	mustAccept(t, a, endpoint, `{"jsonrpc":"2.0","id":6,"method":"ping"}`)
	if got := next(); !strings.Contains(got, `"id":6`) {
		t.Fatalf("local ping answered %s", got)
	}

	srv.Restart(t)
	// The holder's pub/sub connection comes back and subscribes again by itself; until it has, a forwarded
	// POST is 503: Redis unreachable, or back but the holder not subscribed yet, which b's own bus knows
	// from its connection having just come back (store.ErrUnsettled), so never 404. Bounded wait for a 202.
	start := time.Now()
	statuses := map[int]int{}
	for seq := 100; ; seq++ {
		c, _, body := postStatus(t, b, endpoint, `{"jsonrpc":"2.0","id":`+itoa(seq)+`,"method":"ping"}`)
		statuses[c]++
		if c == http.StatusAccepted {
			if got := next(); !strings.Contains(got, `"id":`+itoa(seq)) {
				t.Fatalf("ping after Redis came back answered %s", got)
			}
			break
		}
		if c != http.StatusServiceUnavailable {
			t.Fatalf("forwarding while Redis comes back: %d %s, want 503 until it works (statuses so far %v)", c, body, statuses)
		}
		if time.Since(start) > 15*time.Second {
			t.Fatalf("forwarding did not recover within 15s after Redis restarted: %v", statuses)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("Redis restarted: first forwarded POST accepted after %v; statuses meanwhile %v", time.Since(start).Round(time.Millisecond), statuses)
}

func itoa(i int) string { return strconv.Itoa(i) }

// commandCalls returns Redis's count of calls per command (INFO commandstats), without INFO itself.
func commandCalls(t *testing.T, c *goredis.Client) map[string]int {
	t.Helper()
	info, err := c.Info(context.Background(), "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	calls := map[string]int{}
	for _, line := range strings.Split(info, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":calls=")
		if !ok || name == "cmdstat_info" {
			continue
		}
		n, _ := strconv.Atoi(rest[:strings.IndexByte(rest, ',')])
		calls[strings.TrimPrefix(name, "cmdstat_")] = n
	}
	return calls
}

// diffCalls returns the commands whose count grew, and by how much.
func diffCalls(before, after map[string]int) map[string]int {
	d := map[string]int{}
	for k, v := range after {
		if v > before[k] {
			d[k] = v - before[k]
		}
	}
	return d
}
