package mcp_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/mcp"
)

// TestParseSkillFrontmatter: values keep their YAML type as JSON, strings that look like timestamps stay
// strings, aliases expand, and what JSON cannot carry or the rules forbid is an error naming it.
func TestParseSkillFrontmatter(t *testing.T) {
	ok := []struct {
		in, extra string
	}{
		{"---\nname: a\ndescription: d\n---\nbody", `{}`},
		{"\uFEFF---\r\nname: a\r\ndescription: d\r\n---  \r\nbody", `{}`},
		{"---\nname: a\ndescription: d\nversion: 2\nratio: 1.5\nbeta: true\nnone: ~\ndate: 2001-12-14\n---", `{"beta":true,"date":"2001-12-14","none":null,"ratio":1.5,"version":2}`},
		{"---\nname: a\ndescription: >\n  folded\n  text\nx: &v [1, 2]\ny: *v\n---\n", `{"x":[1,2],"y":[1,2]}`},
	}
	for _, c := range ok {
		fm, err := mcp.ParseSkillFrontmatter([]byte(c.in))
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		got, _ := json.Marshal(fm.Extra, json.Deterministic(true))
		if fm.Name != "a" || string(got) != c.extra {
			t.Errorf("%q: name %q extra %s, want a %s", c.in, fm.Name, got, c.extra)
		}
	}
	bad := []struct{ in, want string }{
		{"name: a\n", "does not begin"},
		{"---\nname: a\ndescription: d\n", "does not begin"},
		{"---\n- a\n---\n", "not a mapping"},
		{"---\nname: a\n---\n", "no description"},
		{"---\nname: 5\ndescription: d\n---\n", "must be strings"},
		{"---\nname: a\ndescription: d\nx: .nan\n---\n", "not a number JSON can carry"},
		{"---\nname: a\ndescription: d\n1: x\n---\n", "not a string"},
		{"---\nname: a\nname: b\ndescription: d\n---\n", "appears twice"},
		{"---\nname: a\ndescription: d\n<<: {x: 1}\n---\n", "merge keys"},
		{"---\n\n---\n", "empty"},
		{"---\nname: a\ndescription: d\nx: " + strings.Repeat("y", mcp.MaxFrontmatterBytes) + "\n---\n", "at most"},
	}
	for _, c := range bad {
		if _, err := mcp.ParseSkillFrontmatter([]byte(c.in)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%.40q: %v, want an error containing %q", c.in, err, c.want)
		}
	}
}

// TestFrontmatterAliasBomb: a billion-laughs document is refused instead of expanded.
func TestFrontmatterAliasBomb(t *testing.T) {
	doc := "---\nname: a\ndescription: d\na: &a [x, x, x, x, x, x, x, x, x, x]\n"
	prev := "a"
	for i := range 8 {
		name := string(rune('b' + i))
		doc += name + ": &" + name + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n"
		prev = name
	}
	doc += "---\n"
	if _, err := mcp.ParseSkillFrontmatter([]byte(doc)); err == nil || !strings.Contains(err.Error(), "expands to more than") {
		t.Fatalf("alias bomb: %v", err)
	}
}

// TestSkillVerify: the size is checked before the digest, and both failures match ErrSkillVerification.
func TestSkillVerify(t *testing.T) {
	content := []byte("hello\n")
	r := mcp.SkillResource{URI: "skill://a/SKILL.md", Digest: mcp.SkillDigest(content), Size: int64(len(content))}
	if err := r.Verify(content); err != nil {
		t.Fatal(err)
	}
	if !mcp.ValidDigest(r.Digest) || mcp.ValidDigest(strings.ToUpper(r.Digest)) || mcp.ValidDigest("sha256:00") {
		t.Error("ValidDigest")
	}
	for in, want := range map[string]string{"hello!\n": "read 7 bytes, the entry says 6", "jello\n": "digest sha256:"} {
		err := r.Verify([]byte(in))
		if !errors.Is(err, mcp.ErrSkillVerification) || !strings.Contains(err.Error(), want) {
			t.Errorf("Verify(%q) = %v, want a verification error containing %q", in, err, want)
		}
	}
}

// TestFrontmatterDiff: fields are compared as JSON values; a missing field equals null.
func TestFrontmatterDiff(t *testing.T) {
	parse := func(s string) mcp.SkillFrontmatter {
		var fm mcp.SkillFrontmatter
		if err := json.Unmarshal([]byte(s), &fm); err != nil {
			t.Fatal(err)
		}
		return fm
	}
	a := parse(`{"name":"a","description":"d","v":1,"m":{"x":[1,2]},"n":null}`)
	if d := mcp.FrontmatterDiff(a, parse(`{"description":"d","name":"a","m":{"x":[1.0,2]},"v":1.0}`)); d != nil {
		t.Errorf("equal frontmatter differs in %v", d)
	}
	if d := mcp.FrontmatterDiff(a, parse(`{"name":"a","description":"e","m":{"x":[2,1]},"v":1,"extra":"z"}`)); strings.Join(d, ",") != "description,extra,m" {
		t.Errorf("diff %v, want description,extra,m", d)
	}
}

// TestSkillEntryWire: resources is an array or "dynamic"; anything else, or none, is refused.
func TestSkillEntryWire(t *testing.T) {
	var s mcp.Skill
	if err := json.Unmarshal([]byte(`{"uri":"u","frontmatter":{"name":"a","description":"d"},"resources":"dynamic"}`), &s); err != nil || !s.Dynamic {
		t.Fatalf("dynamic: %v %+v", err, s)
	}
	b, _ := json.Marshal(s)
	if !strings.Contains(string(b), `"resources":"dynamic"`) {
		t.Errorf("dynamic written as %s", b)
	}
	s = mcp.Skill{URI: "u"}
	b, _ = json.Marshal(s)
	if !strings.Contains(string(b), `"resources":[]`) {
		t.Errorf("empty manifest written as %s", b)
	}
	for _, in := range []string{`{"uri":"u","frontmatter":{"name":"a","description":"d"}}`, `{"uri":"u","frontmatter":{"name":"a","description":"d"},"resources":"static"}`, `{"uri":"u","frontmatter":{"name":"a","description":"d"},"resources":5}`} {
		if err := json.Unmarshal([]byte(in), &s); err == nil {
			t.Errorf("%s accepted", in)
		}
	}
}

// TestSkillsCapability: the settings object is read from capabilities.extensions; a non-object is not a
// declaration.
func TestSkillsCapability(t *testing.T) {
	for raw, want := range map[string]string{`{}`: "true false", `{"directoryRead":true}`: "true true", `true`: "false false"} {
		c := mcp.ServerCapabilities{Extensions: map[string]jsontext.Value{mcp.ExtensionSkills: jsontext.Value(raw)}}
		sc, ok := c.Skills()
		if got := fmt.Sprint(ok, " ", sc.DirectoryRead); got != want {
			t.Errorf("%s: %s, want %s", raw, got, want)
		}
	}
	if _, ok := (&mcp.ServerCapabilities{}).Skills(); ok {
		t.Error("no extensions declares skills")
	}
}
