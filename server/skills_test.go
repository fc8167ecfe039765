package server_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

const pdfSkill = "---\nname: pdf-processing\ndescription: Extract, fill, and assemble PDF documents\nlicense: Apache-2.0\nmetadata:\n  version: \"2.1.0\"\n---\n\n# PDF\n"

func skillFS() fstest.MapFS {
	return fstest.MapFS{
		"pdf-processing/SKILL.md":            {Data: []byte(pdfSkill)},
		"pdf-processing/references/FORMS.md": {Data: []byte("forms\n")},
		"pdf-processing/logo.bin":            {Data: []byte{0xff, 0x00, 0xfe}},
		"pdf-processing/.DS_Store":           {Data: []byte("ignored")},
		"acme/billing/refunds/SKILL.md":      {Data: []byte("---\nname: refunds\ndescription: Refund requests\n---\nbody\n")},
	}
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

// TestAddSkillsServes: the entries carry every file with its digest and size, SKILL.md first and listed by
// resources/list with the frontmatter's name and description; files are read back byte for byte (binary as
// a blob); dotfiles are not served.
func TestAddSkillsServes(t *testing.T) {
	s := server.New("t", "1", nil)
	if err := server.AddSkills(s, skillFS(), nil); err != nil {
		t.Fatal(err)
	}
	w := rawPeer(t, s)

	disc := result(t, w.roundTrip(`{"jsonrpc":"2.0","id":1,"method":"server/discover","params":{`+modernMeta+`}}`))
	ext := disc["capabilities"].(map[string]any)["extensions"].(map[string]any)["io.modelcontextprotocol/skills"]
	if fmt.Sprint(ext) != "map[directoryRead:true]" {
		t.Fatalf("extension settings %v, want directoryRead true", ext)
	}

	list := result(t, w.roundTrip(`{"jsonrpc":"2.0","id":2,"method":"skills/list","params":{`+modernMeta+`}}`))
	skills := list["skills"].([]any)
	if len(skills) != 2 || list["ttlMs"] == nil || list["cacheScope"] != "public" {
		t.Fatalf("skills/list = %v", list)
	}
	pdf := skills[1].(map[string]any)
	if pdf["uri"] != "skill://pdf-processing/SKILL.md" {
		t.Fatalf("second skill %v", pdf["uri"])
	}
	fm := pdf["frontmatter"].(map[string]any)
	if fm["license"] != "Apache-2.0" || fmt.Sprint(fm["metadata"]) != "map[version:2.1.0]" {
		t.Errorf("frontmatter not verbatim: %v", fm)
	}
	res := pdf["resources"].([]any)
	want := []struct {
		uri  string
		data []byte
	}{
		{"skill://pdf-processing/SKILL.md", []byte(pdfSkill)},
		{"skill://pdf-processing/logo.bin", []byte{0xff, 0x00, 0xfe}},
		{"skill://pdf-processing/references/FORMS.md", []byte("forms\n")},
	}
	if len(res) != len(want) {
		t.Fatalf("resources %v, want %d files (no .DS_Store)", res, len(want))
	}
	for i, w := range want {
		r := res[i].(map[string]any)
		if r["uri"] != w.uri || r["digest"] != sha(w.data) || r["size"] != float64(len(w.data)) {
			t.Errorf("resources[%d] = %v, want %s %s %d", i, r, w.uri, sha(w.data), len(w.data))
		}
	}

	read := result(t, w.roundTrip(`{"jsonrpc":"2.0","id":3,"method":"resources/read","params":{`+modernMeta+`,"uri":"skill://pdf-processing/logo.bin"}}`))
	c := read["contents"].([]any)[0].(map[string]any)
	if c["blob"] != "/wD+" || c["mimeType"] != "application/octet-stream" {
		t.Errorf("binary file read as %v", c)
	}
	read = result(t, w.roundTrip(`{"jsonrpc":"2.0","id":4,"method":"resources/read","params":{`+modernMeta+`,"uri":"skill://pdf-processing/SKILL.md"}}`))
	c = read["contents"].([]any)[0].(map[string]any)
	if c["text"] != pdfSkill || c["mimeType"] != "text/markdown" {
		t.Errorf("SKILL.md read as %v", c)
	}

	rl := result(t, w.roundTrip(`{"jsonrpc":"2.0","id":5,"method":"resources/list","params":{`+modernMeta+`}}`))
	var listed []string
	for _, r := range rl["resources"].([]any) {
		r := r.(map[string]any)
		listed = append(listed, fmt.Sprint(r["uri"], " ", r["name"], " ", r["description"]))
	}
	if got := strings.Join(listed, "|"); got != "skill://acme/billing/refunds/SKILL.md refunds Refund requests|skill://pdf-processing/SKILL.md pdf-processing Extract, fill, and assemble PDF documents" {
		t.Errorf("resources/list = %s", got)
	}
}

// TestSkillsGetAndDirectories: skills/get answers a served skill without a cursor and -32602 for anything
// else; resources/directory/read lists direct children (subdirectories as inode/directory), prefix
// directories included, and answers -32602 for a file or an unknown URI.
func TestSkillsGetAndDirectories(t *testing.T) {
	s := server.New("t", "1", &server.Options{PageSize: 1})
	if err := server.AddSkills(s, skillFS(), nil); err != nil {
		t.Fatal(err)
	}
	w := rawPeer(t, s)
	get := result(t, w.roundTrip(`{"jsonrpc":"2.0","id":1,"method":"skills/get","params":{`+modernMeta+`,"uri":"skill://acme/billing/refunds/SKILL.md"}}`))
	if get["skill"].(map[string]any)["uri"] != "skill://acme/billing/refunds/SKILL.md" || get["nextCursor"] != nil || get["ttlMs"] == nil {
		t.Errorf("skills/get = %v", get)
	}
	for _, uri := range []string{"skill://nope/SKILL.md", "skill://pdf-processing/references/FORMS.md", ""} {
		m := w.roundTrip(`{"jsonrpc":"2.0","id":2,"method":"skills/get","params":{` + modernMeta + `,"uri":"` + uri + `"}}`)
		if errCode(m) != -32602 {
			t.Errorf("skills/get %q: %v, want -32602", uri, m)
		}
	}

	// Page size 1: the children of skill://pdf-processing come one per page.
	var names []string
	cursor := ""
	for i := 0; i < 5; i++ {
		params := modernMeta + `,"uri":"skill://pdf-processing"`
		if cursor != "" {
			params += `,"cursor":"` + cursor + `"`
		}
		r := result(t, w.roundTrip(`{"jsonrpc":"2.0","id":3,"method":"resources/directory/read","params":{`+params+`}}`))
		for _, c := range r["resources"].([]any) {
			c := c.(map[string]any)
			names = append(names, fmt.Sprint(c["name"], ":", c["mimeType"]))
		}
		cursor, _ = r["nextCursor"].(string)
		if cursor == "" {
			break
		}
	}
	if got := strings.Join(names, " "); got != "pdf-processing:text/markdown logo.bin:application/octet-stream references:inode/directory" {
		t.Errorf("directory skill://pdf-processing = %s", got)
	}
	r := result(t, w.roundTrip(`{"jsonrpc":"2.0","id":4,"method":"resources/directory/read","params":{`+modernMeta+`,"uri":"skill://acme"}}`))
	if c := r["resources"].([]any)[0].(map[string]any); c["uri"] != "skill://acme/billing" || c["mimeType"] != "inode/directory" {
		t.Errorf("prefix directory skill://acme lists %v", c)
	}
	// At 2026-07-28 a directory listing carries the cache hints every listing result has (the Inspector's
	// schema requires them).
	if _, ok := r["ttlMs"].(float64); !ok || r["cacheScope"] != "public" {
		t.Errorf("directory read at 2026-07-28: ttlMs %v, cacheScope %v, want both", r["ttlMs"], r["cacheScope"])
	}
	for _, uri := range []string{"skill://pdf-processing/SKILL.md", "skill://pdf-processing/nope", "skill://pdf-processing/"} {
		m := w.roundTrip(`{"jsonrpc":"2.0","id":5,"method":"resources/directory/read","params":{` + modernMeta + `,"uri":"` + uri + `"}}`)
		if errCode(m) != -32602 {
			t.Errorf("directory read %q: %v, want -32602", uri, m)
		}
	}
}

// TestNoSkillsNoExtension: without AddSkills the extension is not declared and its methods are -32601.
func TestNoSkillsNoExtension(t *testing.T) {
	w := rawPeer(t, server.New("t", "1", nil))
	disc := result(t, w.roundTrip(`{"jsonrpc":"2.0","id":1,"method":"server/discover","params":{`+modernMeta+`}}`))
	exts, _ := disc["capabilities"].(map[string]any)["extensions"].(map[string]any)
	if _, ok := exts[mcp.ExtensionSkills]; ok {
		t.Errorf("the skills extension declared without skills: %v", disc["capabilities"])
	}
	for _, m := range []string{"skills/list", "skills/get", "resources/directory/read"} {
		if code := errCode(w.roundTrip(`{"jsonrpc":"2.0","id":2,"method":"` + m + `","params":{` + modernMeta + `,"uri":"skill://x"}}`)); code != -32601 {
			t.Errorf("%s without skills: code %d, want -32601", m, code)
		}
	}
}

// TestAddSkillsRefuses: each bad tree is refused with an error naming the rule, and nothing is registered.
func TestAddSkillsRefuses(t *testing.T) {
	skill := func(name, fm string) fstest.MapFS {
		return fstest.MapFS{name + "/SKILL.md": {Data: []byte(fm)}}
	}
	big := skill("big", "---\nname: big\ndescription: d\n---\n")
	big["big/blob"] = &fstest.MapFile{Data: make([]byte, 100)}
	many := skill("many", "---\nname: many\ndescription: d\n---\n")
	for i := range 3 {
		many[fmt.Sprintf("many/f%d", i)] = &fstest.MapFile{Data: []byte("x")}
	}
	cases := []struct {
		name string
		fsys fstest.MapFS
		opts *server.SkillOptions
		want string
	}{
		{"no skills", fstest.MapFS{"README.md": {Data: []byte("x")}}, nil, "no SKILL.md found"},
		{"upper case", skill("PDF", "---\nname: PDF\ndescription: d\n---\n"), nil, "only lowercase letters"},
		{"double hyphen", skill("a--b", "---\nname: a--b\ndescription: d\n---\n"), nil, "two hyphens in a row"},
		{"leading hyphen", skill("-a", "---\nname: -a\ndescription: d\n---\n"), nil, "starts or ends with a hyphen"},
		{"too long", skill(strings.Repeat("a", 65), "---\nname: x\ndescription: d\n---\n"), nil, "at most 64"},
		{"name differs", skill("pdf", "---\nname: pdf-processing\ndescription: d\n---\n"), nil, "differs from the directory's name"},
		{"no frontmatter", skill("pdf", "# PDF\n"), nil, "does not begin with a YAML frontmatter block"},
		{"no description", skill("pdf", "---\nname: pdf\n---\n"), nil, "has no description"},
		{"bad yaml", skill("pdf", "---\nname: [pdf\n---\n"), nil, "SKILL.md frontmatter"},
		{"reserved metadata", skill("pdf", "---\nname: pdf\ndescription: d\nmetadata:\n  io.modelcontextprotocol/x: y\n---\n"), nil, "reserved for MCP extensions"},
		{"root skill", fstest.MapFS{"SKILL.md": {Data: []byte("---\nname: x\ndescription: d\n---\n")}}, nil, "SKILL.md is at the root"},
		{"bad prefix dir", skill("a b/pdf", "---\nname: pdf\ndescription: d\n---\n"), nil, "only letters, digits"},
		{"bytes limit", big, &server.SkillOptions{MaxBytes: 64}, "at most 64 are served per skill"},
		{"files limit", many, &server.SkillOptions{MaxFiles: 3}, "has 4 files; at most 3"},
		{"limit above the extension's", big, &server.SkillOptions{MaxFiles: 513}, "outside 1..512"},
		{"bad prefix option", big, &server.SkillOptions{Prefix: "a:b"}, "Prefix"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := server.New("t", "1", nil)
			err := server.AddSkills(s, c.fsys, c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("AddSkills = %v, want an error containing %q", err, c.want)
			}
			w := rawPeer(t, s)
			if code := errCode(w.roundTrip(`{"jsonrpc":"2.0","id":1,"method":"skills/list","params":{` + modernMeta + `}}`)); code != -32601 {
				t.Errorf("skills/list after a refused AddSkills: code %d, want -32601 (nothing registered)", code)
			}
		})
	}
}

