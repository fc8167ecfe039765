package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/spf13/cobra"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/internal/cli"
	"github.com/mcpkit/mcpkit/mcp"
)

const inspectHelp = `Usage: mcpkit inspect --cli TARGET... --method METHOD [flags]

Calls one method of an MCP server and prints its result, with the MCP Inspector CLI's flags, JSON output and
exit codes (0 ok, 1 usage or other failure, 3 HTTP 401/403, 4 unreachable, 5 tool error).

TARGET is a URL (ending in /sse: HTTP+SSE; otherwise Streamable HTTP, falling back to HTTP+SSE) or a command
and its arguments (stdio). Put -- before a command whose own flags clash with these.

Methods: initialize, tools/list, tools/call, resources/list, resources/templates/list, resources/read,
prompts/list, prompts/get, logging/setLevel.

Flags:
  --cli                       command-line mode (the only mode)
  --method M                  the method to call
  --tool-name T               tools/call: the tool
  --tool-arg k=v              tools/call: an argument, typed from the tool's input schema (repeatable)
  --uri U                     resources/read: the resource
  --prompt-name P             prompts/get: the prompt
  --prompt-args k=v           prompts/get: an argument (repeatable)
  --log-level L               logging/setLevel: the level
  --transport sse|http|stdio  override the detected transport
  --header "K: V"             an HTTP header (repeatable)
  -e KEY=VALUE                an environment variable of the command (repeatable)
  --cwd DIR                   the command's working directory
  --protocol-era legacy|auto|modern   pin 2025-11-25, negotiate, or pin 2026-07-28
  --format json|text          json prints {"result": …}; text (the default) the result alone
  --config FILE               take the server from a host config file instead of TARGET (-e, --cwd
                              and --header still apply); --server NAME picks it (optional when the
                              file has one server; without --config the usual files are searched:
                              see mcpkit config ls --help)
`

// inspectFlags is the parsed command line of inspect.
type inspectFlags struct {
	cli                          bool
	method, toolName, uri        string
	promptName, logLevel, format string
	toolArgs, promptArgs         []string
	target                       cli.Target
	config                       cli.ConfigFlags
	help                         bool
}

