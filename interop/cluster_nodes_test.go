package interop

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/mcpkit/mcpkit/internal/haproxytest"
	"github.com/mcpkit/mcpkit/internal/redistest"
)

// The deployment of the many-nodes end-to-end test (cluster_test.go): one private redis-server, three
// `mcpkit serve --redis` processes, and haproxy in front of them, round robin without stickiness.

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// mcpkitBinary builds cmd/mcpkit once per test binary and returns its path.
func mcpkitBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "mcpkit-interop")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "mcpkit")
		if out, err := exec.Command("go", "build", "-o", builtBin, "../cmd/mcpkit").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ../cmd/mcpkit: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// node is one `mcpkit serve --redis` process.
type node struct {
	name string // n0, n1, n2: haproxy's name for it (haproxytest.ServedByHeader)
	addr string
	cmd  *exec.Cmd
	pid  int
	done chan struct{} // closed when the process exited
	mu   sync.Mutex
	log  bytes.Buffer // its stderr
}

func (n *node) Write(b []byte) (int, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.log.Write(b)
}

// logText returns what the node wrote to stderr so far.
func (n *node) logText() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.log.String()
}

// exited reports whether the process has ended.
func (n *node) exited() bool {
	select {
	case <-n.done:
		return true
	default:
		return false
	}
}

// cluster is the running deployment.
type cluster struct {
	redis *redistest.Server
	nodes []*node
	proxy *haproxytest.Proxy
}

// startCluster starts Redis, n nodes on it and haproxy in front. Everything stops when t ends; a node is
// also killed by the kernel if the test process dies (Pdeathsig).
func startCluster(t *testing.T, n int) *cluster {
	t.Helper()
	bin := mcpkitBinary(t)
	c := &cluster{redis: redistest.Start(t)}
	var backends []string
	for i := range n {
		nd := c.startNode(t, bin, fmt.Sprintf("n%d", i))
		c.nodes = append(c.nodes, nd)
		backends = append(backends, nd.addr)
	}
	c.proxy = haproxytest.Start(t, backends)
	t.Cleanup(func() {
		if t.Failed() {
			for _, nd := range c.nodes {
				t.Logf("node %s (%s) said:\n%s", nd.name, nd.addr, nd.logText())
			}
			t.Logf("haproxy said:\n%s", c.proxy.Output())
		}
	})
	return c
}

func (c *cluster) startNode(t *testing.T, bin, name string) *node {
	t.Helper()
	for attempt := 0; ; attempt++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := "127.0.0.1:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
		ln.Close()
		nd := &node{name: name, addr: addr, done: make(chan struct{})}
		nd.cmd = exec.Command(bin, "serve", "--addr", addr, "--redis", c.redis.URL(0))
		nd.cmd.Stderr = nd
		dieWithParent(nd.cmd)
		if err := nd.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		nd.pid = nd.cmd.Process.Pid
		go func() { _ = nd.cmd.Wait(); close(nd.done) }()
		t.Cleanup(func() {
			_ = nd.cmd.Process.Kill()
			<-nd.done
		})
		if waitListening(addr, nd.done) {
			return nd
		}
		if attempt == 3 {
			t.Fatalf("mcpkit serve %s did not listen on %s:\n%s", name, addr, nd.logText())
		}
	}
}

// waitListening waits up to 10 s for addr to accept connections; false if the process ended first.
func waitListening(addr string, done <-chan struct{}) bool {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return true
		}
		select {
		case <-done:
			return false
		case <-time.After(25 * time.Millisecond):
		}
	}
	return false
}

// url is path on the balancer.
func (c *cluster) url(path string) string { return c.proxy.URL(path) }

// nodeURL is path on node i directly (for checks that must reach one node, never for the traffic tested).
func (c *cluster) nodeURL(i int, path string) string { return "http://" + c.nodes[i].addr + path }

