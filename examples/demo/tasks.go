package demo

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

// ProcessArgs are the arguments of the process_files tool.
type ProcessArgs struct {
	Files int    `json:"files" jsonschema:"description=how many (pretend) files to process (1 to 600; one per 100 ms),minimum=1,maximum=600"`
	Label string `json:"label,omitempty" jsonschema:"a label the result and the server's log show"`
}

// processTick is how long process_files spends on one file.
const processTick = 100 * time.Millisecond

// AddTaskTools registers process_files: a long-running tool that runs as a task when the client can take
// one (2026-07-28 clients declaring io.modelcontextprotocol/tasks, 2025-11-25 clients calling it with
// params.task) and inline otherwise. As a task it outlives the request: the client polls tasks/get (on any
// node sharing the task store), sees the status message move ("file 12 of 50"), and may cancel it with
// tasks/cancel from any node. Inline, the same body reports progress notifications.
func AddTaskTools(s *server.Server) {
	server.TaskTool(s, "process_files", "Process a batch of files, one every 100 ms, reporting progress; runs as a task when the client supports tasks (poll it, cancel it, from any node)",
		mcp.TaskOptional, func(ctx context.Context, in ProcessArgs) (string, error) {
			n := min(max(in.Files, 1), 600)
			id, asTask := server.TaskID(ctx)
			slog.Info("demo: process_files started", "label", in.Label, "files", n, "task", id)
			t := time.NewTicker(processTick)
			defer t.Stop()
			for i := 1; i <= n; i++ {
				select {
				case <-ctx.Done():
					slog.Info("demo: process_files stopped", "label", in.Label, "at", i, "task", id)
					return "", ctx.Err()
				case <-t.C:
				}
				msg := fmt.Sprintf("file %d of %d", i, n)
				_ = server.Progress(ctx, float64(i), float64(n), msg)
				if asTask && (i%5 == 0 || i == n) { // a status write every 500 ms is plenty for pollers
					_ = server.SetTaskStatus(ctx, msg)
				}
			}
			slog.Info("demo: process_files done", "label", in.Label, "task", id)
			return fmt.Sprintf("processed %d files (%s)", n, in.Label), nil
		})
}
