package interop

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/internal/servicetest"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// peerCalls loops calls to one tool of each upstream through the gateway and counts, per upstream, the
// calls that succeeded and those that failed, with the first failure.
type peerCalls struct {
	stop context.CancelFunc
	wg   sync.WaitGroup
	mu   sync.Mutex
	ok   map[string]int
	bad  map[string]int
	why  map[string]string
}

// peerCall is one upstream's tool as the loop calls it: its namespaced name, arguments for the i-th
// call, and the text the answer must contain.
type peerCall struct {
	s              *client.Session
	upstream, tool string
	args           func(i int) map[string]any
	want           func(i int) string
}

func startPeerCalls(calls ...peerCall) *peerCalls {
	ctx, cancel := context.WithCancel(context.Background())
	pc := &peerCalls{stop: cancel, ok: map[string]int{}, bad: map[string]int{}, why: map[string]string{}}
	for _, c := range calls {
		pc.wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				res, err := c.s.CallTool(ctx, c.upstream+"__"+c.tool, c.args(i))
				if ctx.Err() != nil {
					return
				}
				pc.mu.Lock()
				switch {
				case err != nil:
					pc.fail(c.upstream, err.Error())
				case res.IsError:
					pc.fail(c.upstream, "isError: "+toolText(res))
				case !strings.Contains(toolText(res), c.want(i)):
					pc.fail(c.upstream, fmt.Sprintf("isError=%v %q, want %q", res.IsError, toolText(res), c.want(i)))
				default:
					pc.ok[c.upstream]++
				}
				pc.mu.Unlock()
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
	return pc
}

func (pc *peerCalls) fail(upstream, why string) {
	if pc.bad[upstream] == 0 {
		pc.why[upstream] = why
	}
	pc.bad[upstream]++
}

// counts returns the successes and failures of upstream so far.
func (pc *peerCalls) counts(upstream string) (ok, bad int) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	return pc.ok[upstream], pc.bad[upstream]
}

func (pc *peerCalls) end() {
	pc.stop()
	pc.wg.Wait()
}

// toolsSeen records, at each tools list_changed the client receives, the tools/list that follows.
type toolsSeen struct {
	mu    sync.Mutex
	lists [][]string
}

func (ts *toolsSeen) add(names []string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.lists = append(ts.lists, names)
}

// since returns the lists recorded from index i on.
func (ts *toolsSeen) since(i int) [][]string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return slices.Clone(ts.lists[min(i, len(ts.lists)):])
}

func (ts *toolsSeen) len() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return len(ts.lists)
}

// childPIDs returns the processes whose parent is pid and whose command line contains match (read from
// /proc: each /proc/N/stat's fourth field is the parent).
func childPIDs(t *testing.T, pid int, match string) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid …: comm may hold spaces and parentheses, so split after the last ')'.
		rest := string(stat[strings.LastIndexByte(string(stat), ')')+1:])
		f := strings.Fields(rest)
		if len(f) < 2 || f[1] != strconv.Itoa(pid) {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if strings.Contains(string(cmdline), match) {
			pids = append(pids, n)
		}
	}
	return pids
}

