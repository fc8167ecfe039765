package interop

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/internal/servicetest"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// The peer matrix through `mcpkit gateway`: one gateway process whose config file lists the real
// upstreams at once, each reached by the drivers under its namespace.

// gatewayUpstreamState is one upstream in the gateway's /readyz body.
type gatewayUpstreamState struct {
	Name     string `json:"name"`
	State    string `json:"state"`
	Version  string `json:"version"`
	Error    string `json:"error"`
	Connects int    `json:"connects"`
}

// runningGateway is an `mcpkit gateway` process started by startGatewayProcess.
type runningGateway struct {
	base string // http://127.0.0.1:PORT
	cmd  *exec.Cmd
	proc *servicetest.Proc
}

// startGatewayProcess writes config (a host config file) to a temporary folder and runs `mcpkit gateway
// --config FILE --addr ADDR extra…` on a free loopback port until the test ends, then waits until its
// /readyz lists every upstream of want as up (two minutes at most: the stdio children start node).
func startGatewayProcess(t *testing.T, config string, want []string, extra ...string) *runningGateway {
	t.Helper()
	file := filepath.Join(t.TempDir(), "mcp.json")
	if err := os.WriteFile(file, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	bin := matrixBinary(t)
	gw := servicetest.Retry(t, func() (*runningGateway, error) {
		port, err := servicetest.FreePort()
		if err != nil {
			return nil, err
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		cmd := exec.Command(bin, append([]string{"gateway", "--config", file, "--addr", addr}, extra...)...)
		p, err := servicetest.StartCmd(cmd)
		if err != nil {
			return nil, err
		}
		if err := p.WaitReady("mcpkit gateway on "+addr, func() error {
			c, err := net.Dial("tcp", addr)
			if err == nil {
				c.Close()
			}
			return err
		}); err != nil {
			p.Kill()
			return nil, err
		}
		return &runningGateway{"http://" + addr, cmd, p}, nil
	})
	t.Cleanup(func() {
		gw.proc.Kill()
		if t.Failed() {
			t.Logf("the gateway said:\n%s", gw.proc.Output())
		}
	})
	deadline := time.Now().Add(2 * time.Minute)
	for {
		states, err := gw.upstreams()
		up := 0
		for _, s := range states {
			for _, w := range want {
				if s.Name == w && s.State == "up" {
					up++
				}
			}
		}
		if err == nil && up == len(want) {
			return gw
		}
		if time.Now().After(deadline) {
			t.Fatalf("the gateway's upstreams are not all up after 2 minutes: %+v %v\n%s", states, err, gw.proc.Output())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// upstreams returns the upstreams' states from the gateway's /readyz.
func (g *runningGateway) upstreams() ([]gatewayUpstreamState, error) {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(g.base + "/readyz")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var r struct {
		Upstreams []gatewayUpstreamState `json:"upstreams"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, err
	}
	return r.Upstreams, nil
}

// gatewayFront is the matrix front of one upstream of the gateway at base: its /mcp and /sse, with the
// upstream's tools and prompts as NAME__name and its URIs as NAME+uri.
func gatewayFront(base, name string, serial bool) matrixFront {
	return matrixFront{Name: "gateway-" + name, Serial: serial, Endpoints: []matrixEndpoint{
		{Kind: kindMCP, URL: base + "/mcp"},
		{Kind: kindSSE, URL: base + "/sse"},
	}, Names: namespaced(name, "tool", "prompt", "uri")}
}

// hostConfig renders a host config file (mcpServers) from server entries, each a JSON object's members.
func hostConfig(entries map[string]string, order []string) string {
	var b strings.Builder
	b.WriteString("{\"mcpServers\": {\n")
	for i, name := range order {
		if i > 0 {
			b.WriteString(",\n")
		}
		b.WriteString("  " + strconv.Quote(name) + ": {" + entries[name] + "}")
	}
	b.WriteString("\n}}\n")
	return b.String()
}

// jsonArgs renders a command and its arguments as an entry's "command" and "args" members.
func jsonArgs(command string, args ...string) string {
	a, _ := json.Marshal(args)
	if args == nil {
		a = []byte("[]")
	}
	return `"command": ` + strconv.Quote(command) + `, "args": ` + string(a)
}

// TestPeerMatrixGateway runs the peer matrix through ONE `mcpkit gateway` whose config file lists seven
// upstreams at once: server-everything over stdio, Streamable HTTP and HTTP+SSE; go-sdk's everything-
// server over stdio (pinned to the legacy era with the entry's "gateway" member: at 2026-07-28 its tools
// cannot ask, see goSDKModernAsks) and with -http; our demo as `mcpkit serve` serves it (Streamable HTTP,
// where the gateway speaks 2026-07-28) and as `mcpkit serve --stdio`. Every driver reaches each upstream
// on the gateway's /mcp and /sse, under the namespace (NAME__tool, NAME__prompt, NAME+uri).
// server-everything listens on every interface, so the whole test runs in a private network namespace.
//
// The gateway shares one upstream session between its clients; a legacy upstream's question (elicitation,
// sampling) cannot be tied to a call and is refused while another client's request to that upstream is
// in flight (docs/GATEWAY.md, Limits). The fronts of legacy upstreams therefore run their drivers one at
// a time (matrixFront.Serial: the Inspector CLI, which answers no question, beside the others); the
// upstreams run side by side. The demo's upstream is 2026-07-28, whose
// questions come inside the call: its drivers run at once.
func TestPeerMatrixGateway(t *testing.T) {
	t.Parallel()
	node := peers(t)
	bin := matrixBinary(t) // built here, once, for the re-run in the namespace too
	gosdk := goSDKEverything(t)
	if !inPrivateNetwork(t) {
		return
	}
	drivers := matrixDrivers(t)
	gosdkAddr, _ := servicetest.Listening(t, "go-sdk everything -http", gosdk, func(addr string) []string {
		return []string{"-http", addr}
	})
	entries := map[string]string{
		"everything":      jsonArgs(node, everythingScript(), "stdio"),
		"everything-http": `"url": ` + strconv.Quote(startEverything(t, node, "streamableHttp")+"/mcp"),
		"everything-sse":  `"type": "sse", "url": ` + strconv.Quote(startEverything(t, node, "sse")+"/sse"),
		"gosdk":           jsonArgs(gosdk) + `, "gateway": {"protocolEra": "legacy"}`,
		"gosdk-http":      `"url": ` + strconv.Quote("http://"+gosdkAddr+"/mcp"),
		"demo":            `"url": ` + strconv.Quote(demoURL(t)+"/mcp"),
		"demo-stdio":      jsonArgs(bin, "serve", "--stdio"),
	}
	order := []string{"everything", "everything-http", "everything-sse", "gosdk", "gosdk-http", "demo", "demo-stdio"}
	start := time.Now()
	gw := startGatewayProcess(t, hostConfig(entries, order), order)
	states, _ := gw.upstreams()
	t.Logf("gateway up in %v; upstreams: %+v", time.Since(start).Round(time.Millisecond), states)

	// go-sdk's one elicitation tool is named "elicit (form)": its namespaced name has characters outside
	// the specification's tool-name set, so the gateway does not offer it (docs/GATEWAY.md, Names) and
	// its elicitation round trip cannot be asked through the gateway. checkHiddenTool shows it hidden.
	goSDKThroughGateway := peerProfile{Name: goSDKPeer.Name, Plan: func(tok string, n int) matrixPlan {
		p := goSDKPeer.Plan(tok, n)
		p.Elicit = nil
		return p
	}}
	peerOf := map[string]peerProfile{
		"everything": everythingPeer, "everything-http": everythingPeer, "everything-sse": everythingPeer,
		"gosdk": goSDKThroughGateway, "gosdk-http": goSDKThroughGateway, "demo": demoPeer, "demo-stdio": demoPeer,
	}
	legacy := map[string]bool{"everything": true, "everything-http": true, "everything-sse": true, "gosdk": true, "gosdk-http": true}
	matrices := map[string]*peerMatrix{}
	for _, name := range order {
		matrices[name] = startPeerMatrix(t, gatewayFront(gw.base, name, legacy[name]), peerOf[name], drivers)
	}
	for _, name := range order {
		t.Run(name, func(t *testing.T) { matrices[name].report(t, nil) })
	}
	t.Run("hidden-tool", func(t *testing.T) { checkHiddenTool(t, gw, "gosdk", "elicit (form)") })
}

// checkHiddenTool checks that the gateway does not offer upstream's tool (a name outside the tool-name
// characters: listing it namespaced would break the specification's rule) and calls it unknown, and
// that it said so on stderr, naming the tool.
func checkHiddenTool(t *testing.T, gw *runningGateway, upstream, tool string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	stream, err := streamable.NewClient(gw.base+"/mcp", nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := client.Connect(ctx, stream, &client.Options{ProtocolVersion: mcp.Version20251125})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	name := upstream + "__" + tool
	var others int
	for tl, err := range s.Tools(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		if tl.Name == name {
			t.Fatalf("the gateway lists %q", name)
		}
		if strings.HasPrefix(tl.Name, upstream+"__") {
			others++
		}
	}
	if others == 0 {
		t.Fatalf("the gateway lists none of %s's tools", upstream)
	}
	if _, err := s.CallTool(ctx, name, map[string]any{}); err == nil || !strings.Contains(err.Error(), "unknown tool") {
		t.Fatalf("calling %q: %v, want an unknown tool error", name, err)
	}
	// The stderr also carries go-sdk's own trace of its traffic ("write: {…tools…}"): only the gateway's
	// warnings (slog's level=WARN) count.
	warned := false
	for _, line := range strings.Split(gw.proc.Output(), "\n") {
		warned = warned || strings.Contains(line, "level=WARN") && strings.Contains(line, tool)
	}
	if !warned {
		t.Errorf("no warning naming %q on the gateway's stderr (an upstream tool it does not offer is named in its log)", tool)
	}
}
