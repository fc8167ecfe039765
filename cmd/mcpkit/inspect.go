package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/spf13/cobra"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/internal/cli"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
)

const inspectHelp = `Usage: mcpkit inspect --cli TARGET... --method METHOD [flags]

Calls one method of an MCP server and prints its result, with the MCP Inspector CLI's (2.12.0) flags,
output and exit codes: replace "npx @modelcontextprotocol/inspector" with "mcpkit inspect" in its
command lines. Exit codes: 0 ok, 1 usage or any other failure, 3 HTTP 401/403, 4 unreachable, 5 tool
error (isError, or no such tool). A failure prints {"error":{"code":…,"message":…}} on stderr.

TARGET is a URL or a command and its arguments (stdio). A URL ending in /sse is HTTP+SSE; another URL
Streamable HTTP, falling back to HTTP+SSE when the server refuses it (the Inspector wants /mcp or /sse).
Put the target before the flags and -- between them when the command has flags of its own:
  mcpkit inspect --cli node server.js --port 3 -- --method tools/list   (or: --cli --method M -- CMD ARGS)

Methods: initialize, tools/list, tools/call, resources/list, resources/templates/list, resources/read,
prompts/list, prompts/get, logging/setLevel, and of the skills extension skills/list, skills/get and
resources/directory/read.

Flags:
  --cli                       command-line mode (the only mode)
  --method M                  the method to call
  --tool-name T               tools/call: the tool
  --tool-arg k=v...           tools/call: arguments, typed from the tool's input schema (docs/CLI.md)
  --tool-args-json JSON       tools/call: all arguments as one JSON object, sent as they are
  --uri U                     resources/read, resources/directory/read, skills/get: the URI
  --cursor C                  resources/directory/read: the nextCursor of the previous page
  --prompt-name P             prompts/get: the prompt
  --prompt-args k=v...        prompts/get: arguments
  --log-level L               logging/setLevel: the level
  --metadata k=v...           _meta of every request (values JSON when they parse)
  --tool-metadata k=v...      tools/call: more _meta for the call
  --transport sse|http|stdio  override the detected transport
  --server-url URL            the server's URL (instead of a URL target)
  --config FILE               take the server from a host config file instead of TARGET (-e, --cwd
                              and --header still apply); --server NAME picks it (optional when the
                              file has one server; without --config the usual files are searched:
                              see mcpkit config ls --help)
  --header "K: V"...          HTTP headers
  -e KEY=VALUE                an environment variable of the command (repeatable)
  --cwd DIR                   the command's working directory
  --protocol-era legacy|auto|modern   pin 2025-11-25 (the default), negotiate, or pin 2026-07-28
  --connect-timeout MS        bound the connection (default 15000; 0: none)
  --format json|text          json: {"result":…} on one line; text (the default): the result, indented
  -q, --quiet                 silence a command's stderr
  -V, --version               print mcpkit's version

The list flags (...) take every following word up to the next flag: --tool-arg a=1 b=2.
`

func newInspect() *cobra.Command {
	return &cobra.Command{
		Use:                "inspect --cli TARGET... --method METHOD",
		Short:              "Call one method of an MCP server, as the MCP Inspector CLI does",
		DisableFlagParsing: true, // the Inspector's flag rules, and a command target with flags of its own
		RunE: func(cmd *cobra.Command, args []string) error {
			code := runInspect(cmd.Context(), args, cmd.OutOrStdout(), cmd.ErrOrStderr())
			if code == exitOK {
				return nil
			}
			return &exitCodeError{code}
		},
	}
}

// exitCodeError ends the command with its exit code; what it had to say is printed already.
type exitCodeError struct{ code int }

