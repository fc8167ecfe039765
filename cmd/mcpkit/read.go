package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mcpkit/mcpkit/internal/cli/verb"
)

func newRead() *cobra.Command {
	var f verbFlags
	cmd := &cobra.Command{
		Use:   "read TARGET URI  |  read URI -- COMMAND...",
		Short: "Read a resource and print its contents",
		Long: "Read a resource: text is printed; a binary blob is written as it is when stdout is not a terminal\n" +
			"(mcpkit read … > file saves it) and summarised when it is. --json prints the whole result.\n\n" + verbTargetHelp,
		Example: "  mcpkit read http://127.0.0.1:8000/mcp greeting://chris",
		RunE: func(cmd *cobra.Command, args []string) error {
			target, rest, err := splitTarget(cmd, args, true)
			if err != nil {
				return err
			}
			if len(rest) != 1 {
				return &usageError{cmd, fmt.Errorf("give one URI after the target, got %d words", len(rest))}
			}
			if rest[0] == "" {
				return &usageError{cmd, errors.New("the URI is empty")}
			}
			s, err := f.connect(cmd.Context(), cmd, target, nil)
			if err != nil {
				return verbDone(cmd, nil, err)
			}
			defer s.Close()
			return verbDone(cmd, s, verb.Read(cmd.Context(), s.Session, s.env, rest[0]))
		},
	}
	f.register(cmd, true)
	return cmd
}
