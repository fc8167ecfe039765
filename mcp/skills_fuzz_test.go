package mcp_test

import (
	"testing"

	"github.com/go-json-experiment/json"

	"github.com/mcpkit/mcpkit/mcp"
)

// FuzzParseSkillFrontmatter: any input either fails with an error or yields a frontmatter with a name and a
// description that encodes as JSON and compares equal to itself; nothing panics.
func FuzzParseSkillFrontmatter(f *testing.F) {
	for _, seed := range []string{
		"---\nname: a\ndescription: d\n---\nbody",
		"\uFEFF---\r\nname: a\r\ndescription: d\r\nmetadata: {v: 1, t: [a, b]}\r\n---",
		"---\nname: a\ndescription: d\nx: &a [1]\ny: *a\nz: !!binary aGk=\n---\n",
		"---\nname: a\ndescription: |\n  multi\n  line\n---",
		"---\n---\n",
		"---\nname: [\n---\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		fm, err := mcp.ParseSkillFrontmatter(in)
		if err != nil {
			return
		}
		if fm.Name == "" || fm.Description == "" {
			t.Fatalf("accepted without name or description: %+v", fm)
		}
		b, err := json.Marshal(fm)
		if err != nil {
			t.Fatalf("accepted frontmatter does not encode: %v", err)
		}
		var back mcp.SkillFrontmatter
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("encoded frontmatter %s does not decode: %v", b, err)
		}
		if d := mcp.FrontmatterDiff(fm, back); d != nil {
			t.Fatalf("frontmatter differs from itself after a round trip in %v", d)
		}
	})
}
