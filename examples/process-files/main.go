// Command process-files is the MCP book's resumable long-running tool: process_files works through a
// list of files, one at a time, sending a progress notification and a log message per file, and answers
// "Files processed: N". Over Streamable HTTP (legacy session) a client that disconnects mid-stream loses
// nothing: the tool runs on, its events are kept, and a GET with Last-Event-ID replays the ones after that
// id — the remaining progress and the result, exactly once.
//
//	go run ./examples/process-files                # Streamable HTTP at http://127.0.0.1:8000/mcp
//	go run ./examples/process-files --delay 2s     # slower, to interrupt by hand
//	go run ./examples/process-files --stdio        # over stdin/stdout
//
// See README.md in this directory.
package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/mcpkit/mcpkit/internal/exampleserve"
	"github.com/mcpkit/mcpkit/server"
)

// ProcessArgs are the arguments of process_files.
type ProcessArgs struct {
	Files []string `json:"files,omitempty" jsonschema:"description=the files to process (default: the book's three),maxItems=100"`
}

// DefaultFiles are processed when the call names none.
var DefaultFiles = []string{"chapter1.txt", "chapter2.txt", "chapter3.txt"}

// Options configure the server. The zero value processes a file a second.
type Options struct {
	// Delay is the time one file takes (default 1s).
	Delay time.Duration
	// Pace, when set, is waited on before each file (numbered from 1) instead of Delay: tests use it to
	// hold the tool mid-stream. An error stops the tool.
	Pace func(ctx context.Context, file int) error
}

// pace waits before file i: o.Pace, or o.Delay unless ctx ends first.
func (o Options) pace(ctx context.Context, i int) error {
	if o.Pace != nil {
		return o.Pace(ctx, i)
	}
	d := o.Delay
	if d <= 0 {
		d = time.Second
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// New returns the process-files server.
func New(o Options) *server.Server {
	s := server.New("process-files", "0.1.0", &server.Options{Instructions: "process_files processes files one at a time, reporting progress; over Streamable HTTP its stream can be resumed."})
	server.Tool(s, "process_files", "Process files one at a time, reporting progress per file",
		func(ctx context.Context, in ProcessArgs) (string, error) {
			files := in.Files
			if len(files) == 0 {
				files = DefaultFiles
			}
			log := server.Log(ctx)
			for i, f := range files {
				if err := o.pace(ctx, i+1); err != nil {
					return "", fmt.Errorf("stopped before %s: %w", f, err)
				}
				msg := fmt.Sprintf("Processing file %d/%d: %s", i+1, len(files), f)
				log.Info(msg)
				_ = server.Progress(ctx, float64(i+1), float64(len(files)), msg)
			}
			return fmt.Sprintf("Files processed: %d", len(files)), nil
		})
	return s
}

func main() {
	delay := flag.Duration("delay", time.Second, "time one file takes")
	exampleserve.Main("process-files", func(ctx context.Context, f exampleserve.Flags) error {
		return run(ctx, f, Options{Delay: *delay})
	})
}

// run serves New(o) until ctx ends.
func run(ctx context.Context, f exampleserve.Flags, o Options) error {
	return exampleserve.Runner(func() *server.Server { return New(o) })(ctx, f)
}
