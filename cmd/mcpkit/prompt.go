package main

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/mcpkit/mcpkit/internal/cli/verb"
)

func newPrompt() *cobra.Command {
	var f verbFlags
	cmd := &cobra.Command{
		Use:   "prompt TARGET NAME [k=v...]  |  prompt NAME [k=v...] -- COMMAND...",
		Short: "Get a prompt and print its messages",
		Long: "Get a prompt with arguments k=v and print its messages, each under its role ([user], [assistant]).\n" +
			"--json prints the whole result.\n\n" + verbTargetHelp,
		Example: "  mcpkit prompt http://127.0.0.1:8000/mcp review_code code='print(1)'",
		RunE: func(cmd *cobra.Command, args []string) error {
			target, rest, err := splitTarget(cmd, args, true)
			if err != nil {
				return err
			}
			if len(rest) == 0 {
				return &usageError{cmd, errors.New("which prompt? give NAME after the target")}
			}
			s, err := f.connect(cmd.Context(), cmd, target, nil)
			if err != nil {
				return verbDone(cmd, nil, err)
			}
			defer s.Close()
			return verbDone(cmd, s, verb.Prompt(cmd.Context(), s.Session, s.env, rest[0], rest[1:]))
		},
	}
	f.register(cmd, true)
	return cmd
}
