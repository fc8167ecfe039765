package main

import (
	"github.com/spf13/cobra"

	"github.com/mcpkit/mcpkit/internal/cli/verb"
)

func newLs() *cobra.Command {
	var f verbFlags
	cmd := &cobra.Command{
		Use:   "ls TARGET...",
		Short: "List a server's tools, resources, resource templates and prompts",
		Long: "List a server's tools (with their arguments: name:type, a ? after an optional one), resources,\n" +
			"resource templates and prompts as tables; a section the server does not offer says so. --json prints\n" +
			"the four lists as one JSON object.\n\n" + verbTargetHelp,
		Example: "  mcpkit ls http://127.0.0.1:8000/mcp\n  mcpkit ls -- mcpkit serve --stdio",
		RunE: func(cmd *cobra.Command, args []string) error {
			target, _, err := splitTarget(cmd, args, false)
			if err != nil {
				return err
			}
			s, err := f.connect(cmd.Context(), cmd, target, nil)
			if err != nil {
				return verbDone(cmd, nil, err)
			}
			defer s.Close()
			return verbDone(cmd, s, verb.Ls(cmd.Context(), s.Session, s.env))
		},
	}
	f.register(cmd, false)
	return cmd
}
