package interop

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/internal/syncbuf"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport/sse"
	"github.com/mcpkit/mcpkit/transport/stdio"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// matrixDrivers returns the matrix's drivers: the Inspector CLI 2.12.0 (its default era, 2025-11-25; it
// declares neither elicitation nor sampling and has no way to answer them, so those round trips are not
// asked of it), @modelcontextprotocol/sdk 1.32.2 (legacy), @modelcontextprotocol/client 2.4.0 legacy and
// pinned 2026-07-28, and our client pinned to 2025-11-25 and to 2026-07-28. HTTP+SSE is a legacy
// transport: the 2026-07-28 drivers do not reach /sse.
func matrixDrivers(t *testing.T) []matrixDriver {
	t.Helper()
	node := peers(t)
	all := []endpointKind{kindMCP, kindSSE, kindStdio}
	noSSE := []endpointKind{kindMCP, kindStdio}
	return []matrixDriver{
		{Name: "inspector", Kinds: all, Run: runInspectorPlan},
		{Name: "ts-v1", Kinds: all, Asks: true, Run: tsDriver(node, "v1")},
		{Name: "ts-v2-legacy", Kinds: all, Asks: true, Run: tsDriver(node, "v2-legacy")},
		{Name: "ts-v2-2026-07-28", Kinds: noSSE, Asks: true, Run: tsDriver(node, "v2-modern")},
		{Name: "go-2025-11-25", Kinds: all, Asks: true, Run: goDriver(mcp.Version20251125)},
		{Name: "go-2026-07-28", Kinds: noSSE, Asks: true, Run: goDriver(mcp.Version20260728)},
	}
}

// matrixRunTimeout bounds one driver process or session: generous, because the machines these tests
// run on are shared and often loaded far beyond their cores.
const matrixRunTimeout = 2 * time.Minute

// tsDriver runs node/matrix.mjs with the given SDK mode.
func tsDriver(node, sdk string) func(ep matrixEndpoint, plan matrixPlan) (matrixSeen, string, error) {
	script, _ := filepath.Abs(filepath.Join("node", "matrix.mjs"))
	return func(ep matrixEndpoint, plan matrixPlan) (matrixSeen, string, error) {
		var seen matrixSeen
		target := ep.URL
		if ep.Kind == kindStdio {
			b, _ := json.Marshal(ep.Command)
			target = string(b)
		}
		p, err := json.Marshal(plan)
		if err != nil {
			return seen, "", err
		}
		ctx, cancel := context.WithTimeout(context.Background(), matrixRunTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, node, script, sdk, string(ep.Kind), target, string(p))
		cmd.Env = nodeEnv()
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return seen, stderr.String(), fmt.Errorf("node matrix.mjs: %v\nstdout: %s", err, out)
		}
		if err := json.Unmarshal(out, &seen); err != nil {
			return seen, stderr.String(), fmt.Errorf("matrix.mjs printed %q: %v", out, err)
		}
		return seen, "node's stderr:\n" + stderr.String(), nil
	}
}

