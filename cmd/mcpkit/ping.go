package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcpkit/mcpkit/internal/cli/verb"
)

func newPing() *cobra.Command {
	var (
		f        verbFlags
		count    int
		interval time.Duration
	)
	cmd := &cobra.Command{
		Use:   "ping TARGET...",
		Short: "Measure the round trip to a server",
		Long: "Connect to a server and measure round trips: ping in a legacy session, server/discover at\n" +
			"2026-07-28 (which has no ping). The connection itself is not counted.\n\n" + verbTargetHelp,
		Example: "  mcpkit ping http://127.0.0.1:8000/mcp -c 5",
		RunE: func(cmd *cobra.Command, args []string) error {
			target, _, err := splitTarget(cmd, args, false)
			if err != nil {
				return err
			}
			if count < 1 {
				return &usageError{cmd, fmt.Errorf("--count must be at least 1, got %d", count)}
			}
			s, err := f.connect(cmd.Context(), cmd, target, nil)
			if err != nil {
				return verbDone(cmd, nil, err)
			}
			defer s.Close()
			return verbDone(cmd, s, verb.Ping(cmd.Context(), s.Session, s.env, count, interval))
		},
	}
	f.register(cmd, false)
	cmd.Flags().IntVarP(&count, "count", "c", 1, "how many round trips")
	cmd.Flags().DurationVarP(&interval, "interval", "i", time.Second, "the pause between two round trips")
	return cmd
}
