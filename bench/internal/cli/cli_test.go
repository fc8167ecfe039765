package cli_test

import (
	"bytes"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mcpkit/mcpkit/bench/internal/child"
	"github.com/mcpkit/mcpkit/bench/internal/cli"
)

// TestMain lets the test binary act as mcpbench's child processes (the harness starts its own executable
// again with a serve-* or run-inmem subcommand).
func TestMain(m *testing.M) {
	if os.Getenv(child.EnvChild) == "1" {
		os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
	}
	goleak.VerifyTestMain(m)
}

var summaryRE = regexp.MustCompile(`^summary: vs-go-sdk=([0-9]+\.[0-9]{2}) vs-mcp-go=([0-9]+\.[0-9]{2}) vs-raw=([0-9]+\.[0-9]{2})$`)

// TestCompareShort runs the whole comparison briefly: every implementation and transport answers every
// call correctly, the table has a row for each case, and the last line is the summary.
func TestCompareShort(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := cli.Main([]string{"-compare", "-clients", "2", "-duration", "600ms", "-rounds", "2", "-warmup", "100ms", "-idle-sessions", "50"}, &stdout, &stderr)
	out := stdout.String()
	if code != 0 {
		t.Fatalf("exit code %d\nstdout:\n%s\nstderr:\n%s", code, out, stderr.String())
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if m := summaryRE.FindStringSubmatch(lines[len(lines)-1]); m == nil {
		t.Fatalf("last line %q is not the summary", lines[len(lines)-1])
	} else {
		for _, v := range m[1:] {
			if f, _ := strconv.ParseFloat(v, 64); f <= 0 {
				t.Errorf("summary ratio %s is not positive: %s", v, m[0])
			}
		}
	}

	rows := map[string][]string{}
	idle := map[string][]string{}
	section := ""
	for _, l := range lines {
		f := strings.Fields(l)
		switch {
		case len(f) > 0 && f[0] == "sdk":
			section = f[1]
		case len(f) == 12 && section == "transport":
			rows[f[0]+" "+f[1]+" "+f[2]] = f
		case len(f) == 6 && section == "sessions":
			idle[f[0]] = f
		}
	}
	want := []string{}
	for _, sdk := range []string{"mcpkit", "go-sdk", "mcp-go"} {
		for _, tr := range []string{"http-legacy", "http-modern", "inmem", "stdio"} {
			for _, tool := range []string{"add", "text4k"} {
				want = append(want, sdk+" "+tr+" "+tool)
			}
		}
	}
	want = append(want, "raw http add", "raw http text4k")
	for _, name := range want {
		f, ok := rows[name]
		if !ok {
			t.Errorf("no row for %s", name)
			continue
		}
		if f[11] != "0" {
			t.Errorf("%s: %s errors", name, f[11])
		}
		if rate, err := strconv.ParseFloat(f[3], 64); err != nil || rate <= 0 {
			t.Errorf("%s: throughput %q", name, f[3])
		}
		for _, q := range f[4:7] {
			if d, err := time.ParseDuration(q); err != nil || d <= 0 {
				t.Errorf("%s: latency %q (every answer takes some time: zero means the latencies were lost)", name, q)
			}
		}
		if allocs, err := strconv.ParseFloat(f[8], 64); err != nil || allocs <= 0 {
			t.Errorf("%s: allocs/call %q (the server allocates on every call: zero means the counters were not read)", name, f[8])
		}
	}
	if len(rows) != len(want) {
		t.Errorf("%d rows, want %d", len(rows), len(want))
	}
	for _, sdk := range []string{"mcpkit", "go-sdk", "mcp-go"} {
		f, ok := idle[sdk]
		if !ok {
			t.Errorf("no idle-session row for %s", sdk)
			continue
		}
		if f[1] != "50" {
			t.Errorf("%s: %s idle sessions opened, want 50", sdk, f[1])
		}
	}
	if t.Failed() {
		t.Logf("stdout:\n%s", out)
	}
}

func TestFlagErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-clients", "0"},
		{"-rounds", "0"},
		{"-warmup", "-1s"},
		{"-duration", "0s"},
		{"-sdks", "nope"},
		{"-transports", "carrier-pigeon"},
		{"-tools", "multiply"},
		{"extra"},
	} {
		var stdout, stderr bytes.Buffer
		if code := cli.Main(args, &stdout, &stderr); code != 2 {
			t.Errorf("%v: exit code %d, want 2 (stderr %q)", args, code, stderr.String())
		}
		if stdout.Len() != 0 {
			t.Errorf("%v: wrote %q to stdout", args, stdout.String())
		}
	}
}
