package main

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/mcpkit/mcpkit/internal/hostconfig"
)

func newConfig() *cobra.Command {
	c := &cobra.Command{
		Use:   "config",
		Short: "Read host applications' MCP config files",
		Args:  noArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	c.AddCommand(newConfigLs())
	return c
}

func newConfigLs() *cobra.Command {
	var long strings.Builder
	long.WriteString(`Shows the MCP servers of a host config file: name, transport, command or URL, the names of the
environment variables (not their values), headers with their values masked (variable references such as
${input:key} are kept), and the file's inputs. Nothing is substituted and nothing is asked.

FILE is a Claude Desktop, Claude Code or Cursor file ("mcpServers"), or a VS Code mcp.json ("servers",
"inputs") or settings.json ("mcp": {…}); comments and trailing commas are allowed. Without FILE, every one
of these that exists and lists servers is shown, in this order (the order --server NAME is looked up in
when no --config is given):
`)
	for _, l := range hostconfig.Locations(hostconfig.Place{}) {
		fmt.Fprintf(&long, "  %-15s %-8s %s\n", l.Host, l.Scope, l.Path)
	}
	return &cobra.Command{
		Use:   "ls [FILE]",
		Short: "List the servers of a host config file, or of every usual one",
		Long:  long.String(),
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return &usageError{cmd, fmt.Errorf("%q takes at most one FILE, got %q", cmd.CommandPath(), args)}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			if len(args) == 1 {
				f, err := hostconfig.Load(args[0], hostconfig.LoadOptions{})
				if err != nil {
					return err
				}
				return printConfig(out, f, "")
			}
			found := hostconfig.Discover(hostconfig.Place{})
			if len(found) == 0 {
				fmt.Fprintln(out, "No host config file with MCP servers found; searched:")
				for _, l := range hostconfig.Locations(hostconfig.Place{}) {
					fmt.Fprintln(out, "  "+l.Path)
				}
				return nil
			}
			var failed []error
			for i, fd := range found {
				if i > 0 {
					fmt.Fprintln(out)
				}
				if fd.Err != nil {
					fmt.Fprintf(out, "# %s (%s, %s): unreadable, see below\n", fd.Path, fd.Host, fd.Scope)
					failed = append(failed, fd.Err)
					continue
				}
				if err := printConfig(out, fd.File, fd.Host+", "+fd.Scope); err != nil {
					return err
				}
			}
			return errors.Join(failed...)
		},
	}
}

// printConfig writes f's servers as a table, then its inputs.
func printConfig(w io.Writer, f *hostconfig.File, where string) error {
	if where == "" {
		where = map[hostconfig.Format]string{hostconfig.FormatMCPServers: "mcpServers", hostconfig.FormatVSCode: "VS Code servers",
			hostconfig.FormatVSCodeSettings: "VS Code settings"}[f.Format]
	}
	fmt.Fprintf(w, "# %s (%s)\n", f.Path, where)
	if len(f.Servers) == 0 {
		fmt.Fprintln(w, "no servers")
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, s := range f.Servers {
		target := s.URL
		if target == "" {
			target = shellJoin(append([]string{s.Command}, s.Args...))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Name, s.Transport(), target)
		if len(s.Env) > 0 {
			fmt.Fprintf(tw, "\t\tenv: %s\n", strings.Join(slices.Sorted(maps.Keys(s.Env)), ", "))
		}
		if s.EnvFile != "" {
			fmt.Fprintf(tw, "\t\tenvFile: %s\n", s.EnvFile)
		}
		if s.Cwd != "" {
			fmt.Fprintf(tw, "\t\tcwd: %s\n", s.Cwd)
		}
		for _, k := range slices.Sorted(maps.Keys(s.Headers)) {
			fmt.Fprintf(tw, "\t\theader: %s: %s\n", k, mask(s.Headers[k]))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, in := range f.Inputs {
		desc := in.Type
		if in.Password {
			desc += ", password"
		}
		if len(in.Options) > 0 {
			desc += ": " + strings.Join(in.Options, " | ")
		}
		if in.Default != "" && !in.Password {
			desc += ", default " + in.Default
		}
		if in.Description != "" {
			desc += `, "` + in.Description + `"`
		}
		fmt.Fprintf(w, "input %s (%s)\n", in.ID, desc)
	}
	return nil
}

// variableRef matches a ${…} reference.
var variableRef = regexp.MustCompile(`\$\{[^}]*\}`)

// mask hides a header value's literal text, keeping its variable references: "Bearer ${input:key}"
// is shown as "***${input:key}", "Bearer abc" as "***".
func mask(v string) string {
	var b strings.Builder
	last := 0
	for _, m := range variableRef.FindAllStringIndex(v, -1) {
		if m[0] > last {
			b.WriteString("***")
		}
		b.WriteString(v[m[0]:m[1]])
		last = m[1]
	}
	if last < len(v) {
		b.WriteString("***")
	}
	return b.String()
}

// shellJoin writes a command line, quoting the words a shell would split or expand.
func shellJoin(words []string) string {
	out := make([]string, len(words))
	for i, w := range words {
		if w == "" || strings.ContainsAny(w, " \t\n'\"\\|&;<>()*?!#~`") {
			w = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
		}
		out[i] = w
	}
	return strings.Join(out, " ")
}