// TestAddSkillsTwice: a second AddSkills with a prefix adds its skills; one serving the same URI again is
// refused.
func TestAddSkillsTwice(t *testing.T) {
	s := server.New("t", "1", nil)
	if err := server.AddSkills(s, skillFS(), nil); err != nil {
		t.Fatal(err)
	}
	if err := server.AddSkills(s, skillFS(), nil); err == nil || !strings.Contains(err.Error(), "already served") {
		t.Fatalf("same skills twice: %v", err)
	}
	if err := server.AddSkills(s, skillFS(), &server.SkillOptions{Prefix: "team"}); err != nil {
		t.Fatal(err)
	}
	w := rawPeer(t, s)
	list := result(t, w.roundTrip(`{"jsonrpc":"2.0","id":1,"method":"skills/list","params":{`+modernMeta+`}}`))
	if n := len(list["skills"].([]any)); n != 4 {
		t.Errorf("%d skills, want 4", n)
	}
}

// TestAddSkillsNested: a skill inside another is its own entry, and its files are also files of the one that
// encloses it (the extension's completeness rule).
func TestAddSkillsNested(t *testing.T) {
	s := server.New("t", "1", nil)
	fsys := fstest.MapFS{
		"outer/SKILL.md":       {Data: []byte("---\nname: outer\ndescription: o\n---\n")},
		"outer/inner/SKILL.md": {Data: []byte("---\nname: inner\ndescription: i\n---\n")},
		"outer/inner/notes.md": {Data: []byte("n\n")},
	}
	if err := server.AddSkills(s, fsys, nil); err != nil {
		t.Fatal(err)
	}
	w := rawPeer(t, s)
	list := result(t, w.roundTrip(`{"jsonrpc":"2.0","id":1,"method":"skills/list","params":{`+modernMeta+`}}`))
	var got []string
	for _, sk := range list["skills"].([]any) {
		sk := sk.(map[string]any)
		var files []string
		for _, r := range sk["resources"].([]any) {
			files = append(files, strings.TrimPrefix(r.(map[string]any)["uri"].(string), "skill://"))
		}
		got = append(got, sk["uri"].(string)+": "+strings.Join(files, " "))
	}
	want := "skill://outer/SKILL.md: outer/SKILL.md outer/inner/SKILL.md outer/inner/notes.md|" +
		"skill://outer/inner/SKILL.md: outer/inner/SKILL.md outer/inner/notes.md"
	if strings.Join(got, "|") != want {
		t.Errorf("entries\n%s\nwant\n%s", strings.Join(got, "|"), want)
	}
}

