package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"path"
	"strings"
	"sync"

	"github.com/mcpkit/mcpkit/mcp"
)

// ErrSkillsNotDeclared is returned by the skills calls when the server does not declare the skills
// extension (or, for ReadDirectory, its directoryRead setting): the client does not send the request.
var ErrSkillsNotDeclared = errors.New("client: the server does not declare the skills extension (io.modelcontextprotocol/skills)")

// ListSkills returns one page of skills/list; pass the previous page's NextCursor to continue. Listing
// fetches no skill file.
func (s *Session) ListSkills(ctx context.Context, cursor string) (*mcp.ListSkillsResult, error) {
	if _, ok := s.serverCaps.Skills(); !ok {
		return nil, ErrSkillsNotDeclared
	}
	var res mcp.ListSkillsResult
	if err := s.call(ctx, mcp.MethodSkillsList, &mcp.ListSkillsParams{Cursor: cursor}, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// Skills iterates over every skill entry, fetching pages as needed. An error ends the iteration.
func (s *Session) Skills(ctx context.Context) iter.Seq2[mcp.Skill, error] {
	return paginate(ctx, s.ListSkills, func(r *mcp.ListSkillsResult) ([]mcp.Skill, string) { return r.Skills, r.NextCursor })
}

// GetSkill returns the current entry of the skill whose SKILL.md is at uri (skills/get): for a skill the
// listing left out, or to refresh a held entry.
func (s *Session) GetSkill(ctx context.Context, uri string) (*mcp.Skill, error) {
	if _, ok := s.serverCaps.Skills(); !ok {
		return nil, ErrSkillsNotDeclared
	}
	var res mcp.GetSkillResult
	if err := s.call(ctx, mcp.MethodSkillsGet, &mcp.GetSkillParams{URI: uri}, &res); err != nil {
		return nil, err
	}
	return &res.Skill, nil
}

// ReadDirectory returns one page of the direct children of a directory resource
// (resources/directory/read); subdirectories have MimeType mcp.MimeDirectory. It needs the server's
// directoryRead setting. A directory read never extends a held entry: LoadedSkill reads only what its entry
// lists.
func (s *Session) ReadDirectory(ctx context.Context, uri, cursor string) (*mcp.ReadDirectoryResult, error) {
	if sc, ok := s.serverCaps.Skills(); !ok || !sc.DirectoryRead {
		return nil, fmt.Errorf("%w with directoryRead", ErrSkillsNotDeclared)
	}
	var res mcp.ReadDirectoryResult
	if err := s.call(ctx, mcp.MethodResourcesDirectoryRead, &mcp.ReadDirectoryParams{URI: uri, Cursor: cursor}, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// LoadSkillOptions configures LoadSkill. The zero value loads only skills whose entry lists digests.
type LoadSkillOptions struct {
	// AllowDynamic loads a skill whose resources is "dynamic": its files cannot be verified (only the
	// SKILL.md frontmatter is compared with the entry's), and at most mcp.MaxSkillBytes are read from it.
	AllowDynamic bool
}

// LoadSkill loads a skill from its entry (from Skills or GetSkill): it reads the SKILL.md — the first and
// only read; supporting files are read when LoadedSkill.ReadFile asks for them — and verifies it: its size
// and SHA-256 must equal the entry's, and its YAML frontmatter must equal the entry's field by field. Before
// reading, the entry itself is checked: a manifest with more than mcp.MaxSkillResources files or
// mcp.MaxSkillBytes in all, with a file outside the skill's directory or without the SKILL.md, or a uri
// whose last segment is not the skill's name, is refused. Any failure is an error and the content is not
// used; a verification failure matches mcp.ErrSkillVerification (refresh the entry with GetSkill and load
// again). opts may be nil.
func (s *Session) LoadSkill(ctx context.Context, entry mcp.Skill, opts *LoadSkillOptions) (*LoadedSkill, error) {
	var o LoadSkillOptions
	if opts != nil {
		o = *opts
	}
	root, ok := strings.CutSuffix(entry.URI, "/"+mcp.SkillFile)
	if !ok || path.Base(root) != entry.Frontmatter.Name {
		return nil, fmt.Errorf("client: skill entry %q: the uri must end in /<name>/SKILL.md with the frontmatter name %q", entry.URI, entry.Frontmatter.Name)
	}
	l := &LoadedSkill{session: s, entry: entry, root: root, cache: make(map[string][]byte)}
	var manifest *mcp.SkillResource
	switch {
	case entry.Dynamic && !o.AllowDynamic:
		return nil, fmt.Errorf("client: skill %s publishes no digests (resources is \"dynamic\"), so its content cannot be verified; set LoadSkillOptions.AllowDynamic to load it anyway", entry.URI)
	case entry.Dynamic:
	case entry.Resources == nil:
		return nil, fmt.Errorf("client: skill entry %s has no resources manifest; it must not be loaded", entry.URI)
	default:
		var total int64
		for i, r := range entry.Resources {
			total += r.Size
			if r.URI == entry.URI {
				manifest = &entry.Resources[i]
			} else if !strings.HasPrefix(r.URI, root+"/") {
				return nil, fmt.Errorf("client: skill %s lists %q, which is outside the skill's directory; it must not be loaded", entry.URI, r.URI)
			}
		}
		if n := len(entry.Resources); n > mcp.MaxSkillResources || total > mcp.MaxSkillBytes {
			return nil, fmt.Errorf("client: skill %s has %d files and %d bytes; hosts accept at most %d files and %d bytes", entry.URI, n, total, mcp.MaxSkillResources, mcp.MaxSkillBytes)
		}
		if manifest == nil {
			return nil, fmt.Errorf("client: skill %s: resources lists no entry for its SKILL.md; it must not be loaded", entry.URI)
		}
	}
	content, err := l.fetch(ctx, entry.URI, manifest)
	if err != nil {
		return nil, err
	}
	fm, err := mcp.ParseSkillFrontmatter(content)
	if err != nil {
		return nil, &mcp.SkillVerificationError{URI: entry.URI, Reason: err.Error()}
	}
	if diff := mcp.FrontmatterDiff(fm, entry.Frontmatter); diff != nil {
		return nil, &mcp.SkillVerificationError{URI: entry.URI, Reason: "its frontmatter differs from the entry's in " + strings.Join(diff, ", ")}
	}
	l.cache[entry.URI] = content
	return l, nil
}

// LoadedSkill is a skill the client is acting on: the entry it was loaded from, its verified SKILL.md, and
// the files read so far. Every read is resolved against the held entry and verified; it is safe for
// concurrent use.
type LoadedSkill struct {
	session *Session
	entry   mcp.Skill
	root    string // the skill's directory URI

	mu        sync.Mutex
	cache     map[string][]byte // verified content by URI
	retrieved int64             // bytes read from a dynamic skill
}

// Entry returns the entry the skill was loaded from.
func (l *LoadedSkill) Entry() mcp.Skill { return l.entry }

// Content returns the verified SKILL.md, frontmatter included.
func (l *LoadedSkill) Content() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return bytes.Clone(l.cache[l.entry.URI])
}

// Instructions returns the SKILL.md body after its frontmatter.
func (l *LoadedSkill) Instructions() string {
	_, body, _ := mcp.SplitFrontmatter(l.Content())
	return string(body)
}

// ReadFile returns a file of the skill, verified against the held entry. ref is a path relative to the
// skill's directory ("references/FORMS.md") or a full URI. A file the entry does not list is a verification
// failure, without a request: an unlisted file is a change to the skill (refresh the entry with GetSkill). A
// verified file is kept and not read again.
func (l *LoadedSkill) ReadFile(ctx context.Context, ref string) ([]byte, error) {
	uri, manifest, err := l.resolve(ref)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	cached, ok := l.cache[uri]
	l.mu.Unlock()
	if ok {
		return bytes.Clone(cached), nil
	}
	content, err := l.fetch(ctx, uri, manifest)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.cache[uri] = content
	l.mu.Unlock()
	return bytes.Clone(content), nil
}

// resolve maps ref to a URI within the skill, and to its manifest entry (nil for a dynamic skill).
func (l *LoadedSkill) resolve(ref string) (string, *mcp.SkillResource, error) {
	var rel string
	if strings.Contains(ref, "://") {
		r, ok := strings.CutPrefix(ref, l.root+"/")
		if !ok {
			return "", nil, fmt.Errorf("client: %q is not a file of skill %s", ref, l.entry.URI)
		}
		if u, err := url.PathUnescape(r); err == nil {
			r = u
		}
		rel = r
	} else {
		rel = ref
	}
	clean := path.Clean(rel)
	if clean == "." || clean == ".." || strings.HasPrefix(clean, "../") || strings.HasPrefix(clean, "/") {
		return "", nil, fmt.Errorf("client: %q is not a file within skill %s", ref, l.entry.URI)
	}
	if l.entry.Dynamic {
		segs := strings.Split(clean, "/")
		for i, s := range segs {
			segs[i] = url.PathEscape(s)
		}
		return l.root + "/" + strings.Join(segs, "/"), nil, nil
	}
	for i, r := range l.entry.Resources {
		tail := strings.TrimPrefix(r.URI, l.root+"/")
		if tail == clean {
			return r.URI, &l.entry.Resources[i], nil
		}
		if u, err := url.PathUnescape(tail); err == nil && u == clean {
			return r.URI, &l.entry.Resources[i], nil
		}
	}
	return "", nil, &mcp.SkillVerificationError{URI: l.root + "/" + clean, Reason: "the held entry does not list this file (an unlisted file is a change to the skill: refresh the entry with GetSkill)"}
}

// fetch reads uri with resources/read and verifies it against manifest (a dynamic skill has none: its
// total is bounded instead).
func (l *LoadedSkill) fetch(ctx context.Context, uri string, manifest *mcp.SkillResource) ([]byte, error) {
	res, err := l.session.ReadResource(ctx, uri)
	if err != nil {
		return nil, err
	}
	var rc *mcp.ResourceContents
	for i := range res.Contents {
		if res.Contents[i].URI == uri {
			rc = &res.Contents[i]
			break
		}
	}
	if rc == nil {
		return nil, &mcp.SkillVerificationError{URI: uri, Reason: "resources/read returned no contents for this URI"}
	}
	content, err := rc.Bytes()
	if err != nil {
		return nil, &mcp.SkillVerificationError{URI: uri, Reason: "the blob is not valid base64"}
	}
	if manifest != nil {
		if err := manifest.Verify(content); err != nil {
			return nil, err
		}
		return content, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.retrieved+int64(len(content)) > mcp.MaxSkillBytes {
		return nil, fmt.Errorf("client: dynamic skill %s: reading %s would pass %d bytes, the most a skill may hold", l.entry.URI, uri, mcp.MaxSkillBytes)
	}
	l.retrieved += int64(len(content))
	return content, nil
}
