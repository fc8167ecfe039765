package verb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/internal/syncbuf"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"go.uber.org/goleak"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/internal/cli"
	"github.com/mcpkit/mcpkit/internal/cli/ask"
	"github.com/mcpkit/mcpkit/internal/cli/llm"
	"github.com/mcpkit/mcpkit/internal/cli/term"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/transport/memory"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// eras are the two ways a session may speak; every verb is tried in both.
var eras = []string{mcp.LatestLegacyVersion, mcp.FirstModernVersion}

// fixture is a verb's Env writing to buffers, and a session to srv over an in-memory pipe.
type fixture struct {
	env      *Env
	out, err *syncbuf.Buffer
	s        *client.Session
}

func newEnv() (*Env, *syncbuf.Buffer, *syncbuf.Buffer) {
	out, errb := &syncbuf.Buffer{}, &syncbuf.Buffer{}
	con := term.NewConsole(errb, term.ConsoleOptions{})
	return &Env{Out: out, Console: con, Asker: &ask.Asker{Out: con, NotInteractive: "test"}, LogLevel: mcp.LevelInfo}, out, errb
}

// open connects env's session to srv at version; hook adjusts the options (listen).
func open(t *testing.T, srv *server.Server, version string, env *Env, hook func(*client.Options)) *client.Session {
	t.Helper()
	a, b := memory.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, b) }()
	opts := env.ClientOptions(mcp.Implementation{Name: "test", Version: "1"})
	opts.ProtocolVersion = version
	if hook != nil {
		hook(&opts)
	}
	s, err := client.Connect(ctx, a, &opts)
	if err != nil {
		cancel()
		<-served
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		cancel()
		<-served
	})
	return s
}

func demoFixture(t *testing.T, version string) *fixture {
	env, out, errb := newEnv()
	srv := demo.New()
	demo.AddNodeTools(srv)
	return &fixture{env, out, errb, open(t, srv, version, env, nil)}
}

func eachEra(t *testing.T, f func(t *testing.T, version string)) {
	for _, v := range eras {
		t.Run(v, func(t *testing.T) { f(t, v) })
	}
}

const demoLs = `TOOLS
  NAME            ARGUMENTS                            DESCRIPTION
  add             a:integer b:integer                  Add two numbers
  book_trip       date:string                          Book a trip; offers another date when the one asked for is …
  create_product  product_name:string keywords:string  Create a product; the client's LLM writes its description
  echo            message:string                       Echo a message back, logging progress as it goes
  multiply        first:number second:number           Multiply two numbers

RESOURCES
  URI             NAME            MIME TYPE   DESCRIPTION
  command://ping  command://ping  text/plain  Answers Pong

RESOURCE TEMPLATES
  URI TEMPLATE       NAME               MIME TYPE   DESCRIPTION
  greeting://{name}  greeting://{name}  text/plain  A personalized greeting

PROMPTS
  NAME         ARGUMENTS  DESCRIPTION
  review_code  code       Review a piece of code

`

func TestLs(t *testing.T) {
	eachEra(t, func(t *testing.T, v string) {
		env, out, _ := newEnv()
		s := open(t, demo.New(), v, env, nil)
		if err := Ls(context.Background(), s, env); err != nil {
			t.Fatal(err)
		}
		if out.String() != demoLs {
			t.Errorf("ls printed\n%s\nwant\n%s", out.String(), demoLs)
		}
	})
}

// TestLsSections: an offered but empty list is "(none)"; optional arguments carry a "?"; a description
// shows its first line.
func TestLsSections(t *testing.T) {
	srv := server.New("tiny", "1", nil)
	type in struct {
		Path  string `json:"path"`
		Depth int    `json:"depth,omitempty"`
	}
	server.Tool(srv, "tree", "List a directory\nsecond line not shown", func(ctx context.Context, _ in) (string, error) { return "", nil })
	server.Resource(srv, "file:///etc/motd", "Message of the day", func(ctx context.Context) (string, error) { return "hi", nil })
	env, out, _ := newEnv()
	s := open(t, srv, "", env, nil)
	if err := Ls(context.Background(), s, env); err != nil {
		t.Fatal(err)
	}
	want := `TOOLS
  NAME  ARGUMENTS                   DESCRIPTION
  tree  path:string depth?:integer  List a directory

RESOURCES
  URI               NAME              MIME TYPE   DESCRIPTION
  file:///etc/motd  file:///etc/motd  text/plain  Message of the day

RESOURCE TEMPLATES
  (none)

PROMPTS
  (none)

`
	if out.String() != want {
		t.Errorf("ls printed\n%s\nwant\n%s", out.String(), want)
	}
}

