package exampleserve

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/mcpkit/mcpkit/server"
)

// DefaultAddr is where an example serves HTTP unless --addr says otherwise (the demo's default).
const DefaultAddr = "127.0.0.1:8000"

// Flags are the command-line settings every example takes.
type Flags struct {
	// Addr is the address HTTP is served on.
	Addr string
	// Stdio serves over stdin/stdout instead of HTTP.
	Stdio bool
}

// Register adds --addr and --stdio to fs and returns where their values land.
func Register(fs *flag.FlagSet) *Flags {
	f := &Flags{}
	fs.StringVar(&f.Addr, "addr", DefaultAddr, "address to serve Streamable HTTP and HTTP+SSE on (loopback)")
	fs.BoolVar(&f.Stdio, "stdio", false, "serve over stdin/stdout instead of HTTP")
	return f
}

// Main parses the command line (--addr, --stdio and whatever the example registered on flag.CommandLine
// before), runs run with a context that ends on SIGINT or SIGTERM, and exits 1 with the error run returns.
func Main(name string, run func(ctx context.Context, f Flags) error) {
	f := Register(flag.CommandLine)
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, *f)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

// Serve serves s until ctx ends: over stdin/stdout with f.Stdio, else over HTTP on f.Addr (Streamable HTTP
// at /mcp, HTTP+SSE at /sse), draining running calls before it returns. It does not close s.
func Serve(ctx context.Context, s *server.Server, f Flags) error {
	if f.Stdio {
		return s.ServeStdio(ctx)
	}
	slog.Info("serving", "server", s.Info().Name, "streamable", "http://"+f.Addr+"/mcp", "sse", "http://"+f.Addr+"/sse")
	return s.ListenAndServeContext(ctx, f.Addr, nil)
}

// Runner returns the run function of an example whose server build makes: it builds the server, serves
// it with Serve until ctx ends, and closes it.
func Runner(build func() *server.Server) func(ctx context.Context, f Flags) error {
	return func(ctx context.Context, f Flags) error {
		s := build()
		defer s.Close()
		return Serve(ctx, s, f)
	}
}
