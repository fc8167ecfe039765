package client_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

const skillMD = "---\nname: pdf-processing\ndescription: Extract, fill, and assemble PDF documents\nmetadata:\n  version: \"2.1.0\"\n---\n\nSkill body.\n"

// tamper rewrites the results of one method on their way out, and records every resources/read URI.
type tamper struct {
	method  string
	rewrite func(jsontext.Value) jsontext.Value

	mu    sync.Mutex
	reads []string
}

func (tm *tamper) middleware(next server.Handler) server.Handler {
	return func(ctx context.Context, r *server.Request) (jsontext.Value, error) {
		res, err := next(ctx, r)
		if r.Method == mcp.MethodResourcesRead {
			var p struct {
				URI string `json:"uri"`
			}
			_ = json.Unmarshal(r.Params, &p)
			tm.mu.Lock()
			tm.reads = append(tm.reads, p.URI)
			tm.mu.Unlock()
		}
		if err == nil && r.Method == tm.method && tm.rewrite != nil {
			res = tm.rewrite(res)
		}
		return res, err
	}
}

func (tm *tamper) readURIs() []string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return append([]string(nil), tm.reads...)
}

// replaceIn returns a rewrite replacing old by new in the encoded result.
func replaceIn(old, new string) func(jsontext.Value) jsontext.Value {
	return func(v jsontext.Value) jsontext.Value {
		return jsontext.Value(bytes.Replace(v, []byte(old), []byte(new), 1))
	}
}

// skillSession serves the pdf-processing skill (through tm) to a client of the given era.
func skillSession(t *testing.T, tm *tamper, version string) *client.Session {
	t.Helper()
	s := server.New("t", "1", &server.Options{Middleware: []server.Middleware{tm.middleware}})
	fsys := fstest.MapFS{
		"pdf-processing/SKILL.md":            {Data: []byte(skillMD)},
		"pdf-processing/references/FORMS.md": {Data: []byte("Supporting content.\n")},
		"pdf-processing/assets/logo.bin":     {Data: []byte{0xff, 0x00, 0xfe}},
	}
	if err := server.AddSkills(s, fsys, nil); err != nil {
		t.Fatal(err)
	}
	return connect(t, s, &client.Options{ProtocolVersion: version})
}

func firstSkill(t *testing.T, sess *client.Session) mcp.Skill {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for sk, err := range sess.Skills(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		return sk
	}
	t.Fatal("no skills listed")
	return mcp.Skill{}
}

// TestSkillsLoadLazily: connecting and listing read no file; loading reads SKILL.md once; supporting files
// are read when asked for, once, verified (text and binary); both eras.
func TestSkillsLoadLazily(t *testing.T) {
	for _, v := range []string{mcp.Version20260728, mcp.Version20251125} {
		t.Run(v, func(t *testing.T) {
			tm := &tamper{}
			sess := skillSession(t, tm, v)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			entry := firstSkill(t, sess)
			if n := len(tm.readURIs()); n != 0 {
				t.Fatalf("%d reads before loading: %v", n, tm.readURIs())
			}
			got, err := sess.GetSkill(ctx, entry.URI)
			if err != nil || len(got.Resources) != 3 {
				t.Fatalf("GetSkill = %+v, %v", got, err)
			}
			l, err := sess.LoadSkill(ctx, entry, nil)
			if err != nil {
				t.Fatal(err)
			}
			if l.Instructions() != "\nSkill body.\n" || string(l.Content()) != skillMD {
				t.Errorf("instructions %q", l.Instructions())
			}
			forms, err := l.ReadFile(ctx, "references/FORMS.md")
			if err != nil || string(forms) != "Supporting content.\n" {
				t.Fatalf("FORMS.md = %q, %v", forms, err)
			}
			if _, err := l.ReadFile(ctx, "skill://pdf-processing/references/FORMS.md"); err != nil {
				t.Fatal(err)
			}
			logo, err := l.ReadFile(ctx, "assets/../assets/logo.bin")
			if err != nil || !bytes.Equal(logo, []byte{0xff, 0x00, 0xfe}) {
				t.Fatalf("logo.bin = %v, %v", logo, err)
			}
			want := "skill://pdf-processing/SKILL.md skill://pdf-processing/references/FORMS.md skill://pdf-processing/assets/logo.bin"
			if got := strings.Join(tm.readURIs(), " "); got != want {
				t.Errorf("reads %s\nwant  %s", got, want)
			}
			d, err := sess.ReadDirectory(ctx, "skill://pdf-processing", "")
			if err != nil || len(d.Resources) != 3 {
				t.Errorf("ReadDirectory = %+v, %v", d, err)
			}
		})
	}
}

