package server

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/mcp"
)

// skillSet is every skill AddSkills registered on a server, with their files and directories. It is built
// whole before it is installed and guarded by Server.mu afterwards.
type skillSet struct {
	skills registry[*skillEntry]              // by SKILL.md URI
	files  map[string]*skillFile              // every file of every skill, by URI
	dirs   map[string]*registry[mcp.Resource] // every directory: its direct children by URI
}

// skillEntry is one skill: its entry and the resources/list definition of its SKILL.md.
type skillEntry struct {
	skill  mcp.Skill
	listed mcp.Resource
}

// skillFile is one served file; content is what was digested and is never changed.
type skillFile struct {
	uri     string
	mime    string
	text    bool
	content []byte
}

func newSkillSet() *skillSet {
	return &skillSet{files: make(map[string]*skillFile), dirs: make(map[string]*registry[mcp.Resource])}
}

// addFile adds f. The same URI with the same bytes is accepted once more: a nested skill's files are also
// files of the skill that encloses it.
func (set *skillSet) addFile(f *skillFile) error {
	if old, ok := set.files[f.uri]; ok {
		if bytes.Equal(old.content, f.content) {
			return nil
		}
		return fmt.Errorf("skills: %s is served twice with different content", f.uri)
	}
	set.files[f.uri] = f
	return nil
}

func (set *skillSet) addSkill(e *skillEntry) error {
	if _, ok := set.skills.get(e.skill.URI); ok {
		return fmt.Errorf("skills: the skill %s is served twice", e.skill.URI)
	}
	set.skills.put(e.skill.URI, e)
	return nil
}

// buildDirs (re)computes the directory tree from the files: every ancestor of a file, up to the skill://
// authority, is a directory resource listing its direct children.
func (set *skillSet) buildDirs() {
	set.dirs = make(map[string]*registry[mcp.Resource])
	child := func(dir string, r mcp.Resource) {
		d, ok := set.dirs[dir]
		if !ok {
			d = &registry[mcp.Resource]{}
			set.dirs[dir] = d
		}
		d.put(r.URI, r)
	}
	for uri, f := range set.files {
		def := mcp.Resource{URI: uri, Name: path.Base(uri), MimeType: f.mime}
		if e, ok := set.skills.get(uri); ok {
			def = e.listed
		} else {
			size := int64(len(f.content))
			def.Size = &size
		}
		dir := parentURI(uri)
		child(dir, def)
		for {
			up := parentURI(dir)
			if up == "" {
				break
			}
			child(up, mcp.Resource{URI: dir, Name: path.Base(dir), MimeType: mcp.MimeDirectory})
			dir = up
		}
	}
}

// maxPageFiles bounds the resource entries of one skills/list page (a page has at least one skill): with 512
// files per skill, 100 skills would be about 7 MB of JSON.
const maxPageFiles = 4096

// page returns up to size skills after the cursor (size < 0: no limit), ending the page early once it holds
// maxPageFiles resource entries, and the cursor of the next page.
func (set *skillSet) page(cursor string, size int) ([]*skillEntry, string, error) {
	all, _, err := set.skills.page(cursor, -1)
	if err != nil {
		return nil, "", err
	}
	n, files := 0, 0
	for n < len(all) && (size < 0 || n < size) && (n == 0 || files+len(all[n].skill.Resources) <= maxPageFiles) {
		files += len(all[n].skill.Resources)
		n++
	}
	if n == len(all) {
		return all, "", nil
	}
	return all[:n], encodeCursor(all[n-1].skill.URI), nil
}

// parentURI returns the directory of a skill:// URI, or "" for the top directory (skill://<authority>).
func parentURI(uri string) string {
	rest, ok := strings.CutPrefix(uri, "skill://")
	if !ok {
		return ""
	}
	i := strings.LastIndexByte(rest, '/')
	if i < 0 {
		return ""
	}
	return "skill://" + rest[:i]
}

// read answers resources/read of the file.
func (f *skillFile) read(context.Context, ResourceRequest) ([]mcp.ResourceContents, error) {
	if f.text {
		return []mcp.ResourceContents{mcp.TextResource(f.uri, f.mime, string(f.content))}, nil
	}
	return []mcp.ResourceContents{mcp.BlobResource(f.uri, f.mime, f.content)}, nil
}

// addSkillSet installs set, merged with the skills already served, after checking that no URI is served
// twice. Each SKILL.md is listed by resources/list.
func (s *Server) addSkillSet(set *skillSet) error {
	s.mu.Lock()
	merged := newSkillSet()
	if s.skills != nil {
		for uri, f := range s.skills.files {
			merged.files[uri] = f
		}
		for _, k := range s.skills.skills.keys {
			merged.skills.put(k, s.skills.skills.byKey[k])
		}
	}
	for uri, f := range set.files {
		if _, ok := merged.files[uri]; ok {
			s.mu.Unlock()
			return fmt.Errorf("skills: %s is already served by an earlier AddSkills", uri)
		}
		merged.files[uri] = f
	}
	for _, k := range set.skills.keys {
		if _, ok := s.resources.get(k); ok {
			s.mu.Unlock()
			return fmt.Errorf("skills: %s is already registered as a resource", k)
		}
		merged.skills.put(k, set.skills.byKey[k])
	}
	merged.buildDirs()
	s.skills = merged
	for _, k := range set.skills.keys {
		e := set.skills.byKey[k]
		s.resources.put(k, &resourceEntry{def: e.listed, read: merged.files[k].read})
	}
	s.mu.Unlock()
	s.resourcesChanged()
	return nil
}