// TestGatewayRealPeerKilled kills real upstreams of `mcpkit gateway` under traffic: go-sdk's
// everything-server over Streamable HTTP (-http, killed, then started again on the same port) and
// server-everything as the gateway's stdio child (killed by its pid, found among the gateway's children
// in /proc). Our client loops calls to both upstreams through the gateway's /mcp (go-sdk's from a
// 2026-07-28 session, server-everything's from a 2025-11-25 one); each session has a tools list_changed
// handler (the 2026-07-28 one through subscriptions/listen). While one is down the other's calls all succeed; the client gets
// tools list_changed and the dead one's tools are gone from tools/list; once it is back (the restarted
// server, or a new child the gateway starts by itself) its tools return with list_changed again and its
// calls succeed.
func TestGatewayRealPeerKilled(t *testing.T) {
	t.Parallel()
	node := peers(t)
	gosdk := goSDKEverything(t)
	port, err := servicetest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	gosdkAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	startGoSDK := func() *servicetest.Proc {
		t.Helper()
		p, err := servicetest.Start(gosdk, "-http", gosdkAddr)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.WaitReady("go-sdk everything -http on "+gosdkAddr, func() error { return dial(gosdkAddr) }); err != nil {
			t.Fatal(err)
		}
		return p
	}
	gosdkProc := startGoSDK()
	t.Cleanup(func() { gosdkProc.Kill() })

	config := hostConfig(map[string]string{
		"gosdk-http": `"url": ` + strconv.Quote("http://"+gosdkAddr+"/mcp"),
		"everything": jsonArgs(node, everythingScript(), "stdio"),
	}, []string{"gosdk-http", "everything"})
	// A ping every 300 ms notices the HTTP upstream's death soon (its loss is also seen when its stream ends).
	gw := startGatewayProcess(t, config, []string{"gosdk-http", "everything"}, "--ping-interval", "300ms")

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	legacy, seen := watchTools(t, ctx, gw.base+"/mcp", mcp.Version20251125)
	modern, seenModern := watchTools(t, ctx, gw.base+"/mcp", mcp.Version20260728)

	// greet goes through the 2026-07-28 session, echo through the legacy one.
	greet := peerCall{modern, "gosdk-http", "greet", func(i int) map[string]any { return map[string]any{"name": fmt.Sprint("k", i)} },
		func(i int) string { return fmt.Sprint("Hi k", i) }}
	echo := peerCall{legacy, "everything", "echo", func(i int) map[string]any { return map[string]any{"message": fmt.Sprint("e", i)} },
		func(i int) string { return fmt.Sprint("Echo: e", i) }}

	// kill makes victim go away under traffic on both, brings it back with revive (nil when the gateway
	// brings it back by itself), and checks what the client saw.
	kill := func(t *testing.T, victim, victimTool string, other peerCall, down, revive func()) {
		calls := startPeerCalls(greet, echo)
		waitUntil(t, ctx, "calls to both upstreams", func() bool {
			a, _ := calls.counts(victim)
			b, _ := calls.counts(other.upstream)
			return a > 0 && b > 0
		})
		marks := map[string]int{"2025-11-25": seen.len(), "2026-07-28": seenModern.len()}
		sessions := map[string]*toolsSeen{"2025-11-25": seen, "2026-07-28": seenModern}
		down()
		gone := func(l []string) bool { return !slices.Contains(l, victim+"__"+victimTool) }
		for era, ts := range sessions {
			waitUntil(t, ctx, "a tools list_changed to the "+era+" client whose tools/list lacks "+victim+"'s tools", func() bool {
				return slices.ContainsFunc(ts.since(marks[era]), gone)
			})
		}
		if revive != nil {
			time.Sleep(500 * time.Millisecond) // traffic on the other while the victim stays down
			revive()
		}
		for era, ts := range sessions {
			waitUntil(t, ctx, "a later tools list_changed to the "+era+" client with "+victim+"'s tools again", func() bool {
				lists := ts.since(marks[era])
				i := slices.IndexFunc(lists, gone)
				return i >= 0 && slices.ContainsFunc(lists[i+1:], func(l []string) bool { return !gone(l) })
			})
		}
		okBefore, _ := calls.counts(victim)
		waitUntil(t, ctx, "a call to "+victim+" succeeding after its return", func() bool {
			ok, _ := calls.counts(victim)
			return ok > okBefore
		})
		calls.end()
		ok, bad := calls.counts(other.upstream)
		if bad > 0 {
			t.Errorf("%d of %d calls to %s failed while %s was killed and came back, e.g. %s", bad, ok+bad, other.upstream, victim, calls.why[other.upstream])
		}
		vok, vbad := calls.counts(victim)
		t.Logf("calls: %s %d ok, 0 failed; %s (the victim) %d ok, %d failed (while it was away: %s)",
			other.upstream, ok, victim, vok, vbad, calls.why[victim])
		states, _ := gw.upstreams()
		for _, s := range states {
			if s.Name == victim && (s.State != "up" || s.Connects < 2) {
				t.Errorf("/readyz after the return: %+v, want up with a second connection", s)
			}
		}
	}

	t.Run("http-server-killed-and-restarted", func(t *testing.T) {
		kill(t, "gosdk-http", "greet", echo, func() { gosdkProc.Kill() }, func() { gosdkProc = startGoSDK() })
	})
	t.Run("stdio-child-killed", func(t *testing.T) {
		gwPID := gw.cmd.Process.Pid
		children := childPIDs(t, gwPID, "server-everything")
		if len(children) != 1 {
			t.Fatalf("the gateway (pid %d) has %d server-everything children: %v", gwPID, len(children), children)
		}
		old := children[0]
		// A call that lasts 30 s is in flight when the child dies: how does it end?
		type outcome struct {
			res *mcp.CallToolResult
			err error
		}
		slow := make(chan outcome, 1)
		go func() {
			res, err := legacy.CallTool(ctx, "everything__trigger-long-running-operation", map[string]any{"duration": 30, "steps": 3})
			slow <- outcome{res, err}
		}()
		time.Sleep(time.Second)
		kill(t, "everything", "echo", greet, func() {
			if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
		}, nil)
		var o outcome
		select {
		case o = <-slow:
		case <-ctx.Done():
			t.Fatal("the call in flight when the child died did not end")
		}
		switch {
		case o.err == nil && !o.res.IsError:
			t.Errorf("the call in flight when the child died succeeded: %q", toolText(o.res))
		case o.err == nil:
			t.Errorf("the call in flight when the child died: a tool result with isError %q; want a JSON-RPC error (the upstream did not answer)", toolText(o.res))
		case !strings.Contains(o.err.Error(), "did not answer"):
			t.Errorf("the call in flight when the child died: %v; want the gateway's error naming the upstream", o.err)
		}
		now := childPIDs(t, gwPID, "server-everything")
		if len(now) != 1 || now[0] == old {
			t.Errorf("server-everything children of the gateway after the reconnection: %v, want one new one (the killed one was %d)", now, old)
		}
	})
}

