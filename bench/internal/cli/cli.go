package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// Main runs mcpbench with args (without the program name) and returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "serve-http":
			return childMain(serveHTTP, args[1:])
		case "serve-stdio":
			return childMain(serveStdio, args[1:])
		case "run-inmem":
			return childMain(runInMem, args[1:])
		}
	}
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "mcpbench:", err)
		return 2
	}
	if err := run(cfg, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "mcpbench:", err)
		return 1
	}
	return 0
}

func childMain(fn func([]string) error, args []string) int {
	if err := fn(args); err != nil {
		fmt.Fprintln(os.Stderr, "mcpbench child:", err)
		return 1
	}
	return 0
}

// config is the parent's configuration.
type config struct {
	sdks, transports, tools []string
	clients, rounds         int
	duration, warmup        time.Duration
	idleSessions            int
	cpuProfile, memProfile  string
}

// Transports, in table order.
const (
	trLegacy = "http-legacy"
	trModern = "http-modern"
	trInMem  = "inmem"
	trStdio  = "stdio"
)

var allTransports = []string{trLegacy, trModern, trInMem, trStdio}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("mcpbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, `usage: mcpbench [-compare] [flags]

Drives MCP servers on 127.0.0.1 with a bounded load and prints throughput, latency, server allocations,
CPU and memory per call; the last line is "summary: vs-go-sdk=… vs-mcp-go=… vs-raw=…" (mcpkit's HTTP
tools/call throughput in a legacy session divided by each).

flags:`)
		fs.PrintDefaults()
	}
	compare := fs.Bool("compare", false, "run every implementation (mcpkit, go-sdk, mcp-go, raw); without it, those in -sdks")
	sdkList := fs.String("sdks", "mcpkit", "comma-separated implementations: mcpkit, go-sdk, mcp-go, raw")
	trList := fs.String("transports", strings.Join(allTransports, ","), "comma-separated transports")
	toolList := fs.String("tools", "add,text4k", "comma-separated tools")
	clients := fs.Int("clients", 50, "concurrent clients (each with one call in flight)")
	duration := fs.Duration("duration", 10*time.Second, "measurement time per case (split over the rounds)")
	rounds := fs.Int("rounds", 5, "rounds: each case is measured duration/rounds at a time, the cases taking turns")
	warmup := fs.Duration("warmup", 0, "warm-up before each round of a case (0: a fifth of the round, at most 1s)")
	idle := fs.Int("idle-sessions", 10000, "legacy sessions to open per SDK for the idle-session figure (0: skip)")
	cpu := fs.String("cpuprofile", "", "write each server's CPU profile over its measurement window (the case name is added to the file name)")
	mem := fs.String("memprofile", "", "write each server's allocation profile (sampled every 4 KiB; the case name is added)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	cfg := &config{
		sdks:         split(*sdkList),
		transports:   split(*trList),
		tools:        split(*toolList),
		clients:      *clients,
		rounds:       *rounds,
		duration:     *duration,
		warmup:       *warmup,
		idleSessions: *idle,
		cpuProfile:   *cpu,
		memProfile:   *mem,
	}
	if *compare {
		cfg.sdks = []string{"mcpkit", "go-sdk", "mcp-go", "raw"}
	}
	switch {
	case cfg.rounds < 1:
		return nil, errors.New("-rounds must be at least 1")
	case cfg.clients < 1:
		return nil, errors.New("-clients must be at least 1")
	case cfg.duration <= 0:
		return nil, errors.New("-duration must be positive")
	case cfg.warmup < 0:
		return nil, errors.New("-warmup must not be negative")
	case cfg.idleSessions < 0:
		return nil, errors.New("-idle-sessions must not be negative")
	}
	if err := checkNames("-sdks", cfg.sdks, []string{"mcpkit", "go-sdk", "mcp-go", "raw"}); err != nil {
		return nil, err
	}
	if err := checkNames("-transports", cfg.transports, allTransports); err != nil {
		return nil, err
	}
	if err := checkNames("-tools", cfg.tools, []string{"add", "text4k"}); err != nil {
		return nil, err
	}
	return cfg, nil
}

// roundDuration is the measurement window of one round.
func (c *config) roundDuration() time.Duration { return c.duration / time.Duration(c.rounds) }

// roundWarmup is the warm-up before each round.
func (c *config) roundWarmup() time.Duration {
	if c.warmup > 0 {
		return c.warmup
	}
	return min(c.roundDuration()/5, time.Second)
}

func split(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func checkNames(flagName string, got, valid []string) error {
	if len(got) == 0 {
		return fmt.Errorf("%s: empty list", flagName)
	}
	for _, g := range got {
		ok := false
		for _, v := range valid {
			ok = ok || g == v
		}
		if !ok {
			return fmt.Errorf("%s: unknown %q (want some of %s)", flagName, g, strings.Join(valid, ", "))
		}
	}
	return nil
}
