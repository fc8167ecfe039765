package redis_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mcpkit/mcpkit/internal/redistest"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/store/redis"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// followNode is one node on Redis with its own Store (as a separate process has): a roots hook that logs
// "changed <k>" to the session, and a tool that sends a progress notification at each step.
func followNode(t *testing.T, srv *redistest.Server, hooked chan<- int, step <-chan struct{}) string {
	st, err := redis.Open(srv.URL(0), redis.Options{Prefix: "follow:"})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	s := server.New("follow", "1.0.0", &server.Options{Bus: st.Bus, OnRootsChanged: func(ctx context.Context, _ string) {
		n++
		server.Log(ctx).Info(fmt.Sprint("changed ", n))
		hooked <- n
	}})
	server.Tool(s, "count", "", func(ctx context.Context, in struct{ N int }) (string, error) {
		for i := 1; i <= in.N; i++ {
			select {
			case <-step:
			case <-ctx.Done():
				return "", ctx.Err()
			}
			_ = server.Progress(ctx, float64(i), float64(in.N), "")
		}
		return "counted", nil
	})
	h := s.Handler(&streamable.Options{Sessions: st.Sessions, Events: st.Events})
	hs := httptest.NewServer(h)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = h.Close(ctx)
		hs.CloseClientConnections()
		hs.Close()
		_ = s.Close()
		_ = st.Close()
	})
	return hs.URL
}

// scriptCalls returns how many scripts (EVALSHA, or EVAL after a NOSCRIPT) Redis has run: one round trip
// each (the commands they run inside count apart in INFO).
func scriptCalls(t *testing.T, raw *goredis.Client) int64 {
	t.Helper()
	info, err := raw.Info(context.Background(), "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for line := range strings.SplitSeq(info, "\r\n") {
		for _, cmd := range []string{"cmdstat_evalsha:calls=", "cmdstat_eval:calls="} {
			if rest, ok := strings.CutPrefix(line, cmd); ok {
				calls, _ := strconv.ParseInt(rest[:strings.IndexByte(rest, ',')], 10, 64)
				n += calls
			}
		}
	}
	return n
}

// sseEvents reads one SSE response's events (id, data) with data, until it ends.
func sseEvents(body io.Reader) <-chan [2]string {
	ch := make(chan [2]string, 64)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(body)
		sc.Buffer(make([]byte, 1<<16), 1<<20)
		var id, data string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if data != "" {
					ch <- [2]string{id, data}
				}
				id, data = "", ""
			case strings.HasPrefix(line, "id: "):
				id = line[4:]
			case strings.HasPrefix(line, "data: "):
				data = line[6:]
			}
		}
	}()
	return ch
}

func httpDo(t *testing.T, ctx context.Context, method, url, body, sid string, extra ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("MCP-Protocol-Version", "2025-11-25")
	if sid != "" {
		req.Header.Set("Mcp-Session-Id", sid)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		req.Header.Set(extra[i], extra[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// TestFollowAcrossNodesOnRedis: on a real Redis, node B follows what node A appends: a notification of the
// session's server code on A reaches the client's GET stream on B (woken by the PUBLISH of A's append), and
// a POST stream of a request running on A, resumed on B, delivers its stored events, then A's new ones,
// then the response, once each, and ends.
func TestFollowAcrossNodesOnRedis(t *testing.T) {
	srv := redistest.Start(t)
	hooked := make(chan int, 8)
	step := make(chan struct{})
	a, b := followNode(t, srv, hooked, step), followNode(t, srv, hooked, step)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	resp := httpDo(t, ctx, http.MethodPost, a, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"roots":{"listChanged":true}},"clientInfo":{"name":"t","version":"1"}}}`, "")
	sid := resp.Header.Get("Mcp-Session-Id")
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	for _, body := range []string{`{"jsonrpc":"2.0","method":"notifications/initialized"}`, `{"jsonrpc":"2.0","id":2,"method":"logging/setLevel","params":{"level":"info"}}`} {
		r := httpDo(t, ctx, http.MethodPost, a, body, sid)
		_, _ = io.Copy(io.Discard, r.Body)
		r.Body.Close()
		if r.StatusCode/100 != 2 {
			t.Fatalf("%s: %d", body, r.StatusCode)
		}
	}
	next := func(ch <-chan [2]string, want string) [2]string {
		t.Helper()
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatalf("stream ended, want %q", want)
			}
			if !strings.Contains(ev[1], want) {
				t.Fatalf("event %q, want %q", ev[1], want)
			}
			return ev
		case <-ctx.Done():
			t.Fatalf("no event %q", want)
		}
		return [2]string{}
	}

	// The standalone stream: GET on B, the hook runs on A.
	get := httpDo(t, ctx, http.MethodGet, b, "", sid, "Accept", "text/event-stream")
	defer get.Body.Close()
	if get.StatusCode != 200 {
		t.Fatalf("GET on B: %d", get.StatusCode)
	}
	gets := sseEvents(get.Body)
	raw := goredis.NewClient(&goredis.Options{Addr: srv.Addr})
	defer raw.Close()
	notify := func(i int) {
		r := httpDo(t, ctx, http.MethodPost, a, `{"jsonrpc":"2.0","method":"notifications/roots/list_changed"}`, sid)
		r.Body.Close()
		next(gets, fmt.Sprintf(`"changed %d"`, i))
		<-hooked
	}
	notify(1) // loads the scripts
	before := scriptCalls(t, raw)
	for i := 2; i <= 4; i++ {
		notify(i)
	}
	// Measured, not asserted: Redis round trips per notification sent on A and delivered by B — A's append
	// (whose PUBLISH wakes B in the same script) and B's replay at the wake-up.
	t.Logf("Redis scripts per notification followed across nodes: %.1f", float64(scriptCalls(t, raw)-before)/3)

	// A POST stream resumed on B while its request runs on A.
	pctx, cut := context.WithCancel(ctx)
	go func() { step <- struct{}{} }()
	post := httpDo(t, pctx, http.MethodPost, a, `{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"count","arguments":{"N":4},"_meta":{"progressToken":"p"}}}`, sid)
	first := next(sseEvents(post.Body), `"progress":1`)
	cut()
	post.Body.Close()
	step <- struct{}{} // stored while no one reads
	res := httpDo(t, ctx, http.MethodGet, b, "", sid, "Accept", "text/event-stream", "Last-Event-ID", first[0])
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("resume on B: %d", res.StatusCode)
	}
	evs := sseEvents(res.Body)
	seen := map[string]bool{first[0]: true}
	check := func(ev [2]string) {
		if seen[ev[0]] {
			t.Fatalf("event %s twice", ev[0])
		}
		seen[ev[0]] = true
	}
	check(next(evs, `"progress":2`))
	go func() { step <- struct{}{}; step <- struct{}{} }()
	check(next(evs, `"progress":3`))
	check(next(evs, `"progress":4`))
	check(next(evs, `"counted"`))
	select {
	case ev, ok := <-evs:
		if ok {
			t.Fatalf("an event after the response: %v", ev)
		}
	case <-ctx.Done():
		t.Fatal("the resumed stream did not end after the response")
	}
}