// checkNodesAlive fails t if a node process ended or was replaced.
func (c *cluster) checkNodesAlive(t *testing.T) {
	t.Helper()
	for _, nd := range c.nodes {
		if nd.exited() {
			t.Errorf("node %s (pid %d) exited:\n%s", nd.name, nd.pid, nd.logText())
		}
	}
}

// waitLog waits up to timeout for a node to log msg with attribute id=id (as the demo's wait tool
// does) and returns that node's name ("" on timeout).
func (c *cluster) waitLog(msg, id string, timeout time.Duration) string {
	deadline := time.Now().Add(timeout)
	for {
		for _, nd := range c.nodes {
			for _, line := range strings.Split(nd.logText(), "\n") {
				if strings.Contains(line, msg) && strings.Contains(line+" ", " id="+id+" ") {
					return nd.name
				}
			}
		}
		if time.Now().After(deadline) {
			return ""
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// exchange is one HTTP request made through the balancer, as the recorder saw it.
type exchange struct {
	method   string // HTTP method
	path     string
	rpc      string // the JSON-RPC method of a POSTed request or notification; "response" for an answer
	name     string // params.name of a tools/call
	sid      string // Mcp-Session-Id sent
	servedBy string // the node that answered (haproxytest.ServedByHeader)
	status   int
	err      error
}

// recorder is an http.RoundTripper that notes which node served each request.
type recorder struct {
	base http.RoundTripper
	mu   sync.Mutex
	log  []exchange
}

func newRecorder() *recorder {
	return &recorder{base: &http.Transport{MaxIdleConnsPerHost: 16, ResponseHeaderTimeout: 30 * time.Second}}
}

// client returns an http.Client sending through the recorder.
func (r *recorder) client() *http.Client { return &http.Client{Transport: r} }

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	ex := exchange{method: req.Method, path: req.URL.Path, sid: req.Header.Get("Mcp-Session-Id")}
	if req.Body != nil && req.Method == http.MethodPost {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(b))
		ex.rpc, ex.name = describe(b)
	}
	resp, err := r.base.RoundTrip(req)
	ex.err = err
	if resp != nil {
		ex.status, ex.servedBy = resp.StatusCode, resp.Header.Get(haproxytest.ServedByHeader)
	}
	r.mu.Lock()
	r.log = append(r.log, ex)
	r.mu.Unlock()
	return resp, err
}

// describe names a POSTed JSON-RPC message: its method (and tool name), or "response".
func describe(b []byte) (method, name string) {
	var m struct {
		Method string `json:"method"`
		Params struct {
			Name string `json:"name"`
		} `json:"params"`
	}
	if json.Unmarshal(b, &m, json.RejectUnknownMembers(false)) != nil {
		return "?", ""
	}
	if m.Method == "" {
		return "response", ""
	}
	return m.Method, m.Params.Name
}

// mark returns the number of exchanges so far, to look only at later ones.
func (r *recorder) mark() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.log)
}

// since returns the exchanges from mark on that match.
func (r *recorder) since(mark int, match func(exchange) bool) []exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []exchange
	for _, ex := range r.log[mark:] {
		if match(ex) {
			out = append(out, ex)
		}
	}
	return out
}

// await waits up to 2 s for an exchange from mark on that matches to be answered (a call can return before
// the POST that carried its answer has its own response) and returns the matching exchanges.
func (r *recorder) await(mark int, match func(exchange) bool) []exchange {
	deadline := time.Now().Add(2 * time.Second)
	for {
		exs := r.since(mark, match)
		if len(exs) > 0 || time.Now().After(deadline) {
			return exs
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// nodes returns the distinct nodes that served exs, in order of first appearance.
func nodes(exs []exchange) []string {
	var out []string
	for _, ex := range exs {
		if ex.servedBy != "" && !contains(out, ex.servedBy) {
			out = append(out, ex.servedBy)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// bounded returns a context for one step of a subtest: every wait in the test is bounded.
func bounded(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
