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

	kept := streamable.EarlyCount(c.nodes[1].h, sid) // node 1 may still hold its copy of the first change
	t.Logf("node 1 holds %d kept copies before the second change", kept)
	server.Prompt(c.servers[1], "two", "", func(context.Context, struct{}) (string, error) { return "", nil })
	// The broadcast reaches node 1's copy asynchronously; resume once it is kept there (one arriving while
	// the GET stream is being opened is a window of its own, noted in issue 12's closing note). Counting
	// from what node 1 held before: "> 0" was already true by the first change's copy, so a loaded machine
	// resumed before the second arrived and saw 0 of it.
	waitUntil(t, "node 1 keeps the prompts/list_changed", func() bool { return streamable.EarlyCount(c.nodes[1].h, sid) > kept })
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

// TestResumeSkipsCopiesTheReplayDelivers: node 1 restores a session after its GET stream opened on node 0,
// so it heard no "get-opened" and keeps a copy of a change (tools/list_changed) that node 0 appends to the
// stream. The client resumes on node 1 from an event before that change: the replay delivers it, and node
// 1's copy is not delivered a second time.
func TestResumeSkipsCopiesTheReplayDelivers(t *testing.T) {
	c := newClusterOn(t, 2, nil, true)
	sid := c.open(t, 0)
	get := c.get(t, 0, sid, "")
	c.rootsChanged(t, 0, sid)
	before := get.expect(`"changed 1"`)
	c.hookDone(t)
	// Node 0 has published its "get-opened" before node 1 restores the session: otherwise, on a loaded
	// machine, node 1 subscribed first, heard it, and rightly kept no copy (a CI run failed so).
	waitUntil(t, "node 0 announces its GET stream", func() bool { return streamable.AnnouncesPublished(c.nodes[0].h, sid) })
	r := c.nodes[1].post(`{"jsonrpc":"2.0","id":9,"method":"ping"}`, "Mcp-Session-Id: "+sid, "MCP-Protocol-Version: 2025-11-25")
	readJSON(t, r)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("ping on node 1: %d", r.StatusCode)
	}
	server.Tool(c.servers[0], "one", "", func(context.Context, struct{}) (string, error) { return "", nil })
	waitUntil(t, "node 1 keeps its copy of the change", func() bool { return streamable.EarlyCount(c.nodes[1].h, sid) == 1 })
	get.close()

	resumed := c.get(t, 1, sid, before.id)
	c.rootsChanged(t, 1, sid)
	c.hookDone(t)
	n := 0
	for {
		ev := resumed.next()
		if strings.Contains(ev.data, `"changed 2"`) {
			break
		}
		if strings.Contains(ev.data, "notifications/tools/list_changed") {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("the resumed stream delivered tools/list_changed %d times, want 1", n)
	}
}
