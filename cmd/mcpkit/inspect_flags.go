package main

import (
	"net/http"
	"net/url"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mcpkit/mcpkit/internal/cli"
	"github.com/mcpkit/mcpkit/mcp"
)

// inspectFlags is the parsed command line of inspect.
type inspectFlags struct {
	cli, help, version, quiet    bool
	method, toolName, uri        string
	promptName, logLevel, format string
	serverURL, toolArgsJSON      string
	cursor                       string
	toolArgs, promptArgs         []string
	metadata, toolMetadata       []string
	connectTimeout               time.Duration
	target                       cli.Target
	config                       cli.ConfigFlags
	eraSet                       bool
}

// The Inspector CLI's flags that take a value, and the slices of inspectFlags the variadic ones fill.
var (
	inspectValueFlags = []string{"--method", "--tool-name", "--uri", "--prompt-name", "--log-level", "--format",
		"--transport", "--cwd", "--protocol-era", "--server-url", "--tool-args-json", "--connect-timeout", "-e",
		"--config", "--server", "--cursor"}
	inspectVariadicFlags = []string{"--tool-arg", "--prompt-args", "--header", "--metadata", "--tool-metadata"}
	// --stored-auth-only is accepted and changes nothing: inspect never starts an interactive login.
	inspectBoolFlags = []string{"--cli", "-h", "--help", "-V", "--version", "-q", "--quiet", "--stored-auth-only"}
	// Flags of the Inspector CLI 2.12.0 that inspect does not implement: naming one is an error rather
	// than a word of the target.
	inspectUnsupported = []string{"--catalog", "--rename", "--output",
		"--output-format", "--client-config", "--client-id", "--client-secret", "--client-metadata-url",
		"--callback-url", "--wait-for-auth", "--load-concurrency", "--load-duration", "--load-requests",
		"--load-rate", "--skill-catalog-max-skills", "--skill-catalog-max-bytes", "--completion", "--app-info",
		"--advertise-apps", "--strict", "--verify", "--require-digests", "--load", "--use-stored-auth",
		"--relogin", "--no-revoke", "--list-stored-auth", "--print-handoff"}
)

// isOptionToken is the Inspector's (and its argument parser's) test for a flag: a dash and more.
func isOptionToken(a string) bool { return len(a) > 1 && a[0] == '-' }

// parseInspect reads the command line as the Inspector CLI 2.12.0 does: flags anywhere, `--flag value`
// or `--flag=value` (and `-eKEY=VALUE`); the list flags (--tool-arg, --prompt-args, --header,
// --metadata, --tool-metadata) take every following word up to the next flag, so `--tool-arg a=1 b=2`
// passes two arguments; the words that are no flag's are the target. A `--` splits the line: when the
// words before it do not start with a flag they are the target and the flags follow, else the flags come
// first and the target after.
func parseInspect(args []string) (*inspectFlags, error) {
	f := &inspectFlags{target: cli.Target{Header: http.Header{}}}
	if len(args) > 0 && args[0] == "--cli" { // the Inspector's launcher takes its mode from the first word
		f.cli, args = true, args[1:]
	}
	var leading, trailing []string
	opts := args
	if i := slices.Index(args, "--"); i >= 0 {
		before, after := args[:i], args[i+1:]
		if len(before) > 0 && !isOptionToken(before[0]) {
			leading, opts = before, after
		} else {
			opts, trailing = before, after
		}
	}
	var operands, unknown []string
	variadic := "" // the list flag that takes the following words
	for i := 0; i < len(opts); i++ {
		a := opts[i]
		if variadic != "" && !isOptionToken(a) {
			if err := f.set(variadic, a); err != nil {
				return nil, err
			}
			continue
		}
		variadic = ""
		name, val, hasVal := a, "", false
		if strings.HasPrefix(a, "--") {
			if n, v, ok := strings.Cut(a, "="); ok && slices.Contains(append(inspectValueFlags, inspectVariadicFlags...), n) {
				name, val, hasVal = n, v, true
			}
		} else if len(a) > 2 && strings.HasPrefix(a, "-e") {
			name, val, hasVal = "-e", a[2:], true
		}
		if slices.Contains(inspectUnsupported, name) || strings.HasPrefix(a, "--") && slices.Contains(inspectUnsupported, strings.SplitN(a, "=", 2)[0]) {
			return nil, cli.Usage("mcpkit inspect does not support the Inspector's %s", strings.SplitN(a, "=", 2)[0])
		}
		switch {
		case slices.Contains(inspectBoolFlags, name):
			switch name {
			case "--cli":
				f.cli = true
			case "-h", "--help":
				f.help = true
			case "-V", "--version":
				f.version = true
			case "-q", "--quiet":
				f.quiet = true
			}
			continue
		case slices.Contains(inspectValueFlags, name) || slices.Contains(inspectVariadicFlags, name):
			if !hasVal {
				if i+1 >= len(opts) {
					return nil, cli.Usage("error: option '%s' argument missing", name)
				}
				i++
				val = opts[i]
			}
			if err := f.set(name, val); err != nil {
				return nil, err
			}
			if slices.Contains(inspectVariadicFlags, name) {
				variadic = name
			}
			continue
		}
		if isOptionToken(a) || len(unknown) > 0 {
			unknown = append(unknown, a) // from the first unknown flag on, words follow the unknown ones
		} else {
			operands = append(operands, a)
		}
	}
	parsed := append(operands, unknown...)
	if len(leading) == 0 {
		for len(parsed) > 0 && isOptionToken(parsed[0]) {
			parsed = parsed[1:]
		}
	}
	f.target.Args = append(append(append([]string{}, leading...), parsed...), trailing...)
	return f, nil
}

