package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/mcpkit/mcpkit/bench/internal/child"
	"github.com/mcpkit/mcpkit/bench/internal/loadgen"
	"github.com/mcpkit/mcpkit/bench/internal/sdks"
)

// benchCase is one row of the table.
type benchCase struct {
	sdk       *sdks.SDK
	transport string
	tool      string
}

func (c benchCase) name() string { return c.sdk.Name + " " + c.transport + " " + c.tool }

// plan lists the cases cfg asks for that the implementations offer; skipped says which were left out
// and why.
func plan(cfg *config) (cases []benchCase, skipped []string, err error) {
	for _, name := range cfg.sdks {
		sdk, err := sdks.Lookup(name)
		if err != nil {
			return nil, nil, err
		}
		for _, tr := range cfg.transports {
			var why string
			switch tr {
			case trLegacy:
				if sdk.HTTP == nil {
					why = "no HTTP server"
				}
			case trModern:
				if sdk.HTTP == nil || (!sdk.Modern && sdk.Name != sdks.Raw) {
					why = "does not serve 2026-07-28"
				}
				if sdk.Name == sdks.Raw {
					why = "has no eras (one raw row stands for both)"
				}
			case trInMem:
				if sdk.InMemory == nil {
					why = "no in-memory transport"
				}
			case trStdio:
				if sdk.Stdio == nil {
					why = "no stdio server"
				}
			}
			if why != "" {
				skipped = append(skipped, fmt.Sprintf("%s %s: %s", sdk.Name, tr, why))
				continue
			}
			for _, tool := range cfg.tools {
				cases = append(cases, benchCase{sdk: sdk, transport: tr, tool: tool})
			}
		}
	}
	return cases, skipped, nil
}

// caseResult is a measured row (also the in-memory child's answer to the parent).
type caseResult struct {
	Calls        int64             `json:"calls"`
	Errors       int64             `json:"errors"`
	ErrorSamples []string          `json:"errorSamples,omitempty"`
	Elapsed      time.Duration     `json:"elapsed"`
	Latency      loadgen.Histogram `json:"latency"`
	Server       child.Delta       `json:"server"`
	// Failed says why the case could not run at all.
	Failed string `json:"failed,omitempty"`
}

func newCaseResult(r loadgen.Result, d child.Delta) caseResult {
	return caseResult{
		Calls: r.Calls, Errors: r.Errors, ErrorSamples: r.ErrorSamples, Elapsed: r.Elapsed,
		Latency: r.Latency, Server: d,
	}
}

// add merges another round of the same case: counts and server deltas add up, latencies merge, the
// peak RSS is the highest seen, the first failure is kept.
func (r *caseResult) add(o caseResult) {
	if r.Failed == "" {
		r.Failed = o.Failed
	}
	r.Calls += o.Calls
	r.Errors += o.Errors
	for _, s := range o.ErrorSamples {
		if len(r.ErrorSamples) < 5 {
			r.ErrorSamples = append(r.ErrorSamples, s)
		}
	}
	r.Elapsed += o.Elapsed
	r.Latency.Merge(&o.Latency)
	r.Server.Mallocs += o.Server.Mallocs
	r.Server.Bytes += o.Server.Bytes
	r.Server.CPU += o.Server.CPU
	r.Server.PeakRSS = max(r.Server.PeakRSS, o.Server.PeakRSS)
}

func (r *caseResult) throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Calls) / r.Elapsed.Seconds()
}

// perCall divides a counter by the calls answered (right or wrong) in the window.
func (r *caseResult) perCall(v uint64) float64 {
	n := r.Calls + r.Errors
	if n == 0 {
		return 0
	}
	return float64(v) / float64(n)
}

// profileArgs adds the profile flags for one case, naming each file after the case (and the round when
// there are several).
func profileArgs(cfg *config, c benchCase, round int) []string {
	var args []string
	tag := strings.ReplaceAll(c.name(), " ", "-")
	if cfg.rounds > 1 {
		tag += fmt.Sprintf("-r%d", round+1)
	}
	if cfg.cpuProfile != "" {
		args = append(args, "-cpuprofile", withTag(cfg.cpuProfile, tag))
	}
	if cfg.memProfile != "" {
		args = append(args, "-memprofile", withTag(cfg.memProfile, tag))
	}
	return args
}

func withTag(path, tag string) string {
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + "-" + tag + ext
}

// runCase measures one round of one case; the display shows its progress.
func runCase(cfg *config, c benchCase, show *display, round int) caseResult {
	label := c.name()
	if cfg.rounds > 1 {
		label += fmt.Sprintf(" r%d", round+1)
	}
	switch c.transport {
	case trInMem:
		return runInMemCase(cfg, c, show, label, round)
	default:
		return runServerCase(cfg, c, show, label, round)
	}
}

// runServerCase runs an HTTP or stdio server child and drives it from this process.
func runServerCase(cfg *config, c benchCase, show *display, label string, round int) caseResult {
	sub := "serve-http"
	if c.transport == trStdio {
		sub = "serve-stdio"
	}
	args := append([]string{sub, "-sdk", c.sdk.Name}, profileArgs(cfg, c, round)...)
	if c.transport == trModern {
		args = append(args, "-modern")
	}
	p, err := child.Start(args, c.transport != trStdio)
	if err != nil {
		return caseResult{Failed: err.Error()}
	}
	defer p.Close()
	var load *loadgen.Load
	if c.transport == trStdio {
		load, err = loadgen.StartStdio(loadgen.StdioConfig{W: p.Stdin, R: p.Stdout, Tool: c.tool, Clients: cfg.clients})
	} else {
		load, err = loadgen.StartHTTP(loadgen.HTTPConfig{
			Addr: p.HTTPAddr, Path: "/mcp", Tool: c.tool, Modern: c.transport == trModern, Clients: cfg.clients,
		})
	}
	if err != nil {
		return caseResult{Failed: err.Error() + " (server: " + p.Tail() + ")"}
	}
	show.start(label, load.Progress)
	defer show.done()
	ctx := context.Background()
	show.phase("warm-up")
	time.Sleep(cfg.roundWarmup())
	before, err := p.Stats(ctx, false, "begin")
	if err != nil {
		load.Stop(5 * time.Second)
		return caseResult{Failed: err.Error()}
	}
	load.Measure()
	show.phase("measuring")
	time.Sleep(cfg.roundDuration())
	after, err := p.Stats(ctx, false, "end")
	res := load.Stop(5 * time.Second)
	if err != nil {
		return caseResult{Failed: err.Error()}
	}
	return newCaseResult(res, after.Sub(before))
}

// runInMemCase runs the in-memory child, which measures itself.
func runInMemCase(cfg *config, c benchCase, show *display, label string, round int) caseResult {
	args := append([]string{"run-inmem", "-sdk", c.sdk.Name, "-tool", c.tool,
		"-clients", strconv.Itoa(cfg.clients), "-duration", cfg.roundDuration().String(), "-warmup", cfg.roundWarmup().String()},
		profileArgs(cfg, c, round)...)
	p, err := child.Start(args, false)
	if err != nil {
		return caseResult{Failed: err.Error()}
	}
	defer p.Close()
	show.start(label, p.Progress)
	defer show.done()
	show.phase("running")
	var r caseResult
	if err := p.Result(&r); err != nil {
		return caseResult{Failed: err.Error()}
	}
	return r
}
