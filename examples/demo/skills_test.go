package demo_test

import (
	"context"
	"strings"
	"testing"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport/memory"
)

// TestDemoSkills: the demo's embedded skill is served in both eras, and our client loads it and its
// reference file with every read verified against the entry.
func TestDemoSkills(t *testing.T) {
	for _, version := range []string{mcp.Version20251125, mcp.Version20260728} {
		t.Run(version, func(t *testing.T) {
			s := demo.New()
			if err := demo.AddDemoSkills(s); err != nil {
				t.Fatal(err)
			}
			a, b := memory.Pipe()
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- s.Serve(ctx, a) }()
			defer func() { cancel(); <-done }()
			sess, err := client.Connect(ctx, b, &client.Options{ProtocolVersion: version})
			if err != nil {
				t.Fatal(err)
			}
			defer sess.Close()
			var entries []mcp.Skill
			for e, err := range sess.Skills(ctx) {
				if err != nil {
					t.Fatal(err)
				}
				entries = append(entries, e)
			}
			if len(entries) != 1 || entries[0].URI != "skill://long-jobs/SKILL.md" {
				t.Fatalf("skills %+v, want long-jobs only", entries)
			}
			sk, err := sess.LoadSkill(ctx, entries[0], nil)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(sk.Instructions(), "process_files") {
				t.Errorf("instructions %q do not mention process_files", sk.Instructions())
			}
			ref, err := sk.ReadFile(ctx, "references/nodes.md")
			if err != nil || !strings.Contains(string(ref), "--lease-ttl") {
				t.Errorf("references/nodes.md: %q, %v", ref, err)
			}
		})
	}
}