// TestLsNotOffered: a server that declares only tools (mcpkit's server declares every capability, so a
// scripted one answers here) gets its other sections marked, in text and JSON.
func TestLsNotOffered(t *testing.T) {
	a, b := memory.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan struct{})
	go func() {
		defer close(served)
		defer b.Close()
		for {
			raw, err := b.Read(ctx)
			if err != nil {
				return
			}
			var m struct {
				ID     jsontext.Value `json:"id"`
				Method string         `json:"method"`
			}
			if json.Unmarshal(raw, &m) != nil || len(m.ID) == 0 {
				continue // notifications
			}
			var result string
			switch m.Method {
			case "initialize":
				result = `{"protocolVersion":"2025-11-25","capabilities":{"tools":{}},"serverInfo":{"name":"only-tools","version":"1"}}`
			case "tools/list":
				result = `{"tools":[{"name":"t","inputSchema":{"type":"object"}}]}`
			default:
				result = `{}`
			}
			if b.Write(ctx, []byte(fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"result":%s}`, m.ID, result))) != nil {
				return
			}
		}
	}()
	env, out, _ := newEnv()
	opts := env.ClientOptions(mcp.Implementation{Name: "test", Version: "1"})
	opts.ProtocolVersion = mcp.LatestLegacyVersion
	s, err := client.Connect(ctx, a, &opts)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s.Close(); cancel(); <-served }()
	if err := Ls(ctx, s, env); err != nil {
		t.Fatal(err)
	}
	want := "TOOLS\n  NAME  ARGUMENTS  DESCRIPTION\n  t\n\nRESOURCES\n  (not offered by this server)\n\n" +
		"RESOURCE TEMPLATES\n  (not offered by this server)\n\nPROMPTS\n  (not offered by this server)\n\n"
	if out.String() != want {
		t.Errorf("ls printed\n%q\nwant\n%q", out.String(), want)
	}
	out.Reset()
	env.JSON = true
	if err := Ls(ctx, s, env); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); !strings.Contains(got, `"tools": [`) || strings.Contains(got, "resources") || strings.Contains(got, "prompts") {
		t.Errorf("ls --json lists what the server does not offer:\n%s", got)
	}
}

func TestCall(t *testing.T) {
	eachEra(t, func(t *testing.T, v string) {
		f := demoFixture(t, v)
		ctx := context.Background()
		if err := Call(ctx, f.s, f.env, "add", []string{"a=1", "b=41"}); err != nil {
			t.Fatal(err)
		}
		if err := Call(ctx, f.s, f.env, "echo", []string{"message=hi there"}); err != nil {
			t.Fatal(err)
		}
		if want := "42\nHere's the file content: hi there\n"; f.out.String() != want {
			t.Errorf("stdout %q, want %q", f.out.String(), want)
		}
		// Logs and progress, on stderr, in the order they came.
		want := "[info] mcpkit-demo: Processing file 1/3\nprogress 1/3 33% file 1/3\n" +
			"[info] mcpkit-demo: Processing file 2/3\nprogress 2/3 66% file 2/3\n" +
			"[info] mcpkit-demo: Processing file 3/3\nprogress 3/3 100% file 3/3\n"
		if f.err.String() != want {
			t.Errorf("stderr\n%s\nwant\n%s", f.err.String(), want)
		}
	})
}

func TestCallJSON(t *testing.T) {
	f := demoFixture(t, "")
	f.env.JSON = true
	if err := Call(context.Background(), f.s, f.env, "multiply", []string{"first=1.5", "second=2"}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`"text": "3"`, `"structuredContent": {`, `"result": 3`} {
		if !strings.Contains(f.out.String(), s) {
			t.Errorf("--json result lacks %s:\n%s", s, f.out.String())
		}
	}
}

func TestCallErrors(t *testing.T) {
	srv := demo.New()
	server.Tool(srv, "fail", "Always fails", func(ctx context.Context, _ struct{}) (string, error) {
		return "", errors.New("the disk is full")
	})
	server.Tool(srv, "structured", "Structured only", func(ctx context.Context, _ struct{}) (*mcp.CallToolResult, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{}, StructuredContent: []byte(`{"n":7}`)}, nil
	})
	env, out, errb := newEnv()
	s := open(t, srv, "", env, nil)
	ctx := context.Background()
	var e *cli.Error
	err := Call(ctx, s, env, "fail", nil)
	if !errors.As(err, &e) || e.Exit != cli.ExitToolError || !strings.Contains(errb.String(), "the disk is full") {
		t.Errorf("isError: %v (exit %v), stderr %q", err, e, errb.String())
	}
	err = Call(ctx, s, env, "nope", nil)
	if !errors.As(err, &e) || e.Exit != cli.ExitToolError || !strings.Contains(err.Error(), `the server has no tool "nope" (tools: add, book_trip`) {
		t.Errorf("unknown tool: %v", err)
	}
	err = Call(ctx, s, env, "add", []string{"a=1"})
	if !errors.As(err, &e) || e.Exit != cli.ExitUsage || err.Error() != "tool add needs b (its arguments: a:integer b:integer)" {
		t.Errorf("missing argument: %v", err)
	}
	err = Call(ctx, s, env, "add", []string{"a=1", "b"})
	if err == nil || !strings.Contains(err.Error(), `an argument wants key=value, got "b"`) {
		t.Errorf("bad argument: %v", err)
	}
	if out.String() != "" {
		t.Errorf("failed calls printed %q on stdout", out.String())
	}
	if err := Call(ctx, s, env, "structured", nil); err != nil {
		t.Fatal(err)
	}
	if want := "{\n  \"n\": 7\n}\n"; out.String() != want {
		t.Errorf("structured content alone printed %q, want %q", out.String(), want)
	}
}

// TestCallElicit: book_trip's form, filled from a script, in both eras.
func TestCallElicit(t *testing.T) {
	eachEra(t, func(t *testing.T, v string) {
		f := demoFixture(t, v)
		f.env.Asker = &ask.Asker{In: ask.NewLines(strings.NewReader("y\n2024-12-27\ny\n")), Out: f.env.Console, Interactive: true}
		if err := Call(context.Background(), f.s, f.env, "book_trip", []string{"date=" + demo.FullDate}); err != nil {
			t.Fatal(err)
		}
		if want := "[SUCCESS] Booked for 2024-12-27\n"; f.out.String() != want {
			t.Errorf("stdout %q, want %q; stderr:\n%s", f.out.String(), want, f.err.String())
		}
		for _, s := range []string{"The server asks: No availability on 2024-12-25", "[2024-12-26]", "mcpkit: answer sent"} {
			if !strings.Contains(f.err.String(), s) {
				t.Errorf("stderr lacks %q:\n%s", s, f.err.String())
			}
		}
	})
}

func TestCallElicitNotInteractive(t *testing.T) {
	f := demoFixture(t, "")
	if err := Call(context.Background(), f.s, f.env, "book_trip", []string{"date=" + demo.FullDate}); err != nil {
		t.Fatal(err)
	}
	if f.out.String() != "[CANCELLED] Booking cancelled\n" || !strings.Contains(f.err.String(), "declined (test; answer with --elicit-answer JSON)") {
		t.Errorf("stdout %q, stderr %q", f.out.String(), f.err.String())
	}
	// A prepared answer that does not fit ends the verb with what is wrong.
	f.out.Reset()
	f.env.Asker = &ask.Asker{Out: f.env.Console, Answer: []byte(`{"checkAlternative":"sure"}`)}
	err := Call(context.Background(), f.s, f.env, "book_trip", []string{"date=" + demo.FullDate})
	if err == nil || !strings.Contains(err.Error(), `field "checkAlternative": want true or false, got a string`) {
		t.Errorf("bad --elicit-answer: %v", err)
	}
}

// TestCallElicitURL: a URL-mode request in both eras: the URL printed, the browser opened once the
// person says yes, the server told "accept".
func TestCallElicitURL(t *testing.T) {
	eachEra(t, func(t *testing.T, v string) {
		srv := server.New("url", "1", nil)
		server.Tool(srv, "connect", "Connect an account", func(ctx context.Context, _ struct{}) (string, error) {
			action, err := server.ElicitURL(ctx, "Sign in to the bank", "https://bank.example.test/auth?s=1", "e-1")
			return "action: " + string(action), err
		})
		env, out, errb := newEnv()
		var opened []string
		env.Asker = &ask.Asker{In: ask.NewLines(strings.NewReader("y\n")), Out: env.Console, Interactive: true,
			Open: func(u string) error { opened = append(opened, u); return nil }}
		s := open(t, srv, v, env, nil)
		if err := Call(context.Background(), s, env, "connect", nil); err != nil {
			t.Fatal(err)
		}
		if out.String() != "action: accept\n" || len(opened) != 1 || opened[0] != "https://bank.example.test/auth?s=1" {
			t.Errorf("stdout %q, opened %v", out.String(), opened)
		}
		if !strings.Contains(errb.String(), "The server asks you to open a page: Sign in to the bank\n  https://bank.example.test/auth?s=1\nOpen it?") {
			t.Errorf("stderr %q", errb.String())
		}
	})
}

// TestCallSampling: create_product's sampling request answered by a scripted OpenAI-compatible endpoint,
// and declined with a clear message without one.
func TestCallSampling(t *testing.T) {
	var asked string
	llmSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		asked = string(b)
		fmt.Fprint(w, `{"model":"tiny","choices":[{"message":{"role":"assistant","content":"A lamp that glows."},"finish_reason":"stop"}]}`)
	}))
	defer llmSrv.Close()
	eachEra(t, func(t *testing.T, v string) {
		f := demoFixture(t, v)
		f.env.LLM = &llm.Client{BaseURL: llmSrv.URL, Model: "tiny"}
		if err := Call(context.Background(), f.s, f.env, "create_product", []string{"product_name=Lamp", "keywords=warm, glow"}); err != nil {
			t.Fatalf("%v; stderr:\n%s", err, f.err.String())
		}
		if !strings.Contains(asked, `Write a one-paragraph product description for \"Lamp\" using the keywords: warm, glow.`) {
			t.Errorf("the endpoint was asked %s", asked)
		}
		if !strings.Contains(f.out.String(), "A lamp that glows.") {
			t.Errorf("stdout %q", f.out.String())
		}
		if !strings.Contains(f.err.String(), "mcpkit: the server asked for an LLM completion (sampling): asking tiny at "+llmSrv.URL) {
			t.Errorf("stderr %q", f.err.String())
		}

		f.env.LLM = nil
		err := Call(context.Background(), f.s, f.env, "create_product", []string{"product_name=Lamp", "keywords=x"})
		if !strings.Contains(f.err.String(), "declined, give --llm-base-url") {
			t.Errorf("declined sampling: err %v, stderr %q", err, f.err.String())
		}
		if err == nil && !strings.Contains(f.out.String(), "sampling declined") {
			t.Errorf("declined sampling neither failed nor said so: %q", f.out.String())
		}
	})
}

func TestRead(t *testing.T) {
	eachEra(t, func(t *testing.T, v string) {
		f := demoFixture(t, v)
		if err := Read(context.Background(), f.s, f.env, "greeting://chris"); err != nil {
			t.Fatal(err)
		}
		if f.out.String() != "Hello, chris!\n" {
			t.Errorf("stdout %q", f.out.String())
		}
		if err := Read(context.Background(), f.s, f.env, "nothing://here"); err == nil {
			t.Error("reading an unknown resource succeeded")
		}
	})
}

func TestReadBlob(t *testing.T) {
	srv := server.New("blobs", "1", nil)
	server.Resource(srv, "img://dot", "A dot", func(ctx context.Context) ([]byte, error) {
		return []byte{0x89, 'P', 'N', 'G'}, nil
	})
	env, out, _ := newEnv()
	s := open(t, srv, "", env, nil)
	if err := Read(context.Background(), s, env, "img://dot"); err != nil {
		t.Fatal(err)
	}
	if out.String() != "\x89PNG" {
		t.Errorf("blob to a file: %q", out.String())
	}
	out.Reset()
	env.OutTTY = true
	if err := Read(context.Background(), s, env, "img://dot"); err != nil {
		t.Fatal(err)
	}
	if out.String() != "[application/octet-stream, 4 bytes: redirect the output to a file to save it]\n" {
		t.Errorf("blob to a terminal: %q", out.String())
	}
}

func TestPrompt(t *testing.T) {
	eachEra(t, func(t *testing.T, v string) {
		f := demoFixture(t, v)
		ctx := context.Background()
		if err := Prompt(ctx, f.s, f.env, "review_code", []string{"code=x = 1"}); err != nil {
			t.Fatal(err)
		}
		if want := "[user]\nPlease review this code:\n\nx = 1\n"; f.out.String() != want {
			t.Errorf("stdout %q, want %q", f.out.String(), want)
		}
		for _, tc := range []struct {
			name string
			args []string
			want string
		}{
			{"review_code", nil, "prompt review_code needs code (its arguments: code)"},
			{"review_code", []string{"code=1", "lang=go"}, `prompt review_code has no argument "lang" (its arguments: code)`},
			{"nope", nil, `the server has no prompt "nope" (prompts: review_code)`},
		} {
			if err := Prompt(ctx, f.s, f.env, tc.name, tc.args); err == nil || err.Error() != tc.want {
				t.Errorf("prompt %s %v: %v, want %q", tc.name, tc.args, err, tc.want)
			}
		}
	})
}

func TestPing(t *testing.T) {
	eachEra(t, func(t *testing.T, v string) {
		f := demoFixture(t, v)
		if err := Ping(context.Background(), f.s, f.env, 3, 0); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(f.out.String(), "\n"), "\n")
		if len(lines) != 4 || !strings.HasPrefix(lines[0], "answer from mcpkit-demo 0.1.0 ("+v+"): time=") ||
			!strings.HasPrefix(lines[3], "3 answers: min ") {
			t.Errorf("ping printed:\n%s", f.out.String())
		}
	})
}

// TestListen: list changes, a subscribed resource's update and a log message, printed as they come, in
// both eras; --count ends it.
func TestListen(t *testing.T) {
	eachEra(t, func(t *testing.T, v string) {
		env, out, errb := newEnv()
		srv := demo.New()
		var l *Listener
		s := open(t, srv, v, env, func(o *client.Options) {
			l = NewListener(env, 4)
			l.Hook(o)
		})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- l.Run(ctx, s, []string{"greeting://ann"}) }()
		for !strings.Contains(errb.String(), "mcpkit: listening to list changes of tools, prompts, resources, updates of greeting://ann") {
			select {
			case err := <-done:
				t.Fatalf("listen ended early: %v", err)
			case <-ctx.Done():
				t.Fatalf("never listening; stderr %q", errb.String())
			case <-time.After(10 * time.Millisecond):
			}
		}
		srv.ResourceUpdated("greeting://bob") // not subscribed
		srv.ResourceUpdated("greeting://ann")
		server.Prompt(srv, "p2", "Another prompt", func(ctx context.Context, _ struct{}) (string, error) { return "", nil })
		server.Tool(srv, "t2", "Another tool", func(ctx context.Context, _ struct{}) (string, error) { return "", nil })
		addResource(srv)
		addResource(srv) // the fifth notification: not printed
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		want := "resources/updated greeting://ann\nprompts/list_changed\ntools/list_changed\nresources/list_changed\n"
		if out.String() != want {
			t.Errorf("listen printed\n%s\nwant\n%s", out.String(), want)
		}
	})
}

func addResource(srv *server.Server) {
	server.Resource(srv, "x://y", "x", func(ctx context.Context) (string, error) { return "", nil })
}

func TestListenJSONAndLogs(t *testing.T) {
	env, out, _ := newEnv()
	env.JSON = true
	l := NewListener(env, 0)
	var o client.Options
	l.Hook(&o)
	o.OnLog(context.Background(), &mcp.LoggingMessageParams{Level: "warning", Logger: "db", Data: []byte(`{"slow":true}`)})
	o.OnResourceUpdated(context.Background(), "a://b")
	want := `{"method":"notifications/message","params":{"level":"warning","logger":"db","data":{"slow":true}}}` + "\n" +
		`{"method":"notifications/resources/updated","params":{"uri":"a://b"}}` + "\n"
	if out.String() != want {
		t.Errorf("listen --json printed\n%s\nwant\n%s", out.String(), want)
	}
	env.JSON = false
	out.Reset()
	o.OnLog(context.Background(), &mcp.LoggingMessageParams{Level: "info", Data: []byte(`"started"`)})
	if out.String() != "message [info] started\n" {
		t.Errorf("listen printed %q", out.String())
	}
}