// runInspectorPlan runs one Inspector CLI process per method, in two lanes: tools/list and call,
// resources/list and read, prompts/list and get. Each records its outcome under mu.
func runInspectorPlan(ep matrixEndpoint, plan matrixPlan) (matrixSeen, string, error) {
	target := []string{ep.URL}
	if ep.Kind == kindStdio {
		target = ep.Command
	}
	launcher := filepath.Join(os.Getenv("MCPKIT_PEERS"), "node_modules", "@modelcontextprotocol", "inspector", "clients", "launcher", "build", "index.js")
	seen := matrixSeen{Errors: map[string]string{}}
	var mu sync.Mutex
	var diag strings.Builder
	run := func(step string, into any, done func(), args ...string) {
		// Its connect timeout is 15 s by default: too short on a loaded machine.
		argv := append(append(append([]string{launcher, "--cli"}, target...), args...), "--format", "json", "--connect-timeout", "60000")
		var stdout, stderr bytes.Buffer
		var err error
		if ep.Kind != kindStdio && strings.HasSuffix(args[1], "/list") {
			// A list is the endpoint's whole answer, the same for every front that shares the endpoint
			// (the gateway's upstreams): one process per endpoint and list.
			stdout, stderr, err = inspectorLists.run(strings.Join(argv, "\x00"), func() (bytes.Buffer, bytes.Buffer, error) {
				return runInspectorProcess(argv)
			})
		} else {
			stdout, stderr, err = runInspectorProcess(argv)
		}
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(&diag, "--- inspector %s: %v\n%s", step, err, stderr.String())
		if err != nil {
			seen.Errors[step] = fmt.Sprintf("%v: %s %s", err, lastLine(stderr.String()), lastLine(stdout.String()))
			return
		}
		// --format json prints {"result": …}.
		var wrapped struct {
			Result jsontext.Value `json:"result"`
		}
		raw := stdout.Bytes()
		if err := json.Unmarshal(raw, &wrapped); err == nil && len(wrapped.Result) > 0 {
			raw = wrapped.Result
		}
		if err := json.Unmarshal(raw, into); err != nil {
			seen.Errors[step] = "unparseable output: " + err.Error() + ": " + stdout.String()
			return
		}
		done()
	}
	args := []string{"--method", "tools/call", "--tool-name", plan.Tool}
	for k, v := range plan.ToolArgs {
		args = append(args, "--tool-arg", k+"="+v)
	}
	pargs := []string{"--method", "prompts/get", "--prompt-name", plan.Prompt}
	for k, v := range plan.PromptArgs {
		pargs = append(pargs, "--prompt-args", k+"="+v)
	}
	var (
		tools     mcp.ListToolsResult
		res       mcp.CallToolResult
		resources mcp.ListResourcesResult
		read      mcp.ReadResourceResult
		prompts   mcp.ListPromptsResult
		prompt    mcp.GetPromptResult
	)
	// Two lanes of three processes: a process that starts a stdio server waits for it to exit, seconds
	// for server-everything, so six in a row make the matrix's longest run.
	var wg sync.WaitGroup
	wg.Go(func() {
		run("tools", &tools, func() {
			for _, tl := range tools.Tools {
				seen.Tools = append(seen.Tools, tl.Name)
			}
		}, "--method", "tools/list")
		run("toolText", &res, func() {
			if res.IsError {
				seen.Errors["toolText"] = "isError: " + toolText(&res)
			}
			seen.ToolText = toolText(&res)
		}, args...)
		run("resources", &resources, func() {
			for _, r := range resources.Resources {
				seen.Resources = append(seen.Resources, r.URI)
			}
		}, "--method", "resources/list")
	})
	wg.Go(func() {
		run("resourceText", &read, func() { seen.ResourceText = readText(&read) }, "--method", "resources/read", "--uri", plan.Resource)
		run("prompts", &prompts, func() {
			for _, p := range prompts.Prompts {
				seen.Prompts = append(seen.Prompts, p.Name)
			}
		}, "--method", "prompts/list")
		run("promptText", &prompt, func() { seen.PromptText = promptText(&prompt) }, pargs...)
	})
	wg.Wait()
	return seen, diag.String(), nil
}

// runInspectorProcess runs the Inspector with argv (after the node binary) and a scratch HOME, bounded by
// matrixRunTimeout, and returns what it printed.
func runInspectorProcess(argv []string) (stdout, stderr bytes.Buffer, err error) {
	home, err := os.MkdirTemp("", "matrix-inspector")
	if err != nil {
		return stdout, stderr, err
	}
	defer os.RemoveAll(home)
	ctx, cancel := context.WithTimeout(context.Background(), matrixRunTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Getenv("MCPKIT_NODE"), argv...)
	cmd.Env = append(nodeEnv(), "HOME="+home) // it writes a catalog and state under HOME
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	return stdout, stderr, err
}

