package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/server"
)

// verbTarget is one way to reach the demo: how the target is written on a verb's command line, and the
// protocol era the session ends up in (a golden file may differ by era, never by transport).
type verbTarget struct {
	name string
	era  string
	url  string // the server's URL; empty for a command
	// words places the target around the verb's own words (TOOL k=v…).
	words func(own []string) []string
}

// verbTargets are the demo over stdio (a command after --), Streamable HTTP pinned to each era, and
// HTTP+SSE; the HTTP ones share one `mcpkit serve`.
func verbTargets(t *testing.T) []verbTarget {
	base := serveHTTP(t)
	url := func(u string, flags ...string) func([]string) []string {
		return func(own []string) []string {
			return append(append([]string{own[0], u}, own[1:]...), flags...)
		}
	}
	sse := strings.TrimSuffix(base, "/mcp") + "/sse"
	return []verbTarget{
		{"stdio", "modern", "", func(own []string) []string { return append(append(own, "--"), binary, "serve", "--stdio") }},
		{"http-legacy", "legacy", base, url(base, "--protocol-era", "legacy")},
		{"http-modern", "modern", base, url(base, "--protocol-era", "modern")},
		{"sse", "modern", sse, url(sse)},
	}
}

// verbCase is one verb command line and its expected exit code; its output is in
// testdata/verbs/NAME.golden (NAME.ERA.golden when it differs by era).
type verbCase struct {
	name   string
	words  []string // the verb and its own words; the target is placed by the transport
	exit   int
	perEra bool
	// exitLegacy, when set, is the exit code in the legacy era.
	exitLegacy int
}

var verbCases = []verbCase{
	{name: "ls", words: []string{"ls"}},
	{name: "call-add", words: []string{"call", "add", "a=1", "b=41"}},
	{name: "call-echo-progress-logs", words: []string{"call", "echo", "message=hi there"}},
	{name: "call-json", words: []string{"call", "multiply", "first=1.5", "second=4", "--json"}, perEra: true},
	{name: "call-elicit-answer", words: []string{"call", "book_trip", "date=2024-12-25", "--elicit-answer", `{"checkAlternative":true,"alternativeDate":"2025-01-02"}`}},
	{name: "call-elicit-declined", words: []string{"call", "book_trip", "date=2024-12-25"}},
	{name: "call-elicit-bad-answer", words: []string{"call", "book_trip", "date=2024-12-25", "--elicit-answer", `{"checkAlternative":"yes"}`}, exit: 1},
	// A legacy server sees the refusal as the answer to its request: the tool fails (isError). At 2026-07-28
	// the refusal is the answer to an input request the client cannot give: the call itself fails.
	{name: "call-sampling-declined", words: []string{"call", "create_product", "product_name=Lamp", "keywords=warm"}, perEra: true, exit: 1, exitLegacy: 5},
	{name: "call-unknown-tool", words: []string{"call", "nope"}, exit: 5},
	{name: "call-missing-argument", words: []string{"call", "add", "a=1"}, exit: 1},
	{name: "read", words: []string{"read", "greeting://chris"}},
	{name: "read-json", words: []string{"read", "command://ping", "--json"}, perEra: true},
	{name: "read-unknown", words: []string{"read", "nothing://here"}, exit: 1, perEra: true},
	{name: "prompt", words: []string{"prompt", "review_code", "code=x = 1"}},
	{name: "prompt-missing-argument", words: []string{"prompt", "review_code"}, exit: 1},
	{name: "ping", words: []string{"ping", "-c", "2", "-i", "0"}, perEra: true},
}