// list returns the slice a variadic flag fills.
func (f *inspectFlags) list(name string) *[]string {
	switch name {
	case "--tool-arg":
		return &f.toolArgs
	case "--prompt-args":
		return &f.promptArgs
	case "--metadata":
		return &f.metadata
	}
	return &f.toolMetadata
}

// set records one flag value, checking it as the Inspector does when it parses.
func (f *inspectFlags) set(name, v string) error {
	switch name {
	case "--method":
		f.method = v
	case "--tool-name":
		f.toolName = v
	case "--uri":
		f.uri = v
	case "--prompt-name":
		f.promptName = v
	case "--log-level":
		if !mcp.LoggingLevel(v).Valid() {
			return cli.Usage("Invalid log level: %s. Valid levels are: debug, info, notice, warning, error, critical, alert, emergency", v)
		}
		f.logLevel = v
	case "--format":
		if v != "text" && v != "json" {
			return cli.Usage("--format must be 'text' or 'json'.")
		}
		f.format = v
	case "--transport":
		if v != "sse" && v != "http" && v != "stdio" {
			return cli.Usage("Invalid transport type: %s. Valid types are: sse, http, stdio", v)
		}
		f.target.Transport = v
	case "--cwd":
		f.target.Dir = strings.TrimSpace(v)
	case "--protocol-era":
		if v != "legacy" && v != "auto" && v != "modern" {
			return cli.Usage("Invalid protocol era: %s. Valid eras are: legacy, auto, modern", v)
		}
		f.target.Era, f.eraSet = v, true
	case "--config":
		f.config.File = v
	case "--server":
		f.config.Server = v
	case "--cursor":
		f.cursor = v
	case "--server-url":
		f.serverURL = v
	case "--tool-args-json":
		f.toolArgsJSON = v
	case "--connect-timeout":
		ms, err := strconv.ParseFloat(v, 64)
		if err != nil || ms < 0 {
			return cli.Usage("--connect-timeout must be a non-negative number of milliseconds, got %q", v)
		}
		f.connectTimeout = time.Duration(ms * float64(time.Millisecond))
		if ms == 0 {
			f.connectTimeout = -1 // no timeout
		}
	case "-e":
		if k, val, ok := strings.Cut(v, "="); !ok || k == "" || val == "" {
			return cli.Usage("Invalid parameter format: %s. Use key=value format.", v)
		}
		f.target.Env = append(f.target.Env, v)
	case "--header":
		k, hv, err := cli.ParseHeader(v)
		if err != nil {
			return err
		}
		f.target.Header.Set(k, hv) // a later value of the same header replaces the earlier one
	case "--tool-arg", "--prompt-args", "--metadata", "--tool-metadata":
		*f.list(name) = append(*f.list(name), v)
	}
	return nil
}

// checkTarget applies the Inspector's rules to the target words, with its messages: a URL is a first word
// starting with http:// or https:// and takes no more words; --transport stdio takes no URL, sse and
// http take nothing else; a command must exist (the Inspector's spawn fails: exit 1, not 4). A URL that
// ends in neither /mcp nor /sse is Streamable HTTP falling back to HTTP+SSE (the Inspector refuses it).
func checkTarget(t *cli.Target) error {
	if len(t.Args) == 0 || t.Args[0] == "" {
		return cli.Usage("Target is required. Specify a URL or a command to execute.")
	}
	first := t.Args[0]
	if !strings.HasPrefix(first, "http://") && !strings.HasPrefix(first, "https://") {
		if t.Transport != "" && t.Transport != "stdio" {
			return cli.Usage("Only stdio transport can be used with local commands.")
		}
		if _, err := exec.LookPath(first); err != nil {
			return &cli.Error{Exit: cli.ExitUsage, Code: "error", Err: err}
		}
		t.Transport = "stdio"
		return nil
	}
	if len(t.Args) > 1 {
		return cli.Usage("Arguments cannot be passed to a URL-based MCP server.")
	}
	if u, err := url.Parse(first); err != nil || u.Host == "" {
		return cli.Usage("Invalid URL: %s", first)
	}
	if t.Transport == "stdio" {
		return cli.Usage("stdio transport cannot be used with a URL (%s). Use --transport http or --transport sse, or pass a local command instead.", first)
	}
	_, err := t.TransportOf()
	return err
}
