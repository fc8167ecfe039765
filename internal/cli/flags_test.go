package cli

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/mcpkit/mcpkit/transport/memory"
)

func TestTargetFlags(t *testing.T) {
	var tg Target
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	AddTargetFlags(fs, &tg)
	err := fs.Parse([]string{"--header", "Authorization: Bearer x", "--header=X-A:1", "-e", "A=1", "--env", "B=2=3",
		"--cwd", "/tmp", "--transport", "http", "--protocol-era", "legacy"})
	if err != nil {
		t.Fatal(err)
	}
	if tg.Header.Get("Authorization") != "Bearer x" || tg.Header.Get("X-A") != "1" || strings.Join(tg.Env, " ") != "A=1 B=2=3" ||
		tg.Dir != "/tmp" || tg.Transport != "http" || tg.Era != "legacy" {
		t.Errorf("target %+v", tg)
	}
	for _, bad := range [][]string{{"--header", "no colon"}, {"-e", "NOVALUE"}, {"--protocol-era", "old"}} {
		fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
		fs.SetOutput(&strings.Builder{})
		AddTargetFlags(fs, &Target{})
		if err := fs.Parse(bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	if f := LookupTargetFlag("-e"); f == nil || f.Name != "env" {
		t.Errorf("LookupTargetFlag(-e) = %v", f)
	}
	if f := LookupTargetFlag("--tool-arg"); f != nil {
		t.Errorf("LookupTargetFlag(--tool-arg) = %v", f)
	}
}

// TestTrace: every message is written once, whole, with its direction.
func TestTrace(t *testing.T) {
	a, b := memory.Pipe()
	var log strings.Builder
	ta := Trace(a, &log)
	ctx := context.Background()
	if err := ta.Write(ctx, []byte(`{"jsonrpc":"2.0","id":1,"method":"ping"}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Read(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.Write(ctx, []byte(`{"jsonrpc":"2.0","id":1,"result":{}}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := ta.Read(ctx); err != nil {
		t.Fatal(err)
	}
	ta.Close()
	if _, err := ta.Read(ctx); err == nil || errors.Is(err, context.Canceled) {
		t.Errorf("read after close: %v", err)
	}
	want := "→ {\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n← {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n"
	if log.String() != want {
		t.Errorf("trace\n%s\nwant\n%s", log.String(), want)
	}
}
