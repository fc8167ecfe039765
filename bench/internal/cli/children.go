package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/mcpkit/mcpkit/bench/internal/child"
	"github.com/mcpkit/mcpkit/bench/internal/loadgen"
	"github.com/mcpkit/mcpkit/bench/internal/sdks"
)

// childFlags are the flags every child subcommand takes.
type childFlags struct {
	fs          *flag.FlagSet
	sdk         string
	maxSessions int
	modern      bool
	prof        child.Profiles
}

func newChildFlags(name string) *childFlags {
	c := &childFlags{fs: flag.NewFlagSet(name, flag.ContinueOnError)}
	c.fs.StringVar(&c.sdk, "sdk", "", "implementation to serve")
	c.fs.IntVar(&c.maxSessions, "max-sessions", 0, "legacy sessions the server must hold at once")
	c.fs.BoolVar(&c.modern, "modern", false, "serve the 2026-07-28 era (for SDKs that need a separate handler)")
	c.fs.StringVar(&c.prof.CPU, "cpuprofile", "", "CPU profile of the measurement window")
	c.fs.StringVar(&c.prof.Mem, "memprofile", "", "allocation profile")
	return c
}

func (c *childFlags) parse(args []string) (*sdks.SDK, error) {
	if err := c.fs.Parse(args); err != nil {
		return nil, err
	}
	c.prof.Stage()
	return sdks.Lookup(c.sdk)
}

// serveHTTP is the serve-http child: the SDK's Streamable HTTP handler at /mcp on a loopback port, until
// stdin closes.
func serveHTTP(args []string) error {
	cf := newChildFlags("serve-http")
	sdk, err := cf.parse(args)
	if err != nil {
		return err
	}
	if sdk.HTTP == nil {
		return fmt.Errorf("%s has no HTTP server", sdk.Name)
	}
	h, release, err := sdk.HTTP(sdks.HTTPOptions{MaxSessions: cf.maxSessions, Modern: cf.modern})
	if err != nil {
		return err
	}
	defer release()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/mcp", h)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 30 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	stats, err := child.ServeStats(cf.prof)
	if err != nil {
		srv.Close()
		return err
	}
	defer stats.Close()
	child.AnnounceHTTP(ln.Addr().String())
	child.WaitStdin()
	srv.Close()
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// serveStdio is the serve-stdio child: the SDK's stdio server on this process's stdin and stdout.
func serveStdio(args []string) error {
	cf := newChildFlags("serve-stdio")
	sdk, err := cf.parse(args)
	if err != nil {
		return err
	}
	if sdk.Stdio == nil {
		return fmt.Errorf("%s has no stdio server", sdk.Name)
	}
	stats, err := child.ServeStats(cf.prof)
	if err != nil {
		return err
	}
	defer stats.Close()
	return sdk.Stdio(context.Background(), os.Stdin, os.Stdout)
}

// runInMem is the run-inmem child: the SDK's own client calls its own server in this process, and the
// child measures itself (client and server together) and announces the result.
func runInMem(args []string) error {
	cf := newChildFlags("run-inmem")
	tool := cf.fs.String("tool", "add", "tool to call")
	clients := cf.fs.Int("clients", 1, "concurrent callers on the one session")
	duration := cf.fs.Duration("duration", time.Second, "measurement window")
	warmup := cf.fs.Duration("warmup", 0, "warm-up")
	sdk, err := cf.parse(args)
	if err != nil {
		return err
	}
	if sdk.InMemory == nil {
		return fmt.Errorf("%s has no in-memory transport", sdk.Name)
	}
	stats, err := child.ServeStats(child.Profiles{}) // the parent waits for it; profiles are taken below
	if err != nil {
		return err
	}
	defer stats.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	c, err := sdk.InMemory(ctx)
	cancel()
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	callCtx := context.Background()
	load := loadgen.StartFunc(*clients, func(int) error { return c.Call(callCtx, *tool) })
	time.Sleep(*warmup)
	before := child.Read(false)
	stop, err := child.StartProfiles(cf.prof)
	if err != nil {
		load.Stop(5 * time.Second)
		c.Close()
		return err
	}
	load.Measure()
	deadline := time.Now().Add(*duration)
	for time.Until(deadline) > 0 {
		time.Sleep(min(250*time.Millisecond, time.Until(deadline)))
		child.AnnounceProgress(load.Progress())
	}
	after := child.Read(false)
	res := load.Stop(5 * time.Second)
	if err := stop(); err != nil {
		return err
	}
	if err := c.Close(); err != nil {
		return fmt.Errorf("close: %w", err)
	}
	out := newCaseResult(res, after.Sub(before))
	return child.AnnounceResult(&out)
}
