package redis_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/mcpkit/mcpkit/internal/redistest"
)

// TestRoundTripsPerRequest counts the Redis round trips of each kind of request, over real HTTP, against
// the table "Redis round trips per request" in docs/SCALING.md. A round trip is one command or one
// pipeline through the go-redis client's hooks, plus one per Bus.Subscribe (countingBus). Counts are taken
// between requests on a node that nothing else uses, so they are exact, not sampled, and on a warm Redis
// (the store's scripts loaded: warmScripts).
func TestRoundTripsPerRequest(t *testing.T) {
	srv := redistest.Start(t)
	a := startNode(t, srv, "rt:")
	b := startNode(t, srv, "rt:") // a second node on the same Redis: restores a's sessions
	a.rt.Record()
	b.rt.Record()

	measure := func(t *testing.T, n *rtNode, want int64, f func()) {
		t.Helper()
		n.resetRoundTrips()
		f()
		if got := n.roundTrips(); got != want {
			t.Fatalf("%d Redis round trips, want %d: %v", got, want, n.rt.Names())
		}
	}

	t.Run("modern call needing no state", func(t *testing.T) {
		// The first call on a fresh node too: nothing to load, nothing to store.
		measure(t, a, 0, func() {
			for range 3 {
				a.call(t, modernAddBody(a.ids.Add(1)), modernHeaders, `"text":"3"`)
			}
		})
	})

	t.Run("modern call answering input_required, and its retry", func(t *testing.T) {
		var answers string
		// The first seal on a node reads the key ring (one script, creating the first key); then the node
		// uses its copy (Options.KeyCacheTTL, 1 s by default, an hour here).
		measure(t, a, 1, func() { answers = inputRequired(t, a) })
		measure(t, a, 0, func() { answers = inputRequired(t, a) })
		measure(t, a, 0, func() {
			a.call(t, modernGreetBody(a.ids.Add(1), answers), modernGreetHeaders, `hello Ada`)
		})
		// The retry on another node: its first open reads the ring there.
		answers = inputRequired(t, a)
		measure(t, b, 1, func() {
			b.call(t, modernGreetBody(b.ids.Add(1), answers), modernGreetHeaders, `hello Ada`)
		})
	})

	var sid string
	t.Run("legacy session opened", func(t *testing.T) {
		// SET NX of the new session, then SET XX of its state after initialize and again after
		// notifications/initialized: once per session.
		measure(t, a, 3, func() { sid = a.openLegacy(t) })
	})
	legacy := legacyHeaders(sid)
	add := func(t *testing.T, n *rtNode) {
		n.call(t, legacyCallBody(n.ids.Add(1), "add", `{"a":1,"b":2}`), legacy, `"text":"3"`)
	}

	t.Run("warm legacy session, JSON answer, node holds it", func(t *testing.T) {
		measure(t, a, 0, func() {
			for range 3 {
				add(t, a)
			}
		})
	})

	t.Run("legacy session, another node", func(t *testing.T) {
		measure(t, b, 1, func() { add(t, b) }) // GETEX: the session restored from Redis
		measure(t, b, 0, func() { add(t, b) }) // and cached on b
	})

	t.Run("state change", func(t *testing.T) {
		measure(t, a, 1, func() { // SET XX of the session's new state
			a.call(t, `{"jsonrpc":"2.0","id":`+fmt.Sprint(a.ids.Add(1))+`,"method":"logging/setLevel","params":{"level":"debug"}}`, legacy, `"result"`)
		})
	})

	t.Run("legacy request streaming n events", func(t *testing.T) {
		const n = 5
		// The priming event, the n notifications and the answer are appended one by one (n+2), and the
		// stream is deleted once its answer reached the client (+1), before the response ends.
		measure(t, a, n+3, func() {
			body := a.call(t, legacyCallBody(a.ids.Add(1), "stream", `{"n":5}`), legacy, `"text":"done"`)
			if got := strings.Count(body, "notifications/progress"); got != n {
				t.Fatalf("%d progress notifications in %s", got, body)
			}
		})
	})

	t.Run("resume with Last-Event-ID", func(t *testing.T) {
		// A call whose client goes away after the tool's two notifications, while the tool still runs
		// (waiting for a.hold); it resumes after the first. Both notifications were appended before they
		// were sent: nothing of the call itself is still under way when the count starts.
		resp := a.do(t, "POST", legacyCallBody(a.ids.Add(1), "hold", `{}`), legacy)
		r := bufio.NewReader(resp.Body)
		var got []sseEvent
		for len(got) < 2 {
			ev, err := nextEvent(r)
			if err != nil {
				t.Fatal(err)
			}
			if ev.data != "" { // not the priming event
				got = append(got, ev)
			}
		}
		first := got[0]
		if !strings.Contains(first.data, `"progress":1`) || first.id == "" || !strings.Contains(got[1].data, `"progress":2`) {
			t.Fatalf("events %+v", got)
		}
		resp.Body.Close()

		var rest *bufio.Reader
		var res *http.Response
		measure(t, a, 1, func() { // the replay of what the stream holds after the id (one script)
			hdr := legacyHeaders(sid)
			hdr["Last-Event-ID"] = first.id
			res = a.do(t, "GET", "", hdr)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("resume: status %d", res.StatusCode)
			}
			rest = bufio.NewReader(res.Body)
			ev, err := nextEvent(rest)
			if err != nil || !strings.Contains(ev.data, `"progress":2`) {
				t.Fatalf("replayed %+v, %v", ev, err)
			}
		})
		defer res.Body.Close()
		a.hold <- struct{}{}
		for {
			ev, err := nextEvent(rest)
			if err == io.EOF {
				t.Fatal("the resumed stream ended without the answer")
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(ev.data, `"released"`) {
				break
			}
		}
	})
}

// inputRequired calls greet without an answer and returns the params members of its retry: the answer
// (Ada) to the elicitation it asked for, and its requestState.
func inputRequired(t *testing.T, n *rtNode) string {
	t.Helper()
	body := n.call(t, modernGreetBody(n.ids.Add(1), ""), modernGreetHeaders, `"input_required"`)
	var resp struct {
		Result struct {
			InputRequests map[string]json.RawMessage `json:"inputRequests"`
			RequestState  string                     `json:"requestState"`
		} `json:"result"`
	}
	if err := json.Unmarshal([]byte(body), &resp); err != nil || len(resp.Result.InputRequests) != 1 || resp.Result.RequestState == "" {
		t.Fatalf("input_required result %s: %v", body, err)
	}
	var key string
	for k := range resp.Result.InputRequests {
		key = k
	}
	k, _ := json.Marshal(key)
	st, _ := json.Marshal(resp.Result.RequestState)
	return `,"inputResponses":{` + string(k) + `:{"action":"accept","content":{"name":"Ada"}}},"requestState":` + string(st)
}
