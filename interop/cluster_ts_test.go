package interop

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/store/redis"
)

// The TypeScript peers of TestCluster: @modelcontextprotocol/client 2.4.0 in the legacy era and pinned
// to 2026-07-28, and @modelcontextprotocol/sdk 1.32.2's SSEClientTransport (HTTP+SSE), each running
// interop/node/cluster.mjs through the balancer. The script reports one result per check; this side adds
// what only the nodes can tell: that the cancelled call's handler was cancelled (the node's log), that the
// deleted session is gone on every node. The key ring is rotated every 20 ms while the 2026-07-28 client
// runs.

// tsCheck is one check's outcome as cluster.mjs reports it; the other members are details for the log.
type tsCheck map[string]jsontext.Value

func (c tsCheck) ok() bool { return string(c["ok"]) == "true" }

func (c tsCheck) str(key string) string {
	var s string
	_ = json.Unmarshal(c[key], &s)
	return s
}

// tsRun is what cluster.mjs printed.
type tsRun struct {
	Mode      string             `json:"mode"`
	OK        bool               `json:"ok"`
	Error     string             `json:"error"`
	SessionID *string            `json:"sessionId"`
	Checks    map[string]tsCheck `json:"checks"`
}

func tsCluster(t *testing.T, c *cluster) {
	node := peers(t)
	script, _ := filepath.Abs(filepath.Join("node", "cluster.mjs"))
	for _, mode := range []string{"v2-legacy", "v2-modern", "v1-sse"} {
		t.Run(mode, func(t *testing.T) {
			var rotations atomic.Int64
			if mode == "v2-modern" {
				stop := rotateKeys(t, c, &rotations)
				defer stop()
			}
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, node, script, c.url(""), mode)
			cmd.Stderr = os.Stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("node: %v\n%s", err, out)
			}
			var r tsRun
			if err := json.Unmarshal(out, &r); err != nil {
				t.Fatalf("output %q: %v", out, err)
			}
			if !r.OK {
				t.Errorf("the TypeScript client failed: %s", r.Error)
			}
			names := make([]string, 0, len(r.Checks))
			for name := range r.Checks {
				names = append(names, name)
			}
			sort.Strings(names)
			for _, name := range names {
				chk := r.Checks[name]
				t.Run(name, func(t *testing.T) {
					detail, _ := json.Marshal(chk)
					t.Logf("%s %s: %s", mode, name, detail)
					if !chk.ok() {
						t.Errorf("failed: %s", detail)
					}
					switch name {
					case "cancel":
						id := chk.str("id")
						if id == "" {
							return // the script failed before it started the call
						}
						runner := c.waitLog("demo: wait started", id, settle)
						stopped := c.waitLog("demo: wait cancelled", id, settle)
						t.Logf("wait %s ran on %q, cancelled there: %v", id, runner, stopped == runner && runner != "")
						if runner == "" || stopped != runner {
							t.Errorf("the handler of the aborted call (on %q) was not cancelled", runner)
						}
					case "delete":
						if r.SessionID == nil || *r.SessionID == "" {
							t.Fatal("no session id to check")
						}
						expectGone(t, c, *r.SessionID)
					case "requeststate":
						t.Logf("%d key rotations while the 2026-07-28 client ran", rotations.Load())
					}
				})
			}
		})
	}
}

// rotateKeys rotates the cluster's key ring every 20 ms until the returned stop is called, counting the
// rotations; a failed rotation fails t.
func rotateKeys(t *testing.T, c *cluster, rotations *atomic.Int64) (stop func()) {
	st, err := redis.Open(c.redis.URL(0), redis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				if _, err := st.Keys.Rotate(ctx); err != nil {
					t.Errorf("rotating the key ring: %v", err)
				} else {
					rotations.Add(1)
				}
				cancel()
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
		st.Close()
	}
}
