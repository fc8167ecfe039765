package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/spf13/cobra"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/internal/cli"
	"github.com/mcpkit/mcpkit/internal/cli/ask"
	"github.com/mcpkit/mcpkit/internal/cli/llm"
	"github.com/mcpkit/mcpkit/internal/cli/term"
	"github.com/mcpkit/mcpkit/internal/cli/verb"
	"github.com/mcpkit/mcpkit/mcp"
)

// verbTargetHelp explains TARGET in the help of every short verb.
const verbTargetHelp = `TARGET is a server URL (ending in /sse: HTTP+SSE; otherwise Streamable HTTP, falling back to HTTP+SSE)
or a command that serves MCP on stdin/stdout. A command with arguments is one quoted word
("python server.py"), or comes last after -- when its arguments have dashes of their own. Or no TARGET,
and --config FILE [--server NAME]: the server of a host config file (mcpkit config ls shows them; without
--config the usual files are searched, see mcpkit inspect --help).

Exit codes: 0 ok, 1 failure, 2 wrong command line, 3 HTTP 401/403, 4 server unreachable, 5 tool error,
130 interrupted.`

// exitInterrupted ends a verb stopped by Ctrl-C or SIGTERM (128 + SIGINT, as shells report it).
const exitInterrupted = 130

// verbFlags are the flags the short verbs share.
type verbFlags struct {
	target   cli.Target
	config   cli.ConfigFlags
	json     bool
	verbose  bool
	logLevel string

	// Interactive verbs (call, read, prompt) only.
	noProgress    bool
	noInteractive bool
	elicitAnswer  string
	llmBaseURL    string
	llmModel      string
}

// register defines the shared flags on cmd; interactive adds the flags of calls that may report
// progress, elicit or sample.
func (f *verbFlags) register(cmd *cobra.Command, interactive bool) {
	fs := cmd.Flags()
	cli.AddTargetFlags(fs, &f.target)
	f.config.Add(fs)
	fs.BoolVar(&f.json, "json", false, "print results as JSON")
	fs.BoolVarP(&f.verbose, "verbose", "v", false, "print the JSON-RPC traffic, both ways, on stderr")
	fs.StringVar(&f.logLevel, "log-level", "info", "ask the server for log messages at this level and above (debug … emergency), or none")
	if !interactive {
		return
	}
	fs.BoolVar(&f.noProgress, "no-progress", false, "show progress as plain lines, not a bar")
	fs.BoolVar(&f.noInteractive, "no-interactive", false, "decline the server's requests for input instead of asking (the default when stdin is not a terminal)")
	fs.StringVar(&f.elicitAnswer, "elicit-answer", "", "answer the server's forms with this JSON object (checked against the form) instead of asking")
	fs.StringVar(&f.llmBaseURL, "llm-base-url", "", "answer sampling requests with this OpenAI-compatible endpoint (…/v1); the key is taken from MCPKIT_LLM_API_KEY or OPENAI_API_KEY")
	fs.StringVar(&f.llmModel, "llm-model", "", "the model to ask, with --llm-base-url")
}

// splitTarget sorts a verb's words into the target and its own arguments (TOOL k=v…): after --, the
// words before it are its own and the command is after it; without --, the first word is the target.
// A verb with no arguments of its own (own false) takes every word as the target. With --config or
// --server the file names the server: every word is the verb's own, and a target is refused.
func splitTarget(cmd *cobra.Command, args []string, own bool) (target, rest []string, err error) {
	dash := cmd.ArgsLenAtDash()
	if cmd.Flags().Changed("config") || cmd.Flags().Changed("server") {
		if !own && len(args) > 0 || dash >= 0 {
			return nil, nil, &usageError{cmd, errors.New("--config/--server name the server: give no server URL or command beside them")}
		}
		if own {
			rest = args
		}
		return nil, rest, nil
	}
	switch {
	case !own:
		target = args
	case dash >= 0:
		target, rest = args[dash:], args[:dash]
	case len(args) > 0:
		target, rest = shellWords(args[0]), args[1:]
	}
	if len(target) == 0 {
		return nil, nil, &usageError{cmd, errors.New("no target: give a server URL or a command")}
	}
	return target, rest, nil
}