func (e *exitCodeError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// defaultConnectTimeout bounds connecting to an ad-hoc target, as the Inspector's does.
const defaultConnectTimeout = 15 * time.Second

func runInspect(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fail := func(err error) int {
		var e *cli.Error
		if !errors.As(err, &e) {
			e = &cli.Error{Exit: cli.ExitUsage, Code: "error", Err: err}
		}
		code, msg := e.Code, e.Error()
		var rpc *jsonrpc.Error
		switch {
		case code == "auth":
			code = "auth_required" // the Inspector's name
		case e.Exit == cli.ExitUsage && e.Msg == "" && errors.As(err, &rpc):
			msg = rpc.Message // the server's own words, as the Inspector prints them
		}
		// Whatever the --format, a failure is one JSON line on stderr, as the Inspector prints it.
		b, _ := json.Marshal(map[string]any{"error": map[string]string{"code": code, "message": msg}}, json.Deterministic(true))
		fmt.Fprintf(stderr, "%s\n", b)
		return e.Exit
	}
	f, err := parseInspect(args)
	if err != nil {
		return fail(err)
	}
	if f.help {
		fmt.Fprint(stdout, inspectHelp)
		return exitOK
	}
	if f.version {
		fmt.Fprintln(stdout, version())
		return exitOK
	}
	if err := f.config.Apply(ctx, &f.target); err != nil {
		return fail(err)
	}
	if err := f.check(); err != nil {
		return fail(err)
	}
	if f.quiet {
		f.target.Stderr = io.Discard
	}
	connectCtx, cancel := ctx, context.CancelFunc(func() {})
	if f.connectTimeout >= 0 {
		d := f.connectTimeout
		if d == 0 {
			d = defaultConnectTimeout
		}
		connectCtx, cancel = context.WithTimeout(ctx, d)
	}
	conn, err := cli.Connect(connectCtx, &f.target, client.Options{
		ClientInfo: mcp.Implementation{Name: "mcpkit-inspect", Version: version()},
		Roots:      []mcp.Root{}, // declares roots, as the Inspector does (some servers list more tools then)
	})
	timedOut := ctx.Err() == nil && errors.Is(connectCtx.Err(), context.DeadlineExceeded)
	cancel()
	if err != nil {
		if timedOut { // --connect-timeout ran out: unreachable, as the Inspector says
			err = &cli.Error{Exit: cli.ExitUnreachable, Code: "unreachable", Err: fmt.Errorf("connection timed out: %w", err)}
		}
		return fail(err)
	}
	defer conn.Close()
	result, err := f.call(ctx, conn)
	if err != nil {
		var e *cli.Error
		if !errors.As(err, &e) {
			err = conn.Classify(err)
		}
		return fail(err)
	}
	if err := printResult(stdout, result, f.format == "json"); err != nil {
		return fail(err)
	}
	if isErr, _ := jsonBool(result, "isError"); isErr && f.method == "tools/call" {
		return fail(&cli.Error{Exit: cli.ExitToolError, Code: "tool_is_error", Msg: fmt.Sprintf("Tool '%s' returned isError:true.", f.toolName)})
	}
	return exitOK
}

// inspectMethods are the methods inspect calls.
var inspectMethods = []string{"initialize", "tools/list", "tools/call", "resources/list", "resources/read",
	"resources/templates/list", "prompts/list", "prompts/get", "logging/setLevel", "skills/list", "skills/get",
	"resources/directory/read"}

// check rejects a command line that cannot be run, before connecting, with the Inspector's words where
// it has them.
func (f *inspectFlags) check() error {
	if !f.cli {
		return cli.Usage("only the Inspector's --cli mode is supported: add --cli")
	}
	if f.method == "" {
		return cli.Usage("Method is required. Use --method to specify the method to invoke.")
	}
	known := false
	for _, m := range inspectMethods {
		known = known || m == f.method
	}
	if !known {
		return cli.Usage("Unsupported method: %s. Supported --cli methods: %s.", f.method, strings.Join(inspectMethods, ", "))
	}
	if f.serverURL != "" {
		if len(f.target.Args) > 0 {
			return cli.Usage("Cannot combine a positional target (%s) with --server-url (%s). Pass one or the other.", f.target.Args[0], f.serverURL)
		}
		f.target.Args = []string{f.serverURL}
	}
	if !f.eraSet {
		f.target.Era = "legacy" // the Inspector's default for a target given on the command line
	}
	if err := checkTarget(&f.target); err != nil {
		return err
	}
	if f.toolArgsJSON != "" {
		if len(f.toolArgs) > 0 {
			return cli.Usage("--tool-args-json cannot be combined with --tool-arg; pick one.")
		}
		if v := jsontext.Value(f.toolArgsJSON); !v.IsValid() {
			return cli.Usage("--tool-args-json is not valid JSON: %q", f.toolArgsJSON)
		} else if v.Kind() != '{' {
			return cli.Usage("--tool-args-json must be a JSON object.")
		}
	}
	switch {
	case f.method == "tools/call" && f.toolName == "":
		return cli.Usage("Tool name is required for tools/call method. Use --tool-name to specify the tool name.")
	case f.method == "resources/read" && f.uri == "":
		return cli.Usage("URI is required for resources/read method. Use --uri to specify the resource URI.")
	case f.method == "prompts/get" && f.promptName == "":
		return cli.Usage("Prompt name is required for prompts/get method. Use --prompt-name to specify the prompt name.")
	case f.method == "skills/get" && f.uri == "":
		return cli.Usage("URI is required for skills/get method. Use --uri to specify the skill URI.")
	case f.method == "resources/directory/read" && f.uri == "":
		return cli.Usage("URI is required for resources/directory/read. Use --uri to specify the directory URI.")
	case f.method == "logging/setLevel" && f.logLevel == "":
		return cli.Usage("Log level is required for logging/setLevel method. Use --log-level to specify the log level.")
	}
	// The pairs are read now so that a bad one fails before connecting.
	if _, err := cli.JSONPairs(f.metadata); err != nil {
		return err
	}
	if _, err := cli.JSONPairs(f.toolMetadata); err != nil {
		return err
	}
	if _, err := cli.PromptArgs(f.promptArgs); err != nil {
		return err
	}
	_, err := cli.InspectorToolArgs(nil, f.toolArgs)
	return err
}

// initializeResult is what the initialize method prints: the server as the session learned it.
type initializeResult struct {
	ServerInfo      mcp.Implementation     `json:"serverInfo"`
	ProtocolVersion string                 `json:"protocolVersion"`
	Capabilities    mcp.ServerCapabilities `json:"capabilities"`
	Instructions    string                 `json:"instructions,omitempty"`
}

// params builds a request's params: _meta first (when there is any), then the members.
type params struct {
	Meta      map[string]jsontext.Value `json:"_meta,omitempty"`
	Cursor    string                    `json:"cursor,omitempty"`
	Name      string                    `json:"name,omitempty"`
	URI       string                    `json:"uri,omitempty"`
	Arguments any                       `json:"arguments,omitzero"`
}

func (p *params) encode() (jsontext.Value, error) {
	return json.Marshal(p, json.Deterministic(true))
}

// call runs the method and returns its result as JSON: the server's own result (members mcpkit's types
// do not know included), or for the lists every page's items under the list's name.
func (f *inspectFlags) call(ctx context.Context, s *cli.Conn) (jsontext.Value, error) {
	meta, _ := cli.JSONPairs(f.metadata)
	if len(meta) == 0 {
		meta = nil
	}
	switch f.method {
	case "initialize":
		return json.Marshal(&initializeResult{s.ServerInfo(), s.ProtocolVersion(), s.ServerCapabilities(), s.Instructions()}, json.Deterministic(true))
	case "tools/list":
		return listAll(ctx, s, "tools/list", "tools", meta)
	case "resources/list":
		return listAll(ctx, s, "resources/list", "resources", meta)
	case "resources/templates/list":
		return listAll(ctx, s, "resources/templates/list", "resourceTemplates", meta)
	case "prompts/list":
		return listAll(ctx, s, "prompts/list", "prompts", meta)
	case "resources/read":
		return request(ctx, s, "resources/read", &params{Meta: meta, URI: f.uri})
	case "prompts/get":
		args, _ := cli.PromptArgs(f.promptArgs)
		return request(ctx, s, "prompts/get", &params{Meta: meta, Name: f.promptName, Arguments: args})
	case "logging/setLevel":
		if s.Era() == mcp.EraModern { // 2026-07-28 has no such method: the level travels in each request's _meta
			return nil, cli.Usage("Method 'logging/setLevel' is not supported by the negotiated protocol version (%s)", s.ProtocolVersion())
		}
		if err := s.SetLevel(ctx, mcp.LoggingLevel(f.logLevel)); err != nil {
			return nil, err
		}
		return jsontext.Value("{}"), nil
	case "tools/call":
		return f.callTool(ctx, s, meta)
	case "skills/list", "skills/get": // the skills extension (SEP-2640)
		if _, ok := s.ServerCapabilities().Extensions[mcp.ExtensionSkills]; !ok {
			return nil, &cli.Error{Exit: cli.ExitUsage, Code: "skills_unsupported",
				Msg: fmt.Sprintf("Server does not declare the %s extension, so %s is not available.", mcp.ExtensionSkills, f.method)}
		}
		if f.method == "skills/list" {
			return listAll(ctx, s, "skills/list", "skills", meta)
		}
		return request(ctx, s, "skills/get", &params{Meta: meta, URI: f.uri})
	case "resources/directory/read":
		caps := s.ServerCapabilities()
		if sc, ok := caps.Skills(); !ok || !sc.DirectoryRead {
			return nil, cli.Usage("Server did not declare directoryRead in %s; resources/directory/read must not be called.", mcp.ExtensionSkills)
		}
		return request(ctx, s, "resources/directory/read", &params{Meta: meta, URI: f.uri, Cursor: f.cursor})
	}
	return nil, cli.Usage("Unsupported method: %s.", f.method)
}

// callTool finds the tool (for its input schema), types the arguments and calls it.
func (f *inspectFlags) callTool(ctx context.Context, s *cli.Conn, meta map[string]jsontext.Value) (jsontext.Value, error) {
	list, err := listAll(ctx, s, "tools/list", "tools", meta)
	if err != nil {
		return nil, err
	}
	var tools struct {
		Tools []struct {
			Name        string         `json:"name"`
			InputSchema jsontext.Value `json:"inputSchema"`
			Execution   struct {
				TaskSupport string `json:"taskSupport"`
			} `json:"execution"`
		} `json:"tools"`
	}
	if err := json.Unmarshal(list, &tools); err != nil {
		return nil, err
	}
	var schema jsontext.Value
	found, task := false, false
	for _, t := range tools.Tools {
		if t.Name == f.toolName {
			found, schema, task = true, t.InputSchema, t.Execution.TaskSupport == "required"
			break
		}
	}
	if !found {
		return nil, &cli.Error{Exit: cli.ExitToolError, Code: "tool_not_found", Msg: fmt.Sprintf("Tool '%s' not found on server.", f.toolName)}
	}
	var args any = jsontext.Value(f.toolArgsJSON)
	if f.toolArgsJSON == "" {
		if args, err = cli.InspectorToolArgs(schema, f.toolArgs); err != nil {
			return nil, err
		}
	}
	if task { // a tool that must run as a task: the session follows it to its result
		r, err := s.CallTool(ctx, f.toolName, args)
		if err != nil {
			return nil, err
		}
		return json.Marshal(r)
	}
	toolMeta, _ := cli.JSONPairs(f.toolMetadata)
	for k, v := range toolMeta {
		if meta == nil {
			meta = map[string]jsontext.Value{}
		}
		meta[k] = v
	}
	return request(ctx, s, "tools/call", &params{Meta: meta, Name: f.toolName, Arguments: args})
}

// request sends one request and returns its raw result.
func request(ctx context.Context, s *cli.Conn, method string, p *params) (jsontext.Value, error) {
	b, err := p.encode()
	if err != nil {
		return nil, err
	}
	return s.Call(ctx, method, b)
}

// listAll fetches every page of a list and returns {"<key>":[items…]}, items as the server sent them.
func listAll(ctx context.Context, s *cli.Conn, method, key string, meta map[string]jsontext.Value) (jsontext.Value, error) {
	var items []jsontext.Value
	cursor := ""
	for page := 0; ; page++ {
		if page == 1000 {
			return nil, fmt.Errorf("%s: more than 1000 pages", method)
		}
		raw, err := request(ctx, s, method, &params{Meta: meta, Cursor: cursor})
		if err != nil {
			return nil, err
		}
		var res map[string]jsontext.Value
		if err := json.Unmarshal(raw, &res); err != nil {
			return nil, fmt.Errorf("%s: %w", method, err)
		}
		var got []jsontext.Value
		if err := json.Unmarshal(res[key], &got); err != nil && len(res[key]) > 0 {
			return nil, fmt.Errorf("%s: %s: %w", method, key, err)
		}
		items = append(items, got...)
		var next string
		_ = json.Unmarshal(res["nextCursor"], &next)
		if next == "" || next == cursor {
			break
		}
		cursor = next
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "{%q:[", key)
	for i, it := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(it)
	}
	b.WriteString("]}")
	return b.Bytes(), nil
}