// normalize makes a run's output comparable: times become N, the stdio server's own log lines go.
func normalize(s string) string {
	s = regexp.MustCompile(`time=[0-9.]+ ms`).ReplaceAllString(s, "time=N ms")
	s = regexp.MustCompile(`(min|mean|max) [0-9.]+ ms`).ReplaceAllString(s, "$1 N ms")
	var keep []string
	for _, l := range strings.SplitAfter(s, "\n") {
		if !strings.HasPrefix(l, "time=") { // slog lines of `serve --stdio` on the shared stderr
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "")
}

// TestVerbsGolden runs every verb case against the demo over every transport and compares stdout, stderr
// and the exit code with the golden file: the output must not depend on the transport.
func TestVerbsGolden(t *testing.T) {
	for _, tg := range verbTargets(t) {
		t.Run(tg.name, func(t *testing.T) {
			t.Parallel()
			for _, c := range verbCases {
				t.Run(c.name, func(t *testing.T) {
					args := tg.words(c.words)
					stdout, stderr, code := mcpkitIn(t, "", nil, "", args...)
					got := fmt.Sprintf("$ mcpkit %s TARGET\nexit %d\n--- stdout\n%s--- stderr\n%s", strings.Join(c.words, " "), code, normalize(stdout), normalize(stderr))
					name := c.name
					if c.perEra {
						name += "." + tg.era
					}
					golden(t, name, got)
					want := c.exit
					if tg.era == "legacy" && c.exitLegacy != 0 {
						want = c.exitLegacy
					}
					if code != want {
						t.Errorf("mcpkit %q: exit %d, want %d", args, code, want)
					}
				})
			}
		})
	}
}

var goldenMu sync.Mutex

// golden compares got with testdata/verbs/NAME.golden (writing it with -update).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "verbs", name+".golden")
	if *update {
		goldenMu.Lock()
		defer goldenMu.Unlock()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// TestVerbsListenGolden: listen prints the list changes, the subscribed resource's update and nothing
// else, over each transport. Over HTTP another client (mcpkit call notify_change) causes them once
// listen says it is listening; over stdio the server is the test binary's notifying demo, which causes
// them itself once subscribed.
func TestVerbsListenGolden(t *testing.T) {
	targets := verbTargets(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, era := range []string{"legacy", "modern"} {
		targets = append(targets, verbTarget{"stdio-notifying-" + era, era, "", func(own []string) []string {
			return append(append(own, "--protocol-era", era, "-e", notifyingEnv+"=1", "--"), self)
		}})
	}
	for _, tg := range targets {
		if tg.name == "stdio" {
			continue // the plain demo over stdio has no other client to cause changes
		}
		t.Run(tg.name, func(t *testing.T) {
			// Not parallel: the HTTP targets share one server, whose changes every listener would see.

			words := []string{"listen", "--subscribe", "greeting://ann", "--count", "4", "--for", "20s"}
			args := tg.words(words)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, binary, args...)
			var out bytes.Buffer
			cmd.Stdout = &out
			errPipe, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(errPipe)
			var stderr strings.Builder
			listening := false
			for !listening && sc.Scan() {
				stderr.WriteString(sc.Text() + "\n")
				listening = strings.HasPrefix(sc.Text(), "mcpkit: listening")
			}
			if !listening {
				cmd.Wait()
				t.Fatalf("listen never said it was listening:\n%s", stderr.String())
			}
			if tg.url != "" {
				base := tg.url
				for _, change := range [][]string{{"uri=greeting://bob"}, {"uri=greeting://ann"}, {"list=prompts"}, {"list=tools"}, {"list=resources"}} {
					if _, e, code := mcpkitIn(t, "", nil, "", append([]string{"call", base, "notify_change"}, change...)...); code != 0 {
						t.Fatalf("notify_change %v: exit %d: %s", change, code, e)
					}
				}
			}
			for sc.Scan() {
				stderr.WriteString(sc.Text() + "\n")
			}
			err = cmd.Wait()
			if err != nil {
				t.Errorf("listen: %v", err)
			}
			got := fmt.Sprintf("$ mcpkit %s TARGET\n--- stdout\n%s--- stderr\n%s", strings.Join(words, " "), out.String(), normalize(stderr.String()))
			golden(t, "listen", got)
		})
	}
}

// notifyingEnv makes the test binary a stdio demo server that announces changes by itself once a client
// subscribes (TestMain): listen's stdio test has no second client to cause them.
const notifyingEnv = "MCPKIT_TEST_NOTIFYING_SERVER"

// serveNotifying serves the demo on stdin/stdout; after the first resources/subscribe (2025-11-25) or
// subscriptions/listen (2026-07-28) it announces an update of an unsubscribed resource, of greeting://ann,
// then changes of the prompts, tools and resources lists, in that order.
func serveNotifying() int {
	s := demo.New()
	var once sync.Once
	announce := func() {
		s.ResourceUpdated("greeting://bob")
		s.ResourceUpdated("greeting://ann")
		server.Prompt(s, "p2", "Another prompt", func(ctx context.Context, _ struct{}) (string, error) { return "", nil })
		server.Tool(s, "t2", "Another tool", func(ctx context.Context, _ struct{}) (string, error) { return "", nil })
		server.Resource(s, "x://y", "Another resource", func(ctx context.Context) (string, error) { return "", nil })
	}
	s.Use(func(next server.Handler) server.Handler {
		return func(ctx context.Context, r *server.Request) (jsontext.Value, error) {
			switch r.Method {
			case "resources/subscribe":
				res, err := next(ctx, r)
				once.Do(func() { go announce() })
				return res, err
			case "subscriptions/listen":
				// The handler acknowledges and starts forwarding at once; the changes come a little
				// later so that they find it forwarding.
				once.Do(func() { time.AfterFunc(300*time.Millisecond, announce) })
			}
			return next(ctx, r)
		}
	})
	if err := s.ServeStdio(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// TestVerbsCommandLine: the target as one quoted word, --verbose traffic, and the exit codes of a wrong
// command line (2) and of an unreachable server (4).
func TestVerbsCommandLine(t *testing.T) {
	stdout, stderr, code := mcpkitIn(t, "", nil, "", "call", binary+" serve --stdio", "add", "a=2", "b=3", "--verbose")
	if code != 0 || stdout != "5\n" {
		t.Errorf("one-word command target: exit %d, stdout %q, stderr %s", code, stdout, stderr)
	}
	for _, s := range []string{`→ {"jsonrpc":"2.0","id":1,"method":"server/discover"`, `← {"jsonrpc":"2.0","id":1,"result":{`,
		`"method":"tools/call","params":{`, `"content":[{"type":"text","text":"5"}]`} {
		if !strings.Contains(stderr, s) {
			t.Errorf("--verbose stderr lacks %s:\n%s", s, stderr)
		}
	}
	if _, stderr, _ := mcpkitIn(t, "", nil, "", "call", binary+" serve --stdio", "add", "a=2", "b=3"); strings.Contains(stderr, "→") {
		t.Errorf("traffic printed without --verbose:\n%s", stderr)
	}
	for _, tc := range []struct {
		args []string
		exit int
		want string
	}{
		{[]string{"call", "http://127.0.0.1:1/mcp"}, 2, "mcpkit: which tool? give TOOL after the target"},
		{[]string{"ls"}, 2, "mcpkit: no target: give a server URL or a command"},
		{[]string{"read", "http://127.0.0.1:1/mcp", "a://b", "c://d"}, 2, "give one URI after the target, got 2 words"},
		{[]string{"ls", "http://127.0.0.1:1/mcp", "--transport", "ftp"}, 2, `--transport must be sse, http or stdio, got "ftp"`},
		{[]string{"ls", "http://127.0.0.1:1/mcp", "--log-level", "loud"}, 2, "--log-level must be debug"},
		{[]string{"call", "x", "--elicit-answer", "[1]", "--", "true"}, 2, "--elicit-answer wants a JSON object"},
		{[]string{"call", "x", "--llm-base-url", "http://127.0.0.1:1/v1", "--", "true"}, 2, "--llm-base-url needs --llm-model"},
		{[]string{"ping", "http://127.0.0.1:1/mcp", "-c", "0"}, 2, "--count must be at least 1"},
		{[]string{"ls", "http://127.0.0.1:1/mcp"}, 4, "mcpkit ls: "},
		{[]string{"ls", "--", "/nonexistent/server"}, 4, "mcpkit ls: "},
	} {
		stdout, stderr, code := mcpkitIn(t, "", nil, "", tc.args...)
		if code != tc.exit || !strings.Contains(stderr, tc.want) || stdout != "" {
			t.Errorf("mcpkit %q: exit %d (want %d), stdout %q, stderr %q (want %q in it)", tc.args, code, tc.exit, stdout, stderr, tc.want)
		}
	}
}

func TestShellWords(t *testing.T) {
	for in, want := range map[string]string{
		"python server.py --port 3":    "python|server.py|--port|3",
		`node "my server.js" 'a b'  c`: "node|my server.js|a b|c",
		"http://h/x y":                 "http://h/x y",
		"./server":                     "./server",
		`sh -c "echo '1 2'"`:           "sh|-c|echo '1 2'",
		"  spaced   out  ":             "spaced|out",
	} {
		if got := strings.Join(shellWords(in), "|"); got != want {
			t.Errorf("shellWords(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestVerbsSampling: create_product's sampling request answered through --llm-base-url, the key taken
// from MCPKIT_LLM_API_KEY, in both eras.
func TestVerbsSampling(t *testing.T) {
	var mu sync.Mutex
	var auth []string
	llmSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auth = append(auth, r.Header.Get("Authorization"))
		mu.Unlock()
		fmt.Fprint(w, `{"model":"tiny-2","choices":[{"message":{"role":"assistant","content":"Warm light."},"finish_reason":"stop"}]}`)
	}))
	defer llmSrv.Close()
	for _, era := range []string{"legacy", "modern"} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		cmd := exec.CommandContext(ctx, binary, "call", "create_product", "product_name=Lamp", "keywords=warm",
			"--llm-base-url", llmSrv.URL+"/v1", "--llm-model", "tiny", "--protocol-era", era, "--", binary, "serve", "--stdio")
		cmd.Env = append(os.Environ(), "MCPKIT_LLM_API_KEY=k-9", "OPENAI_API_KEY=other")
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		cancel()
		if err != nil || !strings.Contains(out.String(), "Warm light.") {
			t.Errorf("%s: %v, stdout %q, stderr %s", era, err, out.String(), errb.String())
		}
		if !strings.Contains(errb.String(), "asking tiny at "+llmSrv.URL+"/v1") {
			t.Errorf("%s: stderr %q", era, errb.String())
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(auth) != 2 || auth[0] != "Bearer k-9" || auth[1] != "Bearer k-9" {
		t.Errorf("the endpoint saw Authorization %q, want Bearer k-9 twice", auth)
	}
}

// TestVerbsListenFor: listen --for ends by itself with exit 0 when nothing happens.
func TestVerbsListenFor(t *testing.T) {
	start := time.Now()
	stdout, stderr, code := mcpkitIn(t, "", nil, "", "listen", "--for", "300ms", "--", binary, "serve", "--stdio")
	if code != 0 || stdout != "" || !strings.Contains(stderr, "mcpkit: listening") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	t.Logf("listen --for 300ms took %v", time.Since(start))
}