// shellWords splits a one-word command line ("python server.py --flag") into words, honouring single
// and double quotes. A URL, or an existing file whose name has spaces, stays one word.
func shellWords(s string) []string {
	if !strings.ContainsAny(s, " \t") || strings.Contains(s, "://") {
		return []string{s}
	}
	if _, err := os.Stat(s); err == nil {
		return []string{s}
	}
	var words []string
	var cur strings.Builder
	var quote rune
	inWord := false
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// session is a verb's open session and the Env that prints its results.
type session struct {
	*cli.Conn
	env *verb.Env
}

// setup builds the Env of a verb from its flags and the process's files.
func (f *verbFlags) setup(cmd *cobra.Command) (*verb.Env, error) {
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	con := term.NewConsole(stderr, term.ConsoleOptions{Bar: isTerminal(stderr) && !f.noProgress, Width: width(stderr)})
	env := &verb.Env{Out: stdout, OutTTY: isTerminal(stdout), Console: con, JSON: f.json}
	switch f.logLevel {
	case "none", "":
	case "debug", "info", "notice", "warning", "error", "critical", "alert", "emergency":
		env.LogLevel = mcp.LoggingLevel(f.logLevel)
	default:
		return nil, &usageError{cmd, fmt.Errorf("--log-level must be debug, info, notice, warning, error, critical, alert, emergency or none, got %q", f.logLevel)}
	}
	f.target.Stderr = con // a stdio server's own messages erase the bar first, like every other line
	if f.verbose {
		f.target.Trace = con
		env.Verbose = true
	}
	asker := &ask.Asker{In: ask.NewLines(cmd.InOrStdin()), Out: con, Open: openBrowser}
	switch {
	case f.elicitAnswer != "":
		v := jsontext.Value(f.elicitAnswer)
		if !v.IsValid() || v.Kind() != '{' {
			return nil, &usageError{cmd, fmt.Errorf("--elicit-answer wants a JSON object, got %q", f.elicitAnswer)}
		}
		asker.Answer = v
	case f.noInteractive:
		asker.NotInteractive = "--no-interactive"
	case !isTerminal(cmd.InOrStdin()):
		asker.NotInteractive = "stdin is not a terminal"
	default:
		asker.Interactive = true
	}
	env.Asker = asker
	if f.llmBaseURL != "" {
		if f.llmModel == "" {
			return nil, &usageError{cmd, errors.New("--llm-base-url needs --llm-model")}
		}
		key := os.Getenv("MCPKIT_LLM_API_KEY")
		if key == "" {
			key = os.Getenv("OPENAI_API_KEY")
		}
		env.LLM = &llm.Client{BaseURL: f.llmBaseURL, APIKey: key, Model: f.llmModel}
	}
	return env, nil
}

// connect opens the session of a verb; hook, when set, adds to the client options (listen's callbacks).
func (f *verbFlags) connect(ctx context.Context, cmd *cobra.Command, target []string, hook func(*verb.Env, *client.Options)) (*session, error) {
	env, err := f.setup(cmd)
	if err != nil {
		return nil, err
	}
	f.target.Args = target
	if err := f.config.Apply(ctx, &f.target); err != nil {
		return nil, err
	}
	if _, err := f.target.TransportOf(); err != nil {
		return nil, &usageError{cmd, err}
	}
	opts := env.ClientOptions(mcp.Implementation{Name: "mcpkit", Version: version()})
	if hook != nil {
		hook(env, &opts)
	}
	conn, err := cli.Connect(ctx, &f.target, opts)
	if err != nil {
		return nil, err
	}
	return &session{conn, env}, nil
}

// verbDone turns a verb's error into the command's end: usage errors as they are, others printed as
// "mcpkit VERB: message" with the exit code their class has.
func verbDone(cmd *cobra.Command, s *session, err error) error {
	if err == nil {
		return nil
	}
	var usage *usageError
	if errors.As(err, &usage) {
		return err
	}
	if cmd.Context().Err() != nil {
		fmt.Fprintf(cmd.ErrOrStderr(), "\nmcpkit %s: interrupted\n", cmd.Name())
		return &exitCodeError{exitInterrupted}
	}
	var e *cli.Error
	if !errors.As(err, &e) {
		if s != nil {
			e = s.Classify(err)
		} else {
			e = &cli.Error{Exit: cli.ExitUsage, Code: "error", Err: err}
		}
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "mcpkit %s: %v\n", cmd.Name(), e)
	return &exitCodeError{e.Exit}
}

// isTerminal reports whether a reader or writer is a terminal.
func isTerminal(x any) bool {
	f, ok := x.(*os.File)
	return ok && term.IsTerminal(f)
}

func width(w io.Writer) int {
	if f, ok := w.(*os.File); ok {
		return term.Width(f)
	}
	return 0
}

// openBrowser opens url with $BROWSER, or the system's opener (xdg-open where a display is, open on
// macOS); it fails when there is none.
func openBrowser(url string) error {
	name := os.Getenv("BROWSER")
	if name == "" {
		switch {
		case runtime.GOOS == "darwin":
			name = "open"
		case os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != "":
			name = "xdg-open"
		default:
			return errors.New("no display")
		}
	}
	path, err := exec.LookPath(name)
	if err != nil {
		return err
	}
	cmd := exec.Command(path, url)
	if err := cmd.Start(); err != nil {
		return err
	}
	go cmd.Wait() // reaps the opener, which exits on its own once the browser has the URL
	return nil
}