// skillFileHandler returns the resources/read handler of a skill file. The caller holds s.mu.
func (s *Server) skillFileHandler(uri string) (ResourceHandler, bool) {
	if s.skills == nil {
		return nil, false
	}
	f, ok := s.skills.files[uri]
	if !ok {
		return nil, false
	}
	return f.read, true
}

// declareSkills adds the skills extension to c when skills are served.
func (s *Server) declareSkills(c *mcp.ServerCapabilities) {
	s.mu.RLock()
	served := s.skills != nil
	s.mu.RUnlock()
	if !served {
		return
	}
	if c.Extensions == nil {
		c.Extensions = make(map[string]jsontext.Value)
	}
	c.Extensions[mcp.ExtensionSkills] = jsontext.Value(`{"directoryRead":true}`)
}

// withSkills decodes r's params into p, then runs fn on the served skills under the read lock: the start of
// every skills method. No skills served is -32601 (the methods exist only with AddSkills); else fn's error.
func (s *Server) withSkills(r *Request, p any, fn func(*skillSet) error) error {
	if err := decodeParams(r.Params, p); err != nil {
		return err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.skills == nil {
		return methodNotFound(r.Method, r.ProtocolVersion)
	}
	return fn(s.skills)
}

// listSkills answers skills/list: a page of entries in URI order.
func (s *Server) listSkills(ctx context.Context, r *Request) (jsontext.Value, error) {
	var (
		p       mcp.ListSkillsParams
		entries []*skillEntry
		next    string
	)
	if err := s.withSkills(r, &p, func(set *skillSet) (err error) {
		entries, next, err = set.page(p.Cursor, s.opts.PageSize)
		return err
	}); err != nil {
		return nil, err
	}
	res := mcp.ListSkillsResult{Skills: make([]mcp.Skill, len(entries)), NextCursor: next}
	for i, e := range entries {
		res.Skills[i] = e.skill
	}
	r.finish(&res.ResultFields)
	r.cache(&res.CacheHints, s.opts.ListTTL.Milliseconds(), mcp.CacheScopePublic)
	return marshalResult(&res)
}

// getSkill answers skills/get: the entry of the skill whose SKILL.md is at uri, or -32602.
func (s *Server) getSkill(ctx context.Context, r *Request) (jsontext.Value, error) {
	var (
		p  mcp.GetSkillParams
		e  *skillEntry
		ok bool
	)
	if err := s.withSkills(r, &p, func(set *skillSet) error {
		e, ok = set.skills.get(p.URI)
		return nil
	}); err != nil {
		return nil, err
	}
	if p.URI == "" {
		return nil, invalidParams("skills/get: uri is required (the URI of a skill's SKILL.md)")
	}
	if !ok {
		return nil, invalidParams("no skill is served at " + bounded(p.URI))
	}
	res := mcp.GetSkillResult{Skill: e.skill}
	r.finish(&res.ResultFields)
	r.cache(&res.CacheHints, s.opts.ReadTTL.Milliseconds(), mcp.CacheScopePublic)
	return marshalResult(&res)
}

// readDirectory answers resources/directory/read: a page of a directory's direct children, or -32602 for a
// URI that is not a directory.
func (s *Server) readDirectory(ctx context.Context, r *Request) (jsontext.Value, error) {
	var (
		p             mcp.ReadDirectoryParams
		children      []mcp.Resource
		next          string
		err           error
		isDir, isFile bool
	)
	if werr := s.withSkills(r, &p, func(set *skillSet) error {
		var dir *registry[mcp.Resource]
		dir, isDir = set.dirs[p.URI]
		_, isFile = set.files[p.URI]
		if isDir {
			children, next, err = dir.page(p.Cursor, s.opts.PageSize)
		}
		return nil // after the checks of the URI, below
	}); werr != nil {
		return nil, werr
	}
	switch {
	case p.URI == "":
		return nil, invalidParams("resources/directory/read: uri is required")
	case isFile:
		return nil, invalidParams(bounded(p.URI) + " is not a directory resource")
	case !isDir:
		return nil, invalidParams("no directory resource is served at " + bounded(p.URI))
	case err != nil:
		return nil, err
	}
	res := mcp.ReadDirectoryResult{Resources: children, NextCursor: next}
	r.finish(&res.ResultFields)
	r.cache(&res.CacheHints, s.opts.ListTTL.Milliseconds(), mcp.CacheScopePublic)
	return marshalResult(&res)
}