// TestSkillsListPageBudget: a skills/list page ends once it holds 4,096 resource entries, so a page of many
// large skills stays a few MB; every skill still comes, once.
func TestSkillsListPageBudget(t *testing.T) {
	s := server.New("t", "1", nil)
	fsys := fstest.MapFS{}
	for i := range 12 {
		name := fmt.Sprintf("s%02d", i)
		fsys[name+"/SKILL.md"] = &fstest.MapFile{Data: []byte("---\nname: " + name + "\ndescription: d\n---\n")}
		for j := range 499 {
			fsys[fmt.Sprintf("%s/f%03d", name, j)] = &fstest.MapFile{Data: []byte("x")}
		}
	}
	if err := server.AddSkills(s, fsys, nil); err != nil {
		t.Fatal(err)
	}
	w := rawPeer(t, s)
	var pages []int
	cursor := ""
	for range 10 {
		params := modernMeta
		if cursor != "" {
			params += `,"cursor":"` + cursor + `"`
		}
		r := result(t, w.roundTrip(`{"jsonrpc":"2.0","id":1,"method":"skills/list","params":{`+params+`}}`))
		pages = append(pages, len(r["skills"].([]any)))
		cursor, _ = r["nextCursor"].(string)
		if cursor == "" {
			break
		}
	}
	if fmt.Sprint(pages) != "[8 4]" {
		t.Errorf("pages of %v skills, want [8 4] (500 files each, 4,096 per page)", pages)
	}
}