// nodeEnv is the environment of the matrix's node processes: the test's, with Node's on-disk compile
// cache (NODE_COMPILE_CACHE) under the peers' cache folder, so that the Inspector's and the SDKs' modules
// are compiled once, not in each of the matrix's ~150 processes (the Inspector CLI: 0.75 -> 0.65 CPU s a
// process, measured over 4 runs each).
func nodeEnv() []string {
	env := os.Environ()
	cache := os.Getenv("MCPKIT_CACHE")
	if cache == "" {
		cache = filepath.Join("..", ".cache")
	}
	if dir, err := filepath.Abs(filepath.Join(cache, "node-compile-cache")); err == nil && os.MkdirAll(dir, 0o755) == nil {
		env = append(env, "NODE_COMPILE_CACHE="+dir)
	}
	return env
}

// inspectorLists are the Inspector's list runs against a URL, by command line: the runs of the fronts
// that share an endpoint ask for each list once.
var inspectorLists = &inspectorMemo{runs: map[string]*inspectorOutcome{}}

type inspectorMemo struct {
	mu   sync.Mutex
	runs map[string]*inspectorOutcome
}

type inspectorOutcome struct {
	once           sync.Once
	stdout, stderr bytes.Buffer
	err            error
}

// run returns the outcome of the first call of fn for key, calling it once.
func (m *inspectorMemo) run(key string, fn func() (bytes.Buffer, bytes.Buffer, error)) (bytes.Buffer, bytes.Buffer, error) {
	m.mu.Lock()
	o := m.runs[key]
	if o == nil {
		o = &inspectorOutcome{}
		m.runs[key] = o
	}
	m.mu.Unlock()
	o.once.Do(func() { o.stdout, o.stderr, o.err = fn() })
	return *bytes.NewBuffer(o.stdout.Bytes()), *bytes.NewBuffer(o.stderr.Bytes()), o.err
}

