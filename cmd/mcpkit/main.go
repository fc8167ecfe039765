// Command mcpkit is the MCP toolkit's command line: serve runs the demo server over Streamable HTTP (both
// protocol eras) or stdio, authserver runs the development OAuth authorization server, and version prints the
// build's version. inspect calls a server as the MCP Inspector CLI does; config ls shows host applications'
// server lists; login and logout keep and forget OAuth tokens; completion prints shell completion scripts.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	context.AfterFunc(ctx, stop) // the first signal asks for a clean stop; a second one kills as usual
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit codes of the command.
const (
	exitOK    = 0
	exitError = 1 // the command ran and failed
	exitUsage = 2 // the command line is wrong: unknown verb, flag or argument
)

// run executes the command line args and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRoot()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	var usage *usageError
	var coded *exitCodeError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &coded):
		return coded.code
	case errors.As(err, &usage):
		fmt.Fprintf(stderr, "mcpkit: %v\n\n%s", usage.err, usage.cmd.UsageString())
		return exitUsage
	default:
		fmt.Fprintln(stderr, "mcpkit:", err)
		return exitError
	}
}

// usageError is a wrong command line: it is printed with the usage of the command it concerns.
type usageError struct {
	cmd *cobra.Command
	err error
}

func (e *usageError) Error() string { return e.err.Error() }

func (e *usageError) Unwrap() error { return e.err }

// noArgs accepts no positional arguments: an argument where none belongs is a usage error naming it.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if cmd.HasSubCommands() {
		return &usageError{cmd, fmt.Errorf("unknown command %q for %q", args[0], cmd.CommandPath())}
	}
	return &usageError{cmd, fmt.Errorf("%q takes no arguments, got %q", cmd.CommandPath(), args[0])}
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "mcpkit",
		Short:         "A Go toolkit for the Model Context Protocol",
		Version:       version(),
		Args:          noArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		// Without a verb: the help, on stdout, exit 0.
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	root.SetVersionTemplate("mcpkit {{.Version}}\n")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return &usageError{cmd, err} })
	root.AddCommand(newServe(), newVersion(), newAuthserver(), newInspect())
	root.AddCommand(newLs(), newCall(), newRead(), newPrompt(), newListen(), newPing(), newChat())
	root.AddCommand(newConfig(), newLogin(), newLogout())
	root.AddCommand(newBridge(), newGateway())
	completionUsage(root)
	return root
}

// completionUsage adds cobra's completion command (bash, zsh, fish, powershell) now rather than at
// Execute, so that a wrong word after it is a usage error (exit 2) like everywhere else instead of
// printing its help with exit 0.
func completionUsage(root *cobra.Command) {
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() != "completion" {
			continue
		}
		c.Args = noArgs
		c.RunE = func(cmd *cobra.Command, args []string) error { return cmd.Help() }
		for _, sh := range c.Commands() {
			sh.Args = noArgs
		}
	}
}
