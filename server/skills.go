package server

import (
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net/url"
	"path"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/mcpkit/mcpkit/mcp"
)

// SkillOptions configures AddSkills. The zero value serves skills at skill://<name>/… with the extension's
// limits.
type SkillOptions struct {
	// Prefix is an organizational prefix of every skill path ("acme/billing" serves the skill refunds at
	// skill://acme/billing/refunds/SKILL.md). Its segments may hold letters, digits and - . _ ~ only.
	Prefix string
	// MaxFiles bounds the files of one skill, SKILL.md included. Zero means mcp.MaxSkillResources (512), the
	// most every host accepts; a larger value is refused.
	MaxFiles int
	// MaxBytes bounds the total size of one skill's files. Zero means mcp.MaxSkillBytes (16 MiB), the most
	// every host accepts; a larger value is refused.
	MaxBytes int64
}

// AddSkills serves the skills in fsys (os.DirFS for a folder, an embed.FS, …) under the skills extension
// (SEP-2640): every directory holding a SKILL.md is a skill named after the directory, and directories above
// it without one are its organizational prefix. Each file of a skill — every regular file below its
// directory, nested skills' files included — becomes a resource skill://<skill-path>/<file-path>, read with
// resources/read; each SKILL.md is listed by resources/list (name and description from its frontmatter,
// text/markdown). The server then declares the extension with directoryRead and answers skills/list,
// skills/get and resources/directory/read.
//
// Everything is read and checked here, once: each SKILL.md must begin with YAML frontmatter whose name
// follows the Agent Skills rules and equals its directory's name, and whose description is non-empty; a
// skill may not exceed opts' limits. Digests and sizes are computed from the bytes read, and those bytes are
// what the server serves, so a later change on disk is never served with a stale digest (call AddSkills
// again, on a new server, to pick changes up). Names starting with "." are skipped; a symbolic link or other
// non-regular file is an error. On any error nothing is registered, and the error names every problem found.
// opts may be nil. AddSkills may be called more than once (with different prefixes); a URI served twice is an
// error.
func AddSkills(s *Server, fsys fs.FS, opts *SkillOptions) error {
	var o SkillOptions
	if opts != nil {
		o = *opts
	}
	if o.MaxFiles == 0 {
		o.MaxFiles = mcp.MaxSkillResources
	}
	if o.MaxBytes == 0 {
		o.MaxBytes = mcp.MaxSkillBytes
	}
	if o.MaxFiles < 0 || o.MaxFiles > mcp.MaxSkillResources {
		return fmt.Errorf("skills: MaxFiles %d is outside 1..%d (hosts need not accept larger skills)", o.MaxFiles, mcp.MaxSkillResources)
	}
	if o.MaxBytes < 0 || o.MaxBytes > mcp.MaxSkillBytes {
		return fmt.Errorf("skills: MaxBytes %d is outside 1..%d (hosts need not accept larger skills)", o.MaxBytes, mcp.MaxSkillBytes)
	}
	prefix := strings.Trim(o.Prefix, "/")
	if prefix != "" {
		for seg := range strings.SplitSeq(prefix, "/") {
			if err := checkPrefixSegment(seg); err != nil {
				return fmt.Errorf("skills: Prefix %q: %w", o.Prefix, err)
			}
		}
	}
	files, err := walkSkillFiles(fsys)
	if err != nil {
		return err
	}
	var roots []string
	for _, f := range files {
		if path.Base(f.path) == mcp.SkillFile {
			roots = append(roots, path.Dir(f.path))
		}
	}
	if len(roots) == 0 {
		return errors.New("skills: no SKILL.md found (each skill is a directory named after the skill, with a SKILL.md)")
	}
	set := newSkillSet()
	var errs []error
	for _, root := range roots {
		if err := loadSkill(set, fsys, files, root, prefix, o); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	return s.addSkillSet(set)
}

// foundFile is a regular file found in the skills tree.
type foundFile struct {
	path string
	size int64
}

// walkSkillFiles lists every regular file of fsys, skipping names that start with ".".
func walkSkillFiles(fsys fs.FS) ([]foundFile, error) {
	var files []foundFile
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("skills: %w", err)
		}
		if p != "." && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		switch {
		case d.IsDir():
			return nil
		case !d.Type().IsRegular():
			return fmt.Errorf("skills: %s is not a regular file (%s); skills serve regular files only", p, d.Type())
		}
		info, err := d.Info()
		if err != nil {
			return fmt.Errorf("skills: %w", err)
		}
		files = append(files, foundFile{path: p, size: info.Size()})
		return nil
	})
	return files, err
}

