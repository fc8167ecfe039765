package redis_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/internal/redistest"
)

// The node benchmarks compare one node on Redis with one node in memory, in the same run: the same server
// and tools behind the same streamable.Handler, keep-alive HTTP clients on 127.0.0.1 calling in a loop
// (client and server in this process: B/op and allocs/op are both sides together, go-redis included).
// Workloads:
//
//   - legacy: a tools/call (add) in a warm 2025-11-25 session held by the node, answered as JSON;
//   - modern: a stateless 2026-07-28 tools/call (add);
//   - stream10: a legacy tools/call sending 10 progress notifications before its answer (an SSE stream,
//     every event appended to the event log).

type workload struct {
	name string
	call func(n *rtNode, sid string) error
}

var workloads = []workload{
	{"legacy", func(n *rtNode, sid string) error {
		_, err := n.tryCall(legacyCallBody(n.ids.Add(1), "add", `{"a":1,"b":2}`), legacyHeaders(sid), `"text":"3"`)
		return err
	}},
	{"modern", func(n *rtNode, _ string) error {
		_, err := n.tryCall(modernAddBody(n.ids.Add(1)), modernHeaders, `"text":"3"`)
		return err
	}},
	{"stream10", func(n *rtNode, sid string) error {
		body, err := n.tryCall(legacyCallBody(n.ids.Add(1), "stream", `{"n":10}`), legacyHeaders(sid), `"text":"done"`)
		if err == nil && strings.Count(body, "notifications/progress") != 10 {
			err = fmt.Errorf("response %s", body)
		}
		return err
	}},
}

// benchNodes starts a memory node and a Redis node, each with a warm legacy session.
func benchNodes(b *testing.B) (mem, red *rtNode, memSID, redSID string) {
	srv := redistest.Start(b)
	mem, red = startNode(b, nil, ""), startNode(b, srv, "bench-node:")
	return mem, red, mem.openLegacy(b), red.openLegacy(b)
}

// BenchmarkNode runs each workload on each node in turn, one client: time, calls/s, B/op, allocs/op and
// roundtrips/call (Redis commands or pipelines per call, counted by a go-redis hook; 0 in memory).
func BenchmarkNode(b *testing.B) {
	mem, red, memSID, redSID := benchNodes(b)
	nodes := []struct {
		name string
		n    *rtNode
		sid  string
	}{{"memory", mem, memSID}, {"redis", red, redSID}}
	for _, w := range workloads {
		b.Run(w.name, func(b *testing.B) {
			for _, node := range nodes {
				b.Run(node.name, func(b *testing.B) {
					n := node.n
					if err := w.call(n, node.sid); err != nil { // warm: the session held, the connection open
						b.Fatal(err)
					}
					n.resetRoundTrips()
					b.ReportAllocs()
					for b.Loop() {
						if err := w.call(n, node.sid); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
					b.ReportMetric(float64(n.roundTrips())/float64(b.N), "roundtrips/call")
				})
			}
		})
	}
}

// BenchmarkNodeRatio alternates the two nodes, so that the other load of a shared machine falls on both
// alike, and reports each one's calls/s and their ratio (redis/memory: the Redis node's throughput as a
// fraction of the memory node's). One op is one batch of calls on each node, each node going first every
// other op: one call (clients=1), or 8 concurrent calls from 8 clients (clients=8), where a call's wait for
// Redis overlaps the others' work. The control rows set two memory nodes against each other: how far from 1
// the ratio strays when the nodes are the same is the noise of the run.
func BenchmarkNodeRatio(b *testing.B) {
	mem, red, memSID, redSID := benchNodes(b)
	for _, w := range workloads {
		for _, clients := range []int{1, 8} {
			b.Run(fmt.Sprintf("%s/clients=%d", w.name, clients), func(b *testing.B) {
				ratio(b, w, clients, mem, memSID, "redis", red, redSID)
			})
		}
	}
	mem2 := startNode(b, nil, "")
	mem2SID := mem2.openLegacy(b)
	for _, clients := range []int{1, 8} {
		b.Run(fmt.Sprintf("control/legacy/clients=%d", clients), func(b *testing.B) {
			ratio(b, workloads[0], clients, mem, memSID, "memory2", mem2, mem2SID)
		})
	}
}

// ratio runs w on nodes x (the memory node) and y (yName) alternately, clients calls at a time, and reports
// each one's calls/s and y's throughput over x's.
func ratio(b *testing.B, w workload, clients int, x *rtNode, xSID, yName string, y *rtNode, ySID string) {
	batch := func(n *rtNode, sid string) time.Duration {
		t := time.Now()
		errs := make([]error, clients)
		var wg sync.WaitGroup
		for i := range clients {
			wg.Go(func() { errs[i] = w.call(n, sid) })
		}
		wg.Wait()
		d := time.Since(t)
		for _, err := range errs {
			if err != nil {
				b.Fatal(err)
			}
		}
		return d
	}
	batch(x, xSID)
	batch(y, ySID)
	var xT, yT time.Duration
	for i := 0; b.Loop(); i++ {
		if i%2 == 0 {
			xT += batch(x, xSID)
			yT += batch(y, ySID)
		} else {
			yT += batch(y, ySID)
			xT += batch(x, xSID)
		}
	}
	calls := float64(b.N * clients)
	b.ReportMetric(calls/xT.Seconds(), "memory-calls/s")
	b.ReportMetric(calls/yT.Seconds(), yName+"-calls/s")
	b.ReportMetric(xT.Seconds()/yT.Seconds(), yName+"/memory")
}
