//go:build !race

// The race detector changes allocation counts, so this file is built only without -race; scripts/test.sh
// runs it in a separate step (go test -run TestAllocBudget ./server).

package server_test

import (
	"context"
	"runtime"
	"testing"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

// The allocation budget of docs/ARCHITECTURE.md ("Hot path"): one in-process typed tools/call, client and
// server both counted, as BenchmarkInProcessToolCall measures it.
const (
	allocBudget = 25   // allocations per call
	bytesBudget = 3072 // bytes allocated per call (3 KiB)
)

// allocBudgetCalls is the number of calls each measurement averages over.
const allocBudgetCalls = 2000

func TestAllocBudget(t *testing.T) {
	for _, v := range []string{mcp.Version20260728, mcp.Version20251125} {
		t.Run(v, func(t *testing.T) {
			s := server.New("bench", "1", nil)
			server.Tool(s, "add", "add", func(ctx context.Context, in benchArgs) (int, error) { return in.A + in.B, nil })
			sess, err := client.Connect(context.Background(), serveB(t, s), &client.Options{ProtocolVersion: v})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { sess.Close() })
			ctx := context.Background()
			args := benchArgs{A: 1, B: 2}
			call := func() {
				res, err := sess.CallTool(ctx, "add", &args)
				if err != nil || res.IsError {
					t.Fatalf("tools/call: %v %+v", err, res)
				}
			}
			for range 200 { // warm caches and pools, as a benchmark's first iterations do
				call()
			}

			allocs := testing.AllocsPerRun(allocBudgetCalls, call)
			bytes := bytesPerRun(allocBudgetCalls, call)
			t.Logf("%s: %.1f allocations, %d B per tools/call (budget %d, %d B)", v, allocs, bytes, allocBudget, bytesBudget)
			if allocs > allocBudget {
				t.Errorf("%.1f allocations per in-process tools/call, budget %d (docs/ARCHITECTURE.md)", allocs, allocBudget)
			}
			if bytes > bytesBudget {
				t.Errorf("%d bytes allocated per in-process tools/call, budget %d (docs/ARCHITECTURE.md)", bytes, bytesBudget)
			}
		})
	}
}

// bytesPerRun returns the bytes allocated per call of f, averaged over runs calls, counted like
// testing.AllocsPerRun counts allocations: on one P, every goroutine included (the server's work too).
func bytesPerRun(runs int, f func()) uint64 {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	f() // the first call may allocate once-only state
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		f()
	}
	runtime.ReadMemStats(&after)
	return (after.TotalAlloc - before.TotalAlloc) / uint64(runs)
}
