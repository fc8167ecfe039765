package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/internal/redistest"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// node is one `mcpkit serve` process.
type node struct {
	cmd    *exec.Cmd
	target *url.URL
	proxy  *httputil.ReverseProxy
	stderr *bytes.Buffer
	dead   bool
}

// startNode starts `mcpkit serve` with flags on a free loopback port and waits until it listens (bounded).
func startNode(t *testing.T, flags ...string) *node {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	n := &node{stderr: &bytes.Buffer{}}
	n.cmd = exec.Command(binary, append([]string{"serve", "--addr", addr}, flags...)...)
	n.cmd.Stderr = &lockedWriter{w: n.stderr}
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = n.cmd.Process.Kill()
		_ = n.cmd.Wait()
	})
	n.target = &url.URL{Scheme: "http", Host: addr}
	n.proxy = &httputil.ReverseProxy{
		Rewrite:       func(pr *httputil.ProxyRequest) { pr.SetURL(n.target) },
		FlushInterval: -1, // SSE: every event at once
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			w.WriteHeader(http.StatusBadGateway)
		},
		ErrorLog: log.New(io.Discard, "", 0), // a killed node's streams break: expected here
	}
	for range 200 {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return n
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("mcpkit serve did not listen on %s", addr)
	return nil
}

// lockedWriter serialises writes (a process's stderr, read by the test while it runs).
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// roundRobin is a balancer without stickiness: each request goes to the next live node. It remembers
// which node got the POST that called a given tool.
type roundRobin struct {
	mu       sync.Mutex
	nodes    []*node
	next     int
	tool     string
	toolNode *node
	toolCut  context.CancelFunc // ends the proxied POST that called tool (the client loses that connection)
}