// TestSkillsRefuseTampered: content that does not match the entry — another body of the same size, extra
// bytes, a frontmatter that differs from the entry's, a tampered supporting file — is refused with a
// verification error and never returned; an unlisted file is refused without a request.
func TestSkillsRefuseTampered(t *testing.T) {
	cases := []struct {
		name, method, old, new, file, want string
	}{
		{"digest", mcp.MethodResourcesRead, "Skill body.", "Evil body!!", "", "digest sha256:"},
		{"size", mcp.MethodResourcesRead, `Skill body.\n`, `Skill body.\nextra bytes the entry did not account for\n`, "", "read 168 bytes, the entry says 126"},
		{"frontmatter", mcp.MethodSkillsList, "Extract, fill, and assemble PDF documents", "Exfiltrate credentials", "", "frontmatter differs from the entry's in description"},
		{"metadata", mcp.MethodSkillsList, `"2.1.0"`, `"2.1.1"`, "", "frontmatter differs from the entry's in metadata"},
		{"supporting file", mcp.MethodResourcesRead, "Supporting content.", "Supporting c0ntent.", "references/FORMS.md", "digest sha256:"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tm := &tamper{method: c.method, rewrite: replaceIn(c.old, c.new)}
			sess := skillSession(t, tm, mcp.Version20260728)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			l, err := sess.LoadSkill(ctx, firstSkill(t, sess), nil)
			if c.file != "" {
				if err != nil {
					t.Fatal(err)
				}
				var b []byte
				b, err = l.ReadFile(ctx, c.file)
				if b != nil {
					t.Errorf("tampered content returned: %q", b)
				}
			} else if l != nil {
				t.Errorf("tampered skill loaded")
			}
			if !errors.Is(err, mcp.ErrSkillVerification) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want a verification error containing %q", err, c.want)
			}
		})
	}

	tm := &tamper{}
	sess := skillSession(t, tm, mcp.Version20260728)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	l, err := sess.LoadSkill(ctx, firstSkill(t, sess), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"references/NEW.md", "../other/SKILL.md", "skill://other/SKILL.md"} {
		if _, err := l.ReadFile(ctx, ref); err == nil {
			t.Errorf("ReadFile(%q) succeeded", ref)
		}
	}
	if n := len(tm.readURIs()); n != 1 {
		t.Errorf("%d reads, want only SKILL.md's: %v", n, tm.readURIs())
	}
}

// TestSkillsRefuseBadEntries: entries a host must not load are refused before any read.
func TestSkillsRefuseBadEntries(t *testing.T) {
	tm := &tamper{}
	sess := skillSession(t, tm, mcp.Version20260728)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	good := firstSkill(t, sess)
	mod := func(f func(*mcp.Skill)) mcp.Skill {
		s := good
		s.Resources = append([]mcp.SkillResource(nil), good.Resources...)
		f(&s)
		return s
	}
	cases := map[string]mcp.Skill{
		"dynamic":       mod(func(s *mcp.Skill) { s.Dynamic, s.Resources = true, nil }),
		"no manifest":   mod(func(s *mcp.Skill) { s.Resources = nil }),
		"no SKILL.md":   mod(func(s *mcp.Skill) { s.Resources = s.Resources[1:] }),
		"outside":       mod(func(s *mcp.Skill) { s.Resources[1].URI = "skill://other/x" }),
		"name mismatch": mod(func(s *mcp.Skill) { s.Frontmatter.Name = "other" }),
		"too large":     mod(func(s *mcp.Skill) { s.Resources[1].Size = mcp.MaxSkillBytes }),
		"too many files": mod(func(s *mcp.Skill) {
			for range mcp.MaxSkillResources {
				s.Resources = append(s.Resources, mcp.SkillResource{URI: "skill://pdf-processing/f", Size: 1})
			}
		}),
	}
	for name, entry := range cases {
		if _, err := sess.LoadSkill(ctx, entry, nil); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
	if n := len(tm.readURIs()); n != 0 {
		t.Errorf("%d reads for refused entries: %v", n, tm.readURIs())
	}
	// A dynamic skill loads when allowed: only the frontmatter is compared.
	l, err := sess.LoadSkill(ctx, cases["dynamic"], &client.LoadSkillOptions{AllowDynamic: true})
	if err != nil {
		t.Fatal(err)
	}
	if b, err := l.ReadFile(ctx, "references/FORMS.md"); err != nil || string(b) != "Supporting content.\n" {
		t.Errorf("dynamic ReadFile = %q, %v", b, err)
	}
}

// TestSkillsNotDeclared: against a server without the extension the skills calls fail without a request.
func TestSkillsNotDeclared(t *testing.T) {
	sess := connect(t, server.New("t", "1", nil), &client.Options{ProtocolVersion: mcp.Version20260728})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := sess.ListSkills(ctx, ""); !errors.Is(err, client.ErrSkillsNotDeclared) {
		t.Errorf("ListSkills: %v", err)
	}
	if _, err := sess.GetSkill(ctx, "skill://a/SKILL.md"); !errors.Is(err, client.ErrSkillsNotDeclared) {
		t.Errorf("GetSkill: %v", err)
	}
	if _, err := sess.ReadDirectory(ctx, "skill://a", ""); !errors.Is(err, client.ErrSkillsNotDeclared) {
		t.Errorf("ReadDirectory: %v", err)
	}
}