// jsonBool reads a boolean member of a JSON object.
func jsonBool(obj jsontext.Value, name string) (bool, error) {
	var m map[string]jsontext.Value
	if err := json.Unmarshal(obj, &m); err != nil {
		return false, err
	}
	var b bool
	err := json.Unmarshal(m[name], &b)
	return b, err
}

// printResult prints {"result": r} on one line for json, else r indented by two spaces, both as
// JavaScript's JSON.stringify writes them (the Inspector's output): members in the server's order,
// strings with only the escapes JSON needs, numbers in their shortest form.
func printResult(w io.Writer, r jsontext.Value, jsonOut bool) error {
	var b bytes.Buffer
	opts := []jsontext.Options{jsontext.CanonicalizeRawFloats(true), jsontext.CanonicalizeRawInts(true)}
	if jsonOut {
		b.WriteString(`{"result":`)
	} else {
		opts = append(opts, jsontext.WithIndent("  "))
	}
	enc := jsontext.NewEncoder(&b, opts...)
	dec := jsontext.NewDecoder(bytes.NewReader(r))
	for {
		tok, err := dec.ReadToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if err := enc.WriteToken(tok); err != nil {
			return err
		}
	}
	out := bytes.TrimRight(b.Bytes(), "\n")
	if jsonOut {
		out = append(out, '}')
	}
	_, err := fmt.Fprintf(w, "%s\n", out)
	return err
}
