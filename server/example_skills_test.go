package server_test

import (
	"context"
	"fmt"
	"testing/fstest"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/transport/memory"
)

// Serving a folder of skills (os.DirFS("skills") in a real server) with one call, and loading one in the
// client: listing reads no file, LoadSkill reads and verifies SKILL.md, ReadFile a supporting file.
func ExampleAddSkills() {
	skills := fstest.MapFS{
		"git-workflow/SKILL.md":                {Data: []byte("---\nname: git-workflow\ndescription: Follow the team's Git conventions\n---\nSee references/branching.md.\n")},
		"git-workflow/references/branching.md": {Data: []byte("Branches are named <kind>/<topic>.\n")},
	}
	s := server.New("Docs", "1.0.0", nil)
	if err := server.AddSkills(s, skills, nil); err != nil {
		panic(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	serverEnd, clientEnd := memory.Pipe()
	go s.Serve(ctx, serverEnd)
	sess, err := client.Connect(ctx, clientEnd, nil)
	if err != nil {
		panic(err)
	}
	defer sess.Close()

	for entry, err := range sess.Skills(ctx) {
		if err != nil {
			panic(err)
		}
		fmt.Println(entry.URI, len(entry.Resources), "files")
		skill, err := sess.LoadSkill(ctx, entry, nil)
		if err != nil {
			panic(err)
		}
		fmt.Print(skill.Instructions())
		b, err := skill.ReadFile(ctx, "references/branching.md")
		if err != nil {
			panic(err)
		}
		fmt.Print(string(b))
	}
	// Output:
	// skill://git-workflow/SKILL.md 2 files
	// See references/branching.md.
	// Branches are named <kind>/<topic>.
}
