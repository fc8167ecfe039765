package streamable_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// waitUntil polls cond until it holds (10 s at most, then the test fails with what).
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("not within 10s: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestResumedGETDeliversBroadcastsOnce: a legacy session held by two nodes on a bus; its GET stream is on
// node 0. A change made on node 1 (tools/list_changed) reaches the client once, through node 0. The client's
// GET drops; a change made while no GET is open (prompts/list_changed) is kept; the client resumes with
// Last-Event-ID on node 1: it gets the second change once and not the first again (node 1 kept its own copy
// of the first while node 0 delivered it, and flushed that copy into the resumed stream).
func TestResumedGETDeliversBroadcastsOnce(t *testing.T) {
	c := newClusterOn(t, 2, nil, true)
	sid := c.open(t, 0)
	r := c.nodes[1].post(`{"jsonrpc":"2.0","id":9,"method":"ping"}`, "Mcp-Session-Id: "+sid, "MCP-Protocol-Version: 2025-11-25")
	readJSON(t, r)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("ping on node 1: %d", r.StatusCode)
	}

	get := c.get(t, 0, sid, "")
	waitUntil(t, "node 1 hears of the GET stream on node 0", func() bool { return streamable.GETHeldElsewhere(c.nodes[1].h, sid) })
	server.Tool(c.servers[1], "one", "", func(context.Context, struct{}) (string, error) { return "", nil })
	seen := get.expect("notifications/tools/list_changed")
	get.close()
	waitUntil(t, "node 1 hears that the GET stream on node 0 ended", func() bool { return !streamable.GETHeldElsewhere(c.nodes[1].h, sid) })

	server.Prompt(c.servers[1], "two", "", func(context.Context, struct{}) (string, error) { return "", nil })
	resumed := c.get(t, 1, sid, seen.id)
	c.rootsChanged(t, 1, sid) // "changed 1", then "changed 2": what follows the resume's replay
	c.hookDone(t)
	c.rootsChanged(t, 1, sid)
	c.hookDone(t)
	counts := map[string]int{}
	for counts[`"changed 2"`] == 0 {
		ev := resumed.next()
		for _, m := range []string{"notifications/tools/list_changed", "notifications/prompts/list_changed", `"changed 1"`, `"changed 2"`} {
			if strings.Contains(ev.data, m) {
				counts[m]++
			}
		}
	}
	if counts["notifications/tools/list_changed"] != 0 || counts["notifications/prompts/list_changed"] != 1 {
		t.Fatalf("after the resume: %d tools/list_changed (delivered before the drop: want 0), %d prompts/list_changed (want 1)",
			counts["notifications/tools/list_changed"], counts["notifications/prompts/list_changed"])
	}
}