// loadSkill reads the skill whose SKILL.md is in directory root (of fsys) into set.
func loadSkill(set *skillSet, fsys fs.FS, files []foundFile, root, prefix string, o SkillOptions) error {
	if root == "." {
		return errors.New("skills: SKILL.md is at the root; a skill must be in a directory named after it")
	}
	name := path.Base(root)
	skillPath := root
	if prefix != "" {
		skillPath = prefix + "/" + root
	}
	segs := strings.Split(skillPath, "/")
	for _, seg := range segs[:len(segs)-1] {
		if err := checkPrefixSegment(seg); err != nil {
			return fmt.Errorf("skills: %s: directory above the skill: %w", root, err)
		}
	}
	if err := mcp.ValidateSkillName(name); err != nil {
		return fmt.Errorf("skills: %s: the directory name is the skill name: %w", root, err)
	}
	var mine []foundFile
	var total int64
	for _, f := range files {
		if strings.HasPrefix(f.path, root+"/") {
			mine = append(mine, f)
			total += f.size
		}
	}
	if len(mine) > o.MaxFiles {
		return fmt.Errorf("skills: %s has %d files; at most %d are served per skill", root, len(mine), o.MaxFiles)
	}
	if total > o.MaxBytes {
		return fmt.Errorf("skills: %s holds %d bytes; at most %d are served per skill", root, total, o.MaxBytes)
	}
	base := "skill://" + skillPath
	entry := &skillEntry{skill: mcp.Skill{URI: base + "/" + mcp.SkillFile, Resources: make([]mcp.SkillResource, 0, len(mine))}}
	total = 0
	for _, f := range mine {
		content, err := fs.ReadFile(fsys, f.path)
		if err != nil {
			return fmt.Errorf("skills: %w", err)
		}
		if total += int64(len(content)); total > o.MaxBytes {
			return fmt.Errorf("skills: %s holds more than %d bytes; at most %d are served per skill", root, total, o.MaxBytes)
		}
		rel := strings.TrimPrefix(f.path, root+"/")
		uri := base + "/" + escapePath(rel)
		sf := &skillFile{uri: uri, content: content}
		sf.mime, sf.text = mimeOf(rel, content)
		entry.skill.Resources = append(entry.skill.Resources, mcp.SkillResource{
			URI: uri, Digest: mcp.SkillDigest(content), Size: int64(len(content)),
		})
		if rel == mcp.SkillFile {
			fm, err := mcp.ParseSkillFrontmatter(content)
			if err != nil {
				return fmt.Errorf("skills: %s: %w", f.path, err)
			}
			if err := mcp.ValidateFrontmatter(fm); err != nil {
				return fmt.Errorf("skills: %s: %w", f.path, err)
			}
			if fm.Name != name {
				return fmt.Errorf("skills: %s: frontmatter name %q differs from the directory's name %q; they must be equal", f.path, fm.Name, name)
			}
			entry.skill.Frontmatter = fm
			size := int64(len(content))
			entry.listed = mcp.Resource{URI: uri, Name: fm.Name, Description: fm.Description, MimeType: sf.mime, Size: &size}
		}
		if err := set.addFile(sf); err != nil {
			return err
		}
	}
	// SKILL.md first, then the other files in path order (as walked).
	slices.SortStableFunc(entry.skill.Resources, func(a, b mcp.SkillResource) int {
		return boolRank(a.URI != entry.skill.URI) - boolRank(b.URI != entry.skill.URI)
	})
	return set.addSkill(entry)
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// checkPrefixSegment allows the unreserved characters of RFC 3986 (letters, digits, - . _ ~), so the first
// segment is a valid authority and the others valid path segments without escaping.
func checkPrefixSegment(seg string) error {
	if seg == "" || seg == "." || seg == ".." {
		return fmt.Errorf("path segment %q is not allowed", seg)
	}
	for _, c := range []byte(seg) {
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && !strings.ContainsRune("-._~", rune(c)) {
			return fmt.Errorf("path segment %q has %q: only letters, digits and - . _ ~ are allowed", seg, rune(c))
		}
	}
	return nil
}

// escapePath percent-encodes each segment of a slash-separated relative path for a URI.
func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// textTypes are the non-text/* MIME types served as text.
var textTypes = []string{"application/json", "application/yaml", "application/xml", "application/javascript", "application/toml"}

// knownTypes names common skill files mime.TypeByExtension may not know on every system.
var knownTypes = map[string]string{
	".md": "text/markdown", ".markdown": "text/markdown", ".txt": "text/plain", ".py": "text/x-python",
	".sh": "text/x-shellscript", ".json": "application/json", ".yaml": "application/yaml",
	".yml": "application/yaml", ".toml": "application/toml", ".js": "application/javascript",
	".ts": "text/x-typescript", ".go": "text/x-go", ".html": "text/html", ".css": "text/css",
	".csv": "text/csv", ".xml": "application/xml", ".svg": "image/svg+xml", ".png": "image/png",
	".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".pdf": "application/pdf",
}

// mimeOf returns a file's MIME type and whether it is served as text: a textual type and valid UTF-8 (the
// bytes then travel unchanged as a JSON string); anything else is a base64 blob.
func mimeOf(name string, content []byte) (string, bool) {
	ext := strings.ToLower(path.Ext(name))
	t, ok := knownTypes[ext]
	if !ok {
		t = mime.TypeByExtension(ext)
		if i := strings.IndexByte(t, ';'); i >= 0 {
			t = strings.TrimSpace(t[:i])
		}
	}
	valid := utf8.Valid(content)
	if t == "" {
		if valid {
			return "text/plain", true
		}
		return "application/octet-stream", false
	}
	textual := strings.HasPrefix(t, "text/") || slices.Contains(textTypes, t) || strings.HasSuffix(t, "+xml")
	return t, textual && valid
}