// watchTools connects our client in version to the gateway at url and records, at each tools
// list_changed it receives, the tools/list that follows (at 2026-07-28 through a subscriptions/listen held
// until the test ends; a legacy session gets them unasked).
func watchTools(t *testing.T, ctx context.Context, url, version string) (*client.Session, *toolsSeen) {
	t.Helper()
	seen := &toolsSeen{}
	var sess *client.Session
	var connected sync.WaitGroup
	connected.Add(1)
	stream, err := streamable.NewClient(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	sess, err = client.Connect(ctx, stream, &client.Options{ProtocolVersion: version,
		OnToolsChanged: func(ctx context.Context) {
			connected.Wait()
			if names, err := toolList(ctx, sess); err == nil {
				seen.add(names)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	connected.Done()
	if version != mcp.Version20260728 {
		t.Cleanup(func() { sess.Close() })
		return sess, seen
	}
	lctx, stop := context.WithCancel(ctx)
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- sess.Listen(lctx, mcp.SubscriptionFilter{ToolsListChanged: true}, func(mcp.SubscriptionFilter) { close(ready) })
	}()
	t.Cleanup(func() {
		stop()
		<-done
		sess.Close()
	})
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("subscriptions/listen ended: %v", err)
	case <-ctx.Done():
		t.Fatal("subscriptions/listen not acknowledged")
	}
	return sess, seen
}

// toolList returns the names tools/list gives, every page.
func toolList(ctx context.Context, s *client.Session) ([]string, error) {
	var names []string
	for tl, err := range s.Tools(ctx) {
		if err != nil {
			return nil, err
		}
		names = append(names, tl.Name)
	}
	return names, nil
}

// waitUntil polls cond every 20 ms until it holds, failing t when ctx ends first.
func waitUntil(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// dial reports whether something accepts TCP connections on addr.
func dial(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		c.Close()
	}
	return err
}
