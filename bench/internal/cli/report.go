package cli

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mcpkit/mcpkit/bench/internal/sdks"
	"github.com/mcpkit/mcpkit/bench/internal/workload"
)

// machine describes where the run happened.
func machine() string {
	return fmt.Sprintf("%s %s/%s, %d CPUs (GOMAXPROCS %d)", runtime.Version(), runtime.GOOS, runtime.GOARCH,
		runtime.NumCPU(), runtime.GOMAXPROCS(0))
}

// loadAvg is the machine's 1-minute load average ("?" where unknown): other work on the machine skews
// every figure, so the report says how busy it was.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	if f := strings.Fields(string(b)); len(f) > 0 {
		return f[0]
	}
	return "?"
}

// report writes the tables and, last, the summary line. loadBefore is the load average when the run
// began.
func report(w io.Writer, cfg *config, cases []benchCase, results []caseResult, skipped []string, idle []idleResult, loadBefore string) {
	fmt.Fprintf(w, "mcpbench: %s; %d clients; %s per case in %d rounds (each after %s warm-up); load average %s before, %s after\n",
		machine(), cfg.clients, cfg.duration, cfg.rounds, cfg.roundWarmup(), loadBefore, loadAvg())
	var versions []string
	for _, name := range cfg.sdks {
		if s, err := sdks.Lookup(name); err == nil {
			versions = append(versions, s.Name+" "+s.Version)
		}
	}
	fmt.Fprintf(w, "implementations: %s\n\n", strings.Join(versions, ", "))

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "sdk\ttransport\ttool\tcalls/s\tp50\tp90\tp99\tB/call\tallocs/call\tcpu µs/call\tpeak RSS MB\terrors\t")
	for i, c := range cases {
		r := &results[i]
		tr := c.transport
		if c.sdk.Name == sdks.Raw {
			tr = "http"
		}
		if r.Failed != "" {
			fmt.Fprintf(tw, "%s\t%s\t%s\t-\t-\t-\t-\t-\t-\t-\t-\tfailed\t\n", c.sdk.Name, tr, c.tool)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.0f\t%s\t%s\t%s\t%.0f\t%.1f\t%.1f\t%.1f\t%d\t\n",
			c.sdk.Name, tr, c.tool, r.throughput(), fmtDur(r.Latency.Quantile(0.50)), fmtDur(r.Latency.Quantile(0.90)), fmtDur(r.Latency.Quantile(0.99)),
			r.perCall(r.Server.Bytes), r.perCall(r.Server.Mallocs),
			r.perCall(uint64(r.Server.CPU))/1e3, float64(r.Server.PeakRSS)/(1<<20), r.Errors)
	}
	tw.Flush()

	if len(idle) > 0 {
		fmt.Fprintf(w, "\nidle legacy sessions (live memory after GC, per session):\n")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "sdk\tsessions\theap B\tstack B\theap+stack B\tgoroutines\t")
		for _, r := range idle {
			if r.Failed != "" && r.Sessions == 0 {
				fmt.Fprintf(tw, "%s\t-\t-\t-\t-\tfailed\t\n", r.SDK)
				continue
			}
			fmt.Fprintf(tw, "%s\t%d\t%.0f\t%.0f\t%.0f\t%.2f\t\n", r.SDK, r.Sessions, r.Heap, r.Stack, r.Heap+r.Stack, r.Goroutines)
		}
		tw.Flush()
	}

	if len(skipped) > 0 {
		fmt.Fprintf(w, "\nnot run: %s\n", strings.Join(skipped, "; "))
	}
	var problems []string
	for i, c := range cases {
		r := &results[i]
		if r.Failed != "" {
			problems = append(problems, fmt.Sprintf("  %s: failed: %s", c.name(), r.Failed))
		}
		for _, s := range r.ErrorSamples {
			problems = append(problems, fmt.Sprintf("  %s: %s", c.name(), s))
		}
	}
	for _, r := range idle {
		if r.Failed != "" {
			problems = append(problems, fmt.Sprintf("  %s idle sessions: %s", r.SDK, r.Failed))
		}
	}
	if len(problems) > 0 {
		fmt.Fprintf(w, "\nerrors:\n%s\n", strings.Join(problems, "\n"))
	}
	fmt.Fprintf(w, "\n%s\n", summary(cases, results))
}

// summary is mcpkit's HTTP tools/call throughput (add, legacy session) divided by each other's.
func summary(cases []benchCase, results []caseResult) string {
	rate := map[string]float64{}
	for i, c := range cases {
		if c.transport == trLegacy && c.tool == workload.ToolAdd && results[i].Failed == "" && results[i].Calls > 0 {
			rate[c.sdk.Name] = results[i].throughput()
		}
	}
	ratio := func(other string) string {
		a, b := rate[sdks.MCPKit], rate[other]
		if a == 0 || b == 0 {
			return "n/a"
		}
		return fmt.Sprintf("%.2f", a/b)
	}
	return fmt.Sprintf("summary: vs-go-sdk=%s vs-mcp-go=%s vs-raw=%s", ratio(sdks.GoSDK), ratio(sdks.MCPGo), ratio(sdks.Raw))
}

func fmtDur(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%.0fµs", float64(d)/1e3)
	case d < time.Second:
		return fmt.Sprintf("%.2fms", float64(d)/1e6)
	default:
		return fmt.Sprintf("%.2fs", d.Seconds())
	}
}

// run plans the cases, measures them and prints the report. It fails when a case failed or an answer
// was wrong, after printing everything.
func run(cfg *config, stdout, stderr io.Writer) error {
	cases, skipped, err := plan(cfg)
	if err != nil {
		return err
	}
	var idleSDKs []*sdks.SDK
	if cfg.idleSessions > 0 {
		for _, name := range cfg.sdks {
			if s, _ := sdks.Lookup(name); s != nil && s.Sessions {
				idleSDKs = append(idleSDKs, s)
			}
		}
	}
	loadBefore := loadAvg()
	show := newDisplay(stderr, len(cases)*cfg.rounds+len(idleSDKs))
	show.note("mcpbench: %s; %d cases of %s in %d rounds, %d clients", machine(), len(cases), cfg.duration, cfg.rounds, cfg.clients)
	// Rounds interleave the cases, so that a change in the machine's other load during the run spreads
	// over every implementation instead of falling on one.
	results := make([]caseResult, len(cases))
	for round := range cfg.rounds {
		for i, c := range cases {
			res := runCase(cfg, c, show, round)
			if res.Failed != "" {
				show.note("  failed: %s", res.Failed)
			}
			results[i].add(res)
		}
	}
	var idle []idleResult
	for _, s := range idleSDKs {
		show.start(fmt.Sprintf("%s idle sessions ×%d", s.Name, cfg.idleSessions), func() (int64, int64) { return 0, 0 })
		show.phase("opening")
		idle = append(idle, measureIdle(s, cfg.idleSessions))
		show.done()
	}
	report(stdout, cfg, cases, results, skipped, idle, loadBefore)
	bad := 0
	for _, r := range results {
		if r.Failed != "" || r.Errors > 0 {
			bad++
		}
	}
	for _, r := range idle {
		if r.Failed != "" {
			bad++
		}
	}
	if bad > 0 {
		return fmt.Errorf("%d measurements had errors (listed above the summary)", bad)
	}
	return nil
}