func (p *roundRobin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body []byte
	if r.Method == http.MethodPost {
		body, _ = io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	p.mu.Lock()
	var n *node
	for range len(p.nodes) {
		c := p.nodes[p.next%len(p.nodes)]
		p.next++
		if !c.dead {
			n = c
			break
		}
	}
	if n != nil && p.tool != "" && bytes.Contains(body, []byte(`"name":"`+p.tool+`"`)) {
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		r = r.WithContext(ctx)
		p.toolNode, p.toolCut = n, cancel
	}
	p.mu.Unlock()
	if n == nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	n.proxy.ServeHTTP(w, r)
}

// kill cuts the tool call's connection, waits, then kills its node with SIGKILL, and reports when.
func (p *roundRobin) kill(after time.Duration) time.Time {
	p.mu.Lock()
	victim, cut := p.toolNode, p.toolCut
	p.mu.Unlock()
	if after > 0 {
		cut()
		time.Sleep(after)
	}
	p.mu.Lock()
	victim.dead = true
	p.mu.Unlock()
	_ = victim.cmd.Process.Kill()
	_ = victim.cmd.Wait()
	return time.Now()
}

// TestKillNodeMidCall is the kill -9 scenario of docs/SCALING.md ("Node death"), 20 times: three
// `mcpkit serve --redis` processes behind a round-robin balancer without stickiness; our client (Streamable
// HTTP, legacy session) calls count_slowly (10 progress notifications 100 ms apart); after the third
// notification the node running the call is killed with SIGKILL (every other run, the client first loses
// its connection and the node dies 250 ms later, having stored notifications the client has not seen); the
// client resumes through another node and must get the stored notifications once each (checked against
// what Redis held at the kill), then the node-stopped error, and its next call must work. Every wait is bounded: a run that does not end within 15 s counts as a hang.
func TestKillNodeMidCall(t *testing.T) {
	const runs = 20
	rs := redistest.Start(t)
	flags := []string{"--redis", rs.URL(0), "--lease-ttl", "600ms", "--sse-retry", "100ms"}
	lb := &roundRobin{tool: "count_slowly"}
	for range 3 {
		lb.nodes = append(lb.nodes, startNode(t, flags...))
	}
	front := httptest.NewServer(lb)
	defer front.Close()
	opt, err := goredis.ParseURL(rs.URL(0))
	if err != nil {
		t.Fatal(err)
	}
	rdb := goredis.NewClient(opt)
	defer rdb.Close()

	var hangs, duplicates, wrong, beforeKill int
	var delays []time.Duration
	var delivered []int
	for run := range runs {
		func() {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			tr, err := streamable.NewClient(front.URL+"/mcp", &streamable.ClientOptions{DisableSSEFallback: true})
			if err != nil {
				t.Fatal(err)
			}
			sess, err := client.Connect(ctx, tr, &client.Options{ProtocolVersion: mcp.Version20251125})
			if err != nil {
				t.Fatalf("run %d: connect: %v", run, err)
			}
			defer sess.Close()
			sid := tr.SessionID()
			var stored int

			var mu sync.Mutex
			seen := map[float64]int{}
			var order []float64
			type kill struct {
				at     time.Time
				stored int // progress notifications the store held once the node was dead
				err    error
			}
			killed := make(chan kill, 1)
			progress := func(p *mcp.ProgressParams) {
				mu.Lock()
				seen[p.Progress]++
				order = append(order, p.Progress)
				n := len(order)
				mu.Unlock()
				if n == 3 {
					// Even runs: the node dies at once. Odd runs: the client loses its connection
					// first and the node dies 250 ms later, so that it stores events the client has
					// not seen (replayed on resume) while another node follows the stream for the client.
					// What the dead node stored is read at once: the node following the resumed
					// stream deletes it once it delivered the node-stopped error (as any delivered
					// stream), which takes at least a lease TTL after the kill (TTL 600 ms, refreshed
					// every 200 ms).
					go func() {
						at := lb.kill(time.Duration(run%2) * 250 * time.Millisecond)
						stored, _, err := storedStream(ctx, rdb, sid)
						killed <- kill{at, stored, err}
					}()
				}
			}
			_, err = sess.CallTool(client.WithProgress(ctx, progress), "count_slowly", struct{}{})
			answered := time.Now()
			var rpcErr *jsonrpc.Error
			switch {
			case ctx.Err() != nil:
				hangs++
				t.Errorf("run %d: no answer within 15 s (a hang): %v", run, err)
				return
			case err == nil:
				wrong++
				t.Errorf("run %d: count_slowly succeeded although its node was killed", run)
			case !errors.As(err, &rpcErr) || rpcErr.Code != streamable.CodeNodeStopped || !strings.Contains(rpcErr.Message, "the node running this request stopped"):
				wrong++
				t.Errorf("run %d: count_slowly failed with %v, want the node-stopped error", run, err)
			}
			select {
			case k := <-killed:
				if k.err != nil {
					t.Fatalf("run %d: reading the store: %v", run, k.err)
				}
				stored = k.stored
				if d := answered.Sub(k.at); d > 0 {
					delays = append(delays, d)
				} else {
					beforeKill++
					t.Errorf("run %d: the call ended %v before the node was killed", run, -d)
				}
			case <-ctx.Done():
				hangs++
				t.Errorf("run %d: the node was not killed", run)
				return
			}
			mu.Lock()
			for i, p := range order {
				if seen[p] > 1 {
					duplicates++
				}
				if p != float64(i+1) {
					t.Errorf("run %d: progress arrived as %v, want 1, 2, 3, … once each", run, order)
					break
				}
			}
			delivered = append(delivered, len(order))
			// Every progress notification the dead node stored was delivered (no more, no fewer); the
			// one error that followed them reached the client (above), and the store holds at most
			// that one (none once the following node forgot the delivered stream).
			_, errorsStored, err := storedStream(ctx, rdb, sid)
			if err != nil {
				t.Fatalf("run %d: reading the store: %v", run, err)
			}
			if stored != len(order) || errorsStored > 1 {
				wrong++
				t.Errorf("run %d: the store held %d progress notifications at the kill and holds %d node-stopped errors now; the client got %d notifications", run, stored, errorsStored, len(order))
			}
			mu.Unlock()

			res, err := sess.CallTool(ctx, "add", map[string]int{"a": run, "b": 1})
			if err != nil || len(res.Content) == 0 || res.Content[0].Text != strconv.Itoa(run+1) {
				wrong++
				t.Errorf("run %d: the next call: %+v, %v", run, res, err)
			}
		}()
		// A new node takes the dead one's place, so that every run has three.
		lb.mu.Lock()
		for i, n := range lb.nodes {
			if n.dead {
				lb.nodes[i] = startNode(t, flags...)
			}
		}
		lb.mu.Unlock()
	}
	var worst, sum time.Duration
	for _, d := range delays {
		sum += d
		worst = max(worst, d)
	}
	t.Logf("%d runs: %d hangs, %d duplicate notifications, %d wrong outcomes, %d calls ended before the kill; "+
		"progress notifications delivered per run %v; kill to error: mean %v, worst %v (lease TTL 600 ms, retry hint 100 ms)",
		runs, hangs, duplicates, wrong, beforeKill, delivered, sum/time.Duration(max(len(delays), 1)), worst)

	// The control: the client loses its connection after 3 notifications but the node lives. The call
	// lasts three lease TTLs more; its node refreshes the lease, so the client, resuming on another node
	// that follows the stream, gets every notification once and the result, never the node-stopped error.
	for run := range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		tr, err := streamable.NewClient(front.URL+"/mcp", &streamable.ClientOptions{DisableSSEFallback: true})
		if err != nil {
			t.Fatal(err)
		}
		sess, err := client.Connect(ctx, tr, &client.Options{ProtocolVersion: mcp.Version20251125})
		if err != nil {
			t.Fatalf("control %d: connect: %v", run, err)
		}
		var order []float64
		res, err := sess.CallTool(client.WithProgress(ctx, func(p *mcp.ProgressParams) {
			order = append(order, p.Progress) // callbacks run one at a time, before CallTool returns
			if len(order) == 3 {
				lb.mu.Lock()
				lb.toolCut()
				lb.mu.Unlock()
			}
		}), "count_slowly", struct{}{})
		if err != nil || len(res.Content) == 0 || res.Content[0].Text != "counted to 10" || len(order) != 10 {
			t.Errorf("control %d: a call whose node lives: %+v, %v, progress %v; want the result and 10 notifications", run, res, err, order)
		}
		for i, p := range order {
			if p != float64(i+1) {
				t.Errorf("control %d: progress arrived as %v, want 1 … 10 once each", run, order)
				break
			}
		}
		_ = sess.Close()
		cancel()
	}
}

// storedStream reads, on Redis, the stream of session sid that carried count_slowly's progress, and counts
// its progress notifications and node-stopped errors.
func storedStream(ctx context.Context, rdb *goredis.Client, sid string) (progress, stopped int, err error) {
	keys, err := rdb.Keys(ctx, "mcpkit:e:{"+sid+"}:s:*").Result()
	if err != nil {
		return 0, 0, err
	}
	for _, k := range keys {
		entries, err := rdb.XRange(ctx, k, "-", "+").Result()
		if err != nil {
			return 0, 0, err
		}
		p, e := 0, 0
		for _, en := range entries {
			d, _ := en.Values["d"].(string)
			switch {
			case strings.Contains(d, "notifications/progress"):
				p++
			case strings.Contains(d, "the node running this request stopped"):
				e++
			}
		}
		if p > 0 {
			progress, stopped = progress+p, stopped+e
		}
	}
	return progress, stopped, nil
}
