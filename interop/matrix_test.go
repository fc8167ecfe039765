package interop

import (
	"fmt"
	"math/rand/v2"
	"path"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The peer matrix: every driver (the Inspector CLI, the TypeScript SDK clients, our client, each in the
// eras it speaks) against every endpoint of a front (the bridge in its two directions today; the gateway
// next) in front of every upstream peer (server-everything, go-sdk's everything-server, our demo). What
// each peer must answer comes from that peer's own code (peerProfile); a per-run token in the arguments
// shows that the answer travelled through the front rather than being cached or invented.

// endpointKind is how a driver reaches a front.
type endpointKind string

const (
	kindMCP   endpointKind = "mcp"   // Streamable HTTP, a URL ending in /mcp
	kindSSE   endpointKind = "sse"   // HTTP+SSE, a URL ending in /sse
	kindStdio endpointKind = "stdio" // a command the driver starts and talks to over stdin/stdout
)

// matrixEndpoint is one downstream endpoint of a front.
type matrixEndpoint struct {
	Kind    endpointKind
	URL     string   // for mcp and sse
	Command []string // for stdio: the program and its arguments
}

func (e matrixEndpoint) String() string {
	if e.Kind == kindStdio {
		return "stdio"
	}
	return string(e.Kind)
}

// matrixFront is one way of reaching an upstream peer: the endpoints a downstream client uses, and how the
// upstream's names appear there.
type matrixFront struct {
	// Name names the front in subtest names ("bridge-stdio", "bridge-url", "gateway").
	Name string
	// Endpoints are where the drivers connect.
	Endpoints []matrixEndpoint
	// Names maps an upstream tool or prompt name (kind "tool" or "prompt") or resource URI (kind "uri") to
	// the name the front serves it under. Nil is the identity (the bridge). The gateway's is
	// namespaced(NAME, "tool", "prompt", "uri"): "NAME__echo", "NAME+demo://…".
	Names func(kind, name string) string
	// Serial runs each run of a driver that answers questions (Asks) alone on the front; the others run
	// beside each other (each run still takes a slot). A front whose upstream session is shared by every
	// downstream client and cannot tie the upstream's questions to a call (the gateway in front of a
	// legacy upstream) refuses a question while another client's request to that upstream is in flight
	// (docs/GATEWAY.md, Limits): the elicitation and sampling steps need the upstream to themselves.
	Serial bool
}

func (f matrixFront) name(kind, n string) string {
	if f.Names == nil {
		return n
	}
	return f.Names(kind, n)
}

// matrixAsk is a round trip in which the upstream asks the client something during a tool call.
type matrixAsk struct {
	Tool   string         `json:"tool"`
	Args   map[string]any `json:"args"`
	Answer map[string]any `json:"answer,omitempty"` // elicitation: the accepted form content
	Reply  string         `json:"reply,omitempty"`  // sampling: the text the "model" replies
	Seen   string         `json:"-"`                // what the client's handler must see in the question
	Want   string         `json:"-"`                // what the tool's result must contain
}

// matrixPlan is what a driver does against one endpoint, and (the fields not sent to the node script) what
// it must get back. Names in it are the upstream's; runPeerMatrix maps them for the front.
type matrixPlan struct {
	Tool       string            `json:"tool"`
	ToolArgs   map[string]string `json:"toolArgs"`
	ToolWant   string            `json:"-"`
	Listed     string            `json:"-"` // a resource URI resources/list must contain
	Resource   string            `json:"resource"`
	ResourceW  string            `json:"-"`
	Prompt     string            `json:"prompt"`
	PromptArgs map[string]string `json:"promptArgs"`
	PromptWant string            `json:"-"`
	Elicit     *matrixAsk        `json:"elicit,omitempty"`
	Sample     *matrixAsk        `json:"sample,omitempty"`
}

// peerProfile is an upstream peer as the matrix knows it: its plan for a token (a fresh string per driver
// run, so that an answer that comes back was computed from this run's arguments).
type peerProfile struct {
	Name string
	Plan func(tok string, n int) matrixPlan
}

// matrixSeen is what a driver observed. A step that failed has its error under Errors[step] (the step
// names are the JSON names of the other fields).
type matrixSeen struct {
	Tools        []string          `json:"tools"`
	ToolText     string            `json:"toolText"`
	Resources    []string          `json:"resources"`
	ResourceText string            `json:"resourceText"`
	Prompts      []string          `json:"prompts"`
	PromptText   string            `json:"promptText"`
	ElicitText   string            `json:"elicitText"`
	ElicitSeen   []string          `json:"elicitSeen"`
	SampleText   string            `json:"sampleText"`
	SampleSeen   []string          `json:"sampleSeen"`
	Errors       map[string]string `json:"errors"`
}

// matrixDriver is one client in one era.
type matrixDriver struct {
	// Name names the driver in subtest names.
	Name string
	// Kinds are the endpoint kinds it can reach.
	Kinds []endpointKind
	// Asks reports whether it answers elicitation and sampling (registers handlers).
	Asks bool
	// Run connects to ep, runs plan and returns what it saw, with diagnostics to show when the run fails
	// (the client's or the front's stderr). Its error is for a driver that could not run at all (a program
	// that did not start, output that does not parse); what the peer or the front got wrong is in the
	// returned matrixSeen. It must return within matrixRunTimeout or so.
	Run func(ep matrixEndpoint, plan matrixPlan) (seen matrixSeen, diagnostics string, err error)
}

// matrixSlots and inspectorSlots bound the driver runs in flight across every matrix of the test binary
// (each run has one client process or session at a time): most of a run is spent waiting for node
// processes to start and answer, so a few more than the cores keep them busy.
var (
	matrixSlots    = make(chan struct{}, 3)
	inspectorSlots = make(chan struct{}, 4)
)

// peerMatrix is a matrix whose runs have started (startPeerMatrix); report waits for them. A test with
// several fronts starts them all before reporting any, so that their runs overlap.
type peerMatrix struct {
	front matrixFront
	runs  []*matrixRun
}

// matrixRun is one driver's run against one endpoint.
type matrixRun struct {
	name  string // endpoint/driver
	ep    matrixEndpoint
	d     matrixDriver
	plan  matrixPlan
	done  chan struct{} // closed when the fields below are set
	seen  matrixSeen
	diag  string
	err   error
	spent time.Duration
}

// startPeerMatrix starts every driver that can reach each endpoint of front, all at once; report then
// shows each run in a subtest named endpoint/driver, checked against peer's plan. They are the one entry
// point for a new front: start the front in front of the peer, describe its endpoints (and its name
// mapping) in a matrixFront, and call startPeerMatrix(t, front, peer, matrixDrivers(t)).report(t, known).
//
// The gateway is one more front, a few lines in a test: write its config file listing several upstreams
// under names (server-everything over stdio, go-sdk's everything-server with -http on a loopback port,
// the demo), start `mcpkit gateway --config FILE --addr ADDR` with servicetest.Listening as
// bridgeStdioFront starts the bridge, then for each upstream NAME and its peerProfile call
//
//	startPeerMatrix(t, matrixFront{Name: "gateway-" + NAME, Endpoints: []matrixEndpoint{
//		{Kind: kindMCP, URL: base + "/mcp"}, {Kind: kindSSE, URL: base + "/sse"}},
//		Names: namespaced(NAME, "tool", "prompt", "uri")}, peer, drivers).report(t, known)
//
// Start every upstream's matrix before reporting any, as TestPeerMatrixBridge does. namespaced maps the
// upstream's tool "echo" to "NAME__echo" (and prompts, and with "uri" a URI to "NAME+uri");
// TestPeerMatrixGateway (matrix_gateway_test.go) is that test.
//
// known lists the steps known to fail, each with its reason: a key is "endpoint/driver/step" (path.Match
// patterns, so "*/*/sampleText" is every run's sampling step; the steps are the JSON names of matrixSeen's
// fields, and "connect"). A known step that fails is logged; one that passes fails the test, so that the
// list cannot outlive the failure it describes.
//
// Each run has its own goroutine, bounded by the slots of its kind of driver (inspectorSlots for the Inspector CLI, whose six processes one after the other make the
// longest runs, matrixSlots for the others). report waits for every run; so does a cleanup of t
// (registered after the front's, so it runs first), for a test that ends before it reports.
func startPeerMatrix(t *testing.T, front matrixFront, peer peerProfile, drivers []matrixDriver) *peerMatrix {
	m := &peerMatrix{front: front}
	var serial sync.RWMutex
	t.Cleanup(func() {
		for _, r := range m.runs {
			<-r.done
		}
	})
	for _, ep := range front.Endpoints {
		for _, d := range drivers {
			if !slices.Contains(d.Kinds, ep.Kind) {
				continue
			}
			n := 100 + rand.IntN(900000)
			r := &matrixRun{name: ep.String() + "/" + d.Name, ep: ep, d: d, plan: peer.Plan(fmt.Sprintf("mx%d", n), n), done: make(chan struct{})}
			m.runs = append(m.runs, r)
			slots := matrixSlots
			if d.Name == "inspector" {
				slots = inspectorSlots
			}
			go func() {
				defer close(r.done)
				switch {
				case front.Serial && r.d.Asks:
					serial.Lock()
					defer serial.Unlock()
				case front.Serial:
					serial.RLock()
					defer serial.RUnlock()
				}
				slots <- struct{}{}
				defer func() { <-slots }()
				start := time.Now()
				r.seen, r.diag, r.err = r.d.Run(r.ep, mapPlan(front, r.plan))
				r.spent = time.Since(start)
			}()
		}
	}
	return m
}

// report waits for each run and reports it in a subtest named endpoint/driver (see startPeerMatrix for
// known).
func (m *peerMatrix) report(t *testing.T, known map[string]string) {
	t.Helper()
	for _, r := range m.runs {
		t.Run(r.name, func(t *testing.T) {
			<-r.done
			if r.err != nil {
				t.Fatalf("%v\n%s", r.err, r.diag)
			}
			t.Logf("ran in %v", r.spent.Round(time.Millisecond))
			problems := checkSeen(m.front, r.plan, r.seen, r.d.Asks)
			for _, step := range matrixSteps {
				why := knownFailure(known, r.name+"/"+step)
				switch {
				case len(problems[step]) > 0 && why != "":
					t.Logf("%s: known failure (%s): %s", step, why, strings.Join(problems[step], "; "))
				case len(problems[step]) > 0:
					t.Errorf("%s: %s", step, strings.Join(problems[step], "; "))
				case why != "" && (step != "elicitText" && step != "sampleText" || r.d.Asks):
					t.Errorf("%s passed but is listed as a known failure (%s): remove it from the list", step, why)
				}
			}
			if t.Failed() && r.diag != "" {
				t.Logf("diagnostics:\n%s", r.diag)
			}
		})
	}
}

// matrixSteps are the steps of a plan, in order.
var matrixSteps = []string{"connect", "tools", "toolText", "resources", "resourceText", "prompts", "promptText", "elicitText", "sampleText", "close"}

// knownFailure returns the reason given for the first pattern of known that matches key.
func knownFailure(known map[string]string, key string) string {
	for pattern, why := range known {
		if ok, _ := path.Match(pattern, key); ok {
			return why
		}
	}
	return ""
}

// mapPlan returns plan with its tool and prompt names and resource URIs as front serves them.
func mapPlan(front matrixFront, plan matrixPlan) matrixPlan {
	p := plan
	p.Tool = front.name("tool", plan.Tool)
	p.Prompt = front.name("prompt", plan.Prompt)
	p.Resource = front.name("uri", plan.Resource)
	if plan.Elicit != nil {
		e := *plan.Elicit
		e.Tool = front.name("tool", e.Tool)
		p.Elicit = &e
	}
	if plan.Sample != nil {
		s := *plan.Sample
		s.Tool = front.name("tool", s.Tool)
		p.Sample = &s
	}
	return p
}

// checkSeen compares what a driver saw with the peer's plan (upstream names, mapped here for the lists)
// and returns the problems of each step.
func checkSeen(front matrixFront, plan matrixPlan, seen matrixSeen, asks bool) map[string][]string {
	problems := map[string][]string{}
	add := func(step, format string, args ...any) {
		problems[step] = append(problems[step], fmt.Sprintf(format, args...))
	}
	for step, err := range seen.Errors {
		add(step, "failed: %s", err)
	}
	if seen.Errors["connect"] != "" {
		return problems
	}
	has := func(step string, list []string, want string) {
		if seen.Errors[step] == "" && !slices.Contains(list, want) {
			add(step, "the list lacks %q: %q", want, list)
		}
	}
	text := func(step, got, want string) {
		if seen.Errors[step] == "" && !strings.Contains(got, want) {
			add(step, "got %q, want it to contain %q", got, want)
		}
	}
	has("tools", seen.Tools, front.name("tool", plan.Tool))
	text("toolText", seen.ToolText, plan.ToolWant)
	has("resources", seen.Resources, front.name("uri", plan.Listed))
	text("resourceText", seen.ResourceText, plan.ResourceW)
	has("prompts", seen.Prompts, front.name("prompt", plan.Prompt))
	text("promptText", seen.PromptText, plan.PromptWant)
	if !asks {
		return problems
	}
	if e := plan.Elicit; e != nil {
		has("tools", seen.Tools, front.name("tool", e.Tool))
		text("elicitText", seen.ElicitText, e.Want)
		if len(seen.ElicitSeen) != 1 || !strings.Contains(seen.ElicitSeen[0], e.Seen) {
			add("elicitText", "the elicitation handler saw %q, want one question containing %q", seen.ElicitSeen, e.Seen)
		}
	}
	if s := plan.Sample; s != nil {
		has("tools", seen.Tools, front.name("tool", s.Tool))
		text("sampleText", seen.SampleText, s.Want)
		if len(seen.SampleSeen) != 1 || !strings.Contains(seen.SampleSeen[0], s.Seen) {
			add("sampleText", "the sampling handler saw %q, want one request containing %q", seen.SampleSeen, s.Seen)
		}
	}
	return problems
}