func newInspect() *cobra.Command {
	return &cobra.Command{
		Use:                "inspect --cli TARGET... --method METHOD",
		Short:              "Call one method of an MCP server, as the MCP Inspector CLI does",
		DisableFlagParsing: true, // the command target has flags of its own: parseInspect sorts them out
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

// parseInspect reads the flags it knows anywhere on the line (--flag value or --flag=value); the other
// words, and everything after --, are the target.
func parseInspect(args []string) (*inspectFlags, error) {
	f := &inspectFlags{target: cli.Target{Header: http.Header{}}}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			f.target.Args = append(f.target.Args, args[i+1:]...)
			break
		}
		name, val, hasVal := a, "", false
		if strings.HasPrefix(a, "--") {
			name, val, hasVal = strings.Cut(a, "=")
		}
		value := func() (string, error) {
			if hasVal {
				return val, nil
			}
			if i+1 >= len(args) {
				return "", cli.Usage("flag %s needs a value", name)
			}
			i++
			return args[i], nil
		}
		var dst *string
		var list *[]string
		switch name {
		case "--cli":
			f.cli = true
			continue
		case "-h", "--help":
			f.help = true
			continue
		case "--method":
			dst = &f.method
		case "--tool-name":
			dst = &f.toolName
		case "--uri":
			dst = &f.uri
		case "--prompt-name":
			dst = &f.promptName
		case "--log-level":
			dst = &f.logLevel
		case "--format":
			dst = &f.format
		case "--transport":
			dst = &f.target.Transport
		case "--cwd":
			dst = &f.target.Dir
		case "--protocol-era":
			dst = &f.target.Era
		case "--config":
			dst = &f.config.File
		case "--server":
			dst = &f.config.Server
		case "--tool-arg":
			list = &f.toolArgs
		case "--prompt-args":
			list = &f.promptArgs
		case "-e":
			list = &f.target.Env
		case "--header":
			v, err := value()
			if err != nil {
				return nil, err
			}
			k, hv, ok := strings.Cut(v, ":")
			if !ok || strings.TrimSpace(k) == "" {
				return nil, cli.Usage("--header wants \"Name: value\", got %q", v)
			}
			f.target.Header.Add(strings.TrimSpace(k), strings.TrimSpace(hv))
			continue
		default:
			f.target.Args = append(f.target.Args, a)
			continue
		}
		v, err := value()
		if err != nil {
			return nil, err
		}
		if dst != nil {
			*dst = v
		} else {
			*list = append(*list, v)
		}
	}
	for _, kv := range f.target.Env {
		if _, _, err := cli.SplitKV("-e", kv); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func runInspect(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f, err := parseInspect(args)
	if err == nil && f.help {
		fmt.Fprint(stdout, inspectHelp)
		return exitOK
	}
	jsonOut := f != nil && f.format == "json"
	fail := func(err error) int {
		var e *cli.Error
		if !errors.As(err, &e) {
			e = &cli.Error{Exit: cli.ExitUsage, Code: "error", Err: err}
		}
		if jsonOut {
			b, _ := json.Marshal(map[string]any{"error": map[string]string{"code": e.Code, "message": e.Error()}})
			fmt.Fprintf(stderr, "%s\n", b)
		} else {
			fmt.Fprintln(stderr, "mcpkit inspect:", e.Error())
		}
		return e.Exit
	}
	if err != nil {
		return fail(err)
	}
	if err := f.fromConfig(ctx); err != nil {
		return fail(err)
	}
	if err := f.check(); err != nil {
		return fail(err)
	}
	conn, err := cli.Connect(ctx, &f.target, client.Options{ClientInfo: mcp.Implementation{Name: "mcpkit-inspect", Version: version()}})
	if err != nil {
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
	if err := printResult(stdout, result, jsonOut); err != nil {
		return fail(err)
	}
	if r, ok := result.(*mcp.CallToolResult); ok && r.IsError {
		return fail(&cli.Error{Exit: cli.ExitToolError, Code: "tool_is_error", Msg: fmt.Sprintf("Tool '%s' returned isError:true.", f.toolName)})
	}
	return exitOK
}

// fromConfig replaces the target by the server --config/--server name, keeping -e, --cwd, --header and
// --protocol-era.
func (f *inspectFlags) fromConfig(ctx context.Context) error {
	if !f.config.Given() {
		return nil
	}
	if err := cli.CheckNoTarget(f.target.Args, f.target.Transport); err != nil {
		return err
	}
	t, err := f.config.Target(ctx)
	if err != nil {
		return err
	}
	t.Override(f.target.Env, f.target.Dir, f.target.Header)
	t.Era = f.target.Era
	f.target = *t
	return nil
}

// check rejects a command line that cannot be run, before connecting.
func (f *inspectFlags) check() error {
	if !f.cli {
		return cli.Usage("only --cli mode is supported: add --cli")
	}
	switch f.format {
	case "", "json", "text":
	default:
		return cli.Usage("--format must be json or text, got %q", f.format)
	}
	if _, err := f.target.TransportOf(); err != nil {
		return err
	}
	if _, err := cli.ProtocolVersion(f.target.Era); err != nil {
		return err
	}
	need := func(v, flag string) error {
		if v == "" {
			return cli.Usage("%s needs %s", f.method, flag)
		}
		return nil
	}
	switch f.method {
	case "":
		return cli.Usage("--method is required")
	case "initialize", "tools/list", "resources/list", "resources/templates/list", "prompts/list":
		return nil
	case "tools/call":
		return need(f.toolName, "--tool-name")
	case "resources/read":
		return need(f.uri, "--uri")
	case "prompts/get":
		return need(f.promptName, "--prompt-name")
	case "logging/setLevel":
		return need(f.logLevel, "--log-level")
	}
	return cli.Usage("unsupported method %q; supported: initialize, tools/list, tools/call, resources/list, resources/read, resources/templates/list, prompts/list, prompts/get, logging/setLevel", f.method)
}

// initializeResult is what the initialize method prints: the server as the session learned it.
type initializeResult struct {
	ServerInfo      mcp.Implementation     `json:"serverInfo"`
	ProtocolVersion string                 `json:"protocolVersion"`
	Capabilities    mcp.ServerCapabilities `json:"capabilities"`
	Instructions    string                 `json:"instructions,omitempty"`
}

// emptyResult is the result of logging/setLevel.
type emptyResult struct{}

func (f *inspectFlags) call(ctx context.Context, s *cli.Conn) (any, error) {
	switch f.method {
	case "initialize":
		return &initializeResult{s.ServerInfo(), s.ProtocolVersion(), s.ServerCapabilities(), s.Instructions()}, nil
	case "tools/list":
		return all(ctx, s.Tools, func(x []mcp.Tool) any { return map[string]any{"tools": x} })
	case "resources/list":
		return all(ctx, s.Resources, func(x []mcp.Resource) any { return map[string]any{"resources": x} })
	case "resources/templates/list":
		return all(ctx, s.ResourceTemplates, func(x []mcp.ResourceTemplate) any { return map[string]any{"resourceTemplates": x} })
	case "prompts/list":
		return all(ctx, s.Prompts, func(x []mcp.Prompt) any { return map[string]any{"prompts": x} })
	case "resources/read":
		return s.ReadResource(ctx, f.uri)
	case "prompts/get":
		args := map[string]string{}
		for _, kv := range f.promptArgs {
			k, v, err := cli.SplitKV("--prompt-args", kv)
			if err != nil {
				return nil, err
			}
			args[k] = v
		}
		return s.GetPrompt(ctx, f.promptName, args)
	case "logging/setLevel":
		if err := s.SetLevel(ctx, mcp.LoggingLevel(f.logLevel)); err != nil {
			return nil, err
		}
		return emptyResult{}, nil
	case "tools/call":
		var tool *mcp.Tool
		for t, err := range s.Tools(ctx) {
			if err != nil {
				return nil, err
			}
			if t.Name == f.toolName {
				tool = &t
				break
			}
		}
		if tool == nil {
			return nil, &cli.Error{Exit: cli.ExitToolError, Code: "tool_not_found", Msg: fmt.Sprintf("Tool '%s' not found on server.", f.toolName)}
		}
		args, err := cli.ToolArgs(tool.InputSchema, f.toolArgs)
		if err != nil {
			return nil, err
		}
		return s.CallTool(ctx, f.toolName, args)
	}
	return nil, cli.Usage("unsupported method %q", f.method)
}

// all collects every page of a list and wraps it as the list result.
func all[T any](ctx context.Context, seq func(context.Context) iter.Seq2[T, error], wrap func([]T) any) (any, error) {
	items := []T{}
	for x, err := range seq(ctx) {
		if err != nil {
			return nil, err
		}
		items = append(items, x)
	}
	return wrap(items), nil
}

// printResult prints {"result": r} on one line for json, else r indented by two spaces.
func printResult(w io.Writer, r any, jsonOut bool) error {
	b, err := json.Marshal(r, json.Deterministic(true))
	if err != nil {
		return err
	}
	if jsonOut {
		_, err = fmt.Fprintf(w, "{\"result\":%s}\n", b)
		return err
	}
	v := jsontext.Value(b)
	if err := v.Indent(jsontext.WithIndent("  ")); err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", v)
	return err
}
