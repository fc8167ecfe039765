package interop

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
)

// Redis killed under traffic and started again, through the balancer. Three kinds of worker, one
// request at a time each: "cached" calls a legacy session created before (saved to disk, so Redis comes
// back holding it; every node has it cached); "fresh" keeps opening new legacy sessions (initialize,
// notifications/initialized, then three calls, so two of the three nodes must load it from Redis);
// "modern" makes stateless 2026-07-28 calls. Every outcome is counted by kind and by phase; the figures go to the
// test log. Checked: no 404 (which would make a legacy client re-initialize), no hang, no node restart,
// 2026-07-28 calls that need no state never fail, and after Redis is back the sessions work again and
// changes cross nodes again (the bus subscribed again) without restarting anything.

const (
	outageBefore = time.Second     // traffic before the kill
	outageDown   = 2 * time.Second // Redis away
	outageAfter  = 5 * time.Second // traffic after Redis is back
	requestBound = 10 * time.Second
	modernAddRaw = `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"add","arguments":{"a":2,"b":3},` +
		`"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}`
)

// outcome is one request's result.
type outcome struct {
	at     time.Time
	worker string // cached, fresh, modern
	step   string // init, initialized, call
	kind   string // ok, 503, 503-no-retry-after, 404, http-N, rpc-error, transport, hang
}

// classify sends one request, names its outcome and returns the session id answered (initialize).
func classify(hc *http.Client, req *http.Request, wantStatus int, want string) (kind, sid string) {
	resp, err := hc.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return "hang", ""
		}
		return "transport", ""
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	switch {
	case err != nil && errors.Is(err, context.DeadlineExceeded):
		return "hang", ""
	case err != nil:
		return "transport", ""
	case resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") == "":
		return "503-no-retry-after", ""
	case resp.StatusCode == http.StatusServiceUnavailable:
		return "503", ""
	case resp.StatusCode == http.StatusNotFound:
		return "404", ""
	case resp.StatusCode != wantStatus:
		return fmt.Sprintf("http-%d", resp.StatusCode), ""
	case strings.Contains(string(b), `"error":`):
		return "rpc-error", ""
	case strings.Contains(string(b), want):
		return "ok", resp.Header.Get("Mcp-Session-Id")
	}
	return "unexpected-body", ""
}

