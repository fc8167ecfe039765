package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/internal/cli/verb"
)

func newListen() *cobra.Command {
	var (
		f         verbFlags
		subscribe []string
		count     int
		forTime   time.Duration
	)
	cmd := &cobra.Command{
		Use:   "listen TARGET...",
		Short: "Print a server's notifications as they come",
		Long: "Print the server's notifications as they come, one line each (one JSON object each with --json):\n" +
			"tools, resources and prompts list changes, updates of the resources given with --subscribe, and\n" +
			"log messages (--log-level). It runs until Ctrl-C, the end of input on a terminal (Ctrl-D),\n" +
			"--for, or --count notifications.\n\n" + verbTargetHelp,
		Example: "  mcpkit listen http://127.0.0.1:8000/mcp --subscribe greeting://chris",
		RunE: func(cmd *cobra.Command, args []string) error {
			target, _, err := splitTarget(cmd, args, false)
			if err != nil {
				return err
			}
			if count < 0 || forTime < 0 {
				return &usageError{cmd, errors.New("--count and --for cannot be negative")}
			}
			ctx, cancel := context.WithCancel(cmd.Context())
			defer cancel()
			if forTime > 0 {
				ctx, cancel = context.WithTimeout(ctx, forTime)
				defer cancel()
			}
			if in := cmd.InOrStdin(); isTerminal(in) {
				// Ctrl-D ends listening. The read cannot be interrupted: this goroutine ends with the
				// process, which exits right after the verb.
				go func() {
					_, _ = io.Copy(io.Discard, in)
					cancel()
				}()
			}
			var l *verb.Listener
			s, err := f.connect(ctx, cmd, target, func(env *verb.Env, o *client.Options) {
				l = verb.NewListener(env, count)
				l.Hook(o)
			})
			if err != nil {
				return verbDone(cmd, nil, err)
			}
			defer s.Close()
			err = l.Run(ctx, s.Session, subscribe)
			if err == nil && ctx.Err() != nil && cmd.Context().Err() == nil && forTime == 0 {
				fmt.Fprintln(cmd.ErrOrStderr(), "mcpkit listen: end of input")
			}
			return verbDone(cmd, s, err)
		},
	}
	f.register(cmd, false)
	cmd.Flags().StringArrayVar(&subscribe, "subscribe", nil, "also print the updates of this resource (repeatable)")
	cmd.Flags().IntVar(&count, "count", 0, "stop after this many notifications (0: no limit)")
	cmd.Flags().DurationVar(&forTime, "for", 0, "stop after this long (0: no limit)")
	return cmd
}
