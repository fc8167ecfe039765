package main

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/mcpkit/mcpkit/internal/cli/verb"
)

func newCall() *cobra.Command {
	var f verbFlags
	cmd := &cobra.Command{
		Use:   "call TARGET TOOL [k=v...]  |  call TOOL [k=v...] -- COMMAND...",
		Short: "Call a tool and print its result",
		Long: "Call a tool with arguments k=v, each typed from the tool's input schema (numbers, booleans, JSON\n" +
			"objects and arrays; other values are strings). The result's text goes to stdout; with --json the\n" +
			"whole result as JSON (structured content included). A tool that fails (isError) prints its text on\n" +
			"stderr and exits 5.\n\n" +
			"While the call runs, its progress is a bar on stderr (a plain line per update when stderr is not a\n" +
			"terminal, or with --no-progress) and its log messages are printed on stderr as they come.\n\n" +
			"When the server asks the user (elicitation), a form built from its schema is shown on stderr and\n" +
			"read from stdin: defaults in brackets (Enter takes them), choices by number, then send, decline or\n" +
			"cancel. A URL-mode request prints the URL and opens it in a browser ($BROWSER, xdg-open) if you say\n" +
			"yes. --elicit-answer JSON answers every form with that object (checked against the form);\n" +
			"--no-interactive declines, as happens when stdin is not a terminal. Sampling requests are declined\n" +
			"unless --llm-base-url names an OpenAI-compatible endpoint to ask.\n\n" + verbTargetHelp,
		Example: "  mcpkit call http://127.0.0.1:8000/mcp add a=1 b=2\n" +
			"  mcpkit call \"mcpkit serve --stdio\" echo message=hi\n" +
			"  mcpkit call book_trip date=2024-12-25 --elicit-answer '{\"checkAlternative\":true}' -- mcpkit serve --stdio",
		RunE: func(cmd *cobra.Command, args []string) error {
			target, rest, err := splitTarget(cmd, args, true)
			if err != nil {
				return err
			}
			if len(rest) == 0 {
				return &usageError{cmd, errors.New("which tool? give TOOL after the target")}
			}
			s, err := f.connect(cmd.Context(), cmd, target, nil)
			if err != nil {
				return verbDone(cmd, nil, err)
			}
			defer s.Close()
			return verbDone(cmd, s, verb.Call(cmd.Context(), s.Session, s.env, rest[0], rest[1:]))
		},
	}
	f.register(cmd, true)
	return cmd
}