func redisOutage(t *testing.T, c *cluster) {
	hc := newRecorder().client()
	cached := rawSession(t, c, hc)
	for range len(c.nodes) { // every node caches it, as in a running deployment
		if status, _, body, _ := rawDo(t, hc, http.MethodPost, c.url("/mcp"), cached, rawAdd); status != http.StatusOK {
			t.Fatalf("add before the outage: %d %s", status, body)
		}
	}
	rc := goredis.NewClient(&goredis.Options{Addr: c.redis.Addr})
	if err := rc.Save(context.Background()).Err(); err != nil { // Redis will come back holding the session
		t.Fatal(err)
	}
	rc.Close()
	pids := make([]int, len(c.nodes))
	for i, nd := range c.nodes {
		pids[i] = nd.pid
	}

	var mu sync.Mutex
	var outcomes []outcome
	stop := make(chan struct{})
	var wg sync.WaitGroup
	send := func(worker, step string, sid, body string, wantStatus int, want string, headers ...string) (string, string) {
		ctx, cancel := context.WithTimeout(context.Background(), requestBound)
		defer cancel()
		kind, newSID := classify(hc, rawReq(ctx, http.MethodPost, c.url("/mcp"), sid, body, headers...), wantStatus, want)
		mu.Lock()
		outcomes = append(outcomes, outcome{at: time.Now(), worker: worker, step: step, kind: kind})
		mu.Unlock()
		time.Sleep(50 * time.Millisecond)
		return kind, newSID
	}
	stopped := func() bool {
		select {
		case <-stop:
			return true
		default:
			return false
		}
	}
	wg.Add(3)
	go func() {
		defer wg.Done()
		for !stopped() {
			send("cached", "call", cached, rawAdd, http.StatusOK, `"text":"5"`)
		}
	}()
	go func() {
		defer wg.Done()
		for !stopped() {
			kind, sid := send("fresh", "init", "", rawInit, http.StatusOK, `"protocolVersion"`)
			if kind != "ok" {
				continue
			}
			if kind, _ := send("fresh", "initialized", sid, rawInited, http.StatusAccepted, ""); kind != "ok" {
				continue
			}
			for range 3 {
				send("fresh", "call", sid, rawAdd, http.StatusOK, `"text":"5"`)
			}
		}
	}()
	go func() {
		defer wg.Done()
		for !stopped() {
			send("modern", "call", "", modernAddRaw, http.StatusOK, `"text":"5"`,
				"MCP-Protocol-Version", "2026-07-28", "Mcp-Method", "tools/call", "Mcp-Name", "add")
		}
	}()

	time.Sleep(outageBefore)
	down := time.Now()
	c.redis.Stop() // SIGKILL
	time.Sleep(outageDown)
	c.redis.Restart(t)
	up := time.Now()
	time.Sleep(outageAfter)
	close(stop)
	wg.Wait()

	// Figures.
	type key struct{ phase, worker, step, kind string }
	counts := map[key]int{}
	var firstOK, lastFail, firstFail time.Time
	for _, o := range outcomes {
		phase := "before"
		switch {
		case o.at.After(up):
			phase = "after"
		case o.at.After(down):
			phase = "down"
		}
		counts[key{phase, o.worker, o.step, o.kind}]++
		if o.kind != "ok" && o.at.After(down) && firstFail.IsZero() {
			firstFail = o.at
		}
		if o.at.After(up) && o.worker == "fresh" {
			if o.kind == "ok" && firstOK.IsZero() {
				firstOK = o.at
			}
			if o.kind != "ok" {
				lastFail = o.at
			}
		}
	}
	var lines []string
	for k, n := range counts {
		lines = append(lines, fmt.Sprintf("%-6s %-6s %-11s %-18s %4d", k.phase, k.worker, k.step, k.kind, n))
	}
	sort.Strings(lines)
	t.Logf("Redis killed (SIGKILL) %v after traffic began, started again %v later; %d requests (phase worker step outcome count):\n  %s",
		outageBefore, outageDown, len(outcomes), strings.Join(lines, "\n  "))
	if !firstFail.IsZero() {
		t.Logf("first failure %v after the kill", firstFail.Sub(down).Round(time.Millisecond))
	}
	switch {
	case firstOK.IsZero():
		t.Errorf("the fresh-session worker never succeeded in the %v after Redis came back", outageAfter)
	case lastFail.IsZero():
		t.Logf("recovery: first success of the fresh-session worker %v after Redis listened again; no failure after it", firstOK.Sub(up).Round(time.Millisecond))
	default:
		t.Logf("recovery: first success of the fresh-session worker %v after Redis listened again, last failure %v after it",
			firstOK.Sub(up).Round(time.Millisecond), lastFail.Sub(up).Round(time.Millisecond))
	}

	for k, n := range counts {
		switch {
		case k.kind == "404":
			t.Errorf("%d × 404 (%s %s, %s): a legacy client would re-initialize and lose its session", n, k.worker, k.step, k.phase)
		case k.kind == "hang":
			t.Errorf("%d requests (%s %s, %s) got no answer within %v", n, k.worker, k.step, k.phase, requestBound)
		case k.worker == "modern" && k.kind != "ok":
			t.Errorf("%d × %s for a 2026-07-28 call that needs no state (%s)", n, k.kind, k.phase)
		}
	}
	for i, nd := range c.nodes {
		if nd.exited() || nd.pid != pids[i] {
			t.Errorf("node %s restarted or exited during the outage", nd.name)
		}
	}

	t.Run("changes-after", func(t *testing.T) {
		// After the outage the bus works again: changes made on every node reach a listener.
		k := new(counter)
		sess, _ := c.connect(t, goModern, changeOpts(k))
		uri := fmt.Sprintf("demo://e2e/after-outage/%d", time.Now().UnixNano())
		ctx, cancel := context.WithCancel(bounded(t, 30*time.Second))
		defer cancel()
		ready := make(chan struct{})
		go func() {
			_ = sess.Listen(ctx, mcp.SubscriptionFilter{ToolsListChanged: true, PromptsListChanged: true,
				ResourcesListChanged: true, ResourceSubscriptions: []string{uri}}, func(mcp.SubscriptionFilter) { close(ready) })
		}()
		select {
		case <-ready:
		case <-time.After(settle):
			t.Fatal("listen not acknowledged after the outage")
		}
		makers := notifyFromEveryNode(t, c, uri)
		t.Logf("changes made on %v after the outage", makers)
		waitCounts(t, k, map[string]int{"updated " + uri: 3, "tools": 1, "prompts": 1, "resources": 1}, settle)
	})
	t.Run("new-session-after", func(t *testing.T) {
		sess, _ := c.connect(t, goLegacy, client.Options{})
		if res, err := sess.CallTool(bounded(t, settle), "add", map[string]int{"a": 1, "b": 1}); err != nil || res.IsError {
			t.Fatalf("a new legacy session after the outage: %+v, %v", res, err)
		}
	})
}