// goDriver drives the endpoint with our client pinned to version, with elicitation and sampling handlers
// that answer from the plan.
func goDriver(version string) func(ep matrixEndpoint, plan matrixPlan) (matrixSeen, string, error) {
	return func(ep matrixEndpoint, plan matrixPlan) (matrixSeen, string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), matrixRunTimeout)
		defer cancel()
		seen := matrixSeen{Errors: map[string]string{}}
		var mu sync.Mutex
		opts := &client.Options{
			ProtocolVersion: version,
			// The front answers server/discover once it has reached its upstream: slow on a loaded machine.
			ProbeTimeout: 45 * time.Second,
			OnElicit: func(_ context.Context, p *mcp.ElicitParams) (*mcp.ElicitResult, error) {
				mu.Lock()
				seen.ElicitSeen = append(seen.ElicitSeen, p.Message)
				mu.Unlock()
				var answer map[string]any
				if plan.Elicit != nil {
					answer = plan.Elicit.Answer
				}
				content, err := json.Marshal(answer)
				if err != nil {
					return nil, err
				}
				return &mcp.ElicitResult{Action: mcp.ElicitActionAccept, Content: content}, nil
			},
			OnSample: func(_ context.Context, p *mcp.CreateMessageParams) (*mcp.CreateMessageResult, error) {
				var texts []string
				for _, m := range p.Messages {
					for _, b := range m.Content.Blocks {
						texts = append(texts, b.Text)
					}
				}
				mu.Lock()
				seen.SampleSeen = append(seen.SampleSeen, strings.Join(texts, "\n"))
				mu.Unlock()
				reply := ""
				if plan.Sample != nil {
					reply = plan.Sample.Reply
				}
				return &mcp.CreateMessageResult{Role: mcp.RoleAssistant, Model: "matrix-model",
					Content: mcp.SamplingBlock(mcp.TextContent(reply))}, nil
			},
		}
		var stream jsonrpc.Stream
		var stderr syncbuf.Buffer
		var err error
		switch ep.Kind {
		case kindMCP:
			stream, err = streamable.NewClient(ep.URL, nil)
		case kindSSE:
			// The bridge sends the endpoint event once the session's own child answers initialize: slow on
			// a loaded machine.
			stream, err = sse.Dial(ctx, ep.URL, &sse.ClientOptions{EndpointTimeout: 45 * time.Second})
		case kindStdio:
			stream, err = stdio.Command(exec.Command(ep.Command[0], ep.Command[1:]...), stdio.CommandOptions{Stderr: &stderr})
		}
		if err != nil {
			seen.Errors["connect"] = err.Error()
			return seen, "", nil
		}
		s, err := client.Connect(ctx, stream, opts)
		if err != nil {
			stream.Close()
			seen.Errors["connect"] = err.Error()
			return seen, stderr.String(), nil
		}
		step := func(name string, fn func() error) {
			if err := fn(); err != nil {
				seen.Errors[name] = err.Error()
			}
		}
		step("tools", func() error {
			for tl, err := range s.Tools(ctx) {
				if err != nil {
					return err
				}
				seen.Tools = append(seen.Tools, tl.Name)
			}
			return nil
		})
		call := func(name string, args any) (string, error) {
			res, err := s.CallTool(ctx, name, args)
			if err != nil {
				return "", err
			}
			if res.IsError {
				return "", &toolError{toolText(res)}
			}
			return toolText(res), nil
		}
		step("toolText", func() (err error) { seen.ToolText, err = call(plan.Tool, plan.ToolArgs); return err })
		step("resources", func() error {
			for r, err := range s.Resources(ctx) {
				if err != nil {
					return err
				}
				seen.Resources = append(seen.Resources, r.URI)
			}
			return nil
		})
		step("resourceText", func() error {
			r, err := s.ReadResource(ctx, plan.Resource)
			if err == nil {
				seen.ResourceText = readText(r)
			}
			return err
		})
		step("prompts", func() error {
			for p, err := range s.Prompts(ctx) {
				if err != nil {
					return err
				}
				seen.Prompts = append(seen.Prompts, p.Name)
			}
			return nil
		})
		step("promptText", func() error {
			p, err := s.GetPrompt(ctx, plan.Prompt, plan.PromptArgs)
			if err == nil {
				seen.PromptText = promptText(p)
			}
			return err
		})
		if e := plan.Elicit; e != nil {
			step("elicitText", func() (err error) { seen.ElicitText, err = call(e.Tool, e.Args); return err })
		}
		if a := plan.Sample; a != nil {
			step("sampleText", func() (err error) { seen.SampleText, err = call(a.Tool, a.Args); return err })
		}
		if err := s.Close(); err != nil {
			seen.Errors["close"] = err.Error()
		}
		mu.Lock()
		defer mu.Unlock()
		return seen, "stderr of the front:\n" + stderr.String(), nil
	}
}

// toolError is a tools/call result with isError set.
type toolError struct{ text string }

func (e *toolError) Error() string { return "isError: " + e.text }

// toolText is a tool result's text blocks, one a line, then its structured content.
func toolText(r *mcp.CallToolResult) string {
	var texts []string
	for _, c := range r.Content {
		if c.Type == "text" {
			texts = append(texts, c.Text)
		}
	}
	if len(r.StructuredContent) > 0 {
		texts = append(texts, string(r.StructuredContent))
	}
	return strings.Join(texts, "\n")
}

func readText(r *mcp.ReadResourceResult) string {
	var texts []string
	for _, c := range r.Contents {
		texts = append(texts, c.Text)
	}
	return strings.Join(texts, "\n")
}

func promptText(r *mcp.GetPromptResult) string {
	var texts []string
	for _, m := range r.Messages {
		texts = append(texts, m.Content.Text)
	}
	return strings.Join(texts, "\n")
}
