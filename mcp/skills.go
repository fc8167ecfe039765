package mcp

import (
	"fmt"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// The skills extension (SEP-2640, io.modelcontextprotocol/skills): a server serves Agent Skills — directories
// of files with a SKILL.md at their root — as resources under skill://, lists them with skills/list, answers
// one with skills/get, and (with directoryRead) lists a directory's children with resources/directory/read.
const (
	// ExtensionSkills identifies the skills extension in capabilities.extensions.
	ExtensionSkills = "io.modelcontextprotocol/skills"
	// MethodSkillsList lists the skills a server serves (client → server; paginated).
	MethodSkillsList = "skills/list"
	// MethodSkillsGet returns the entry of one skill by the URI of its SKILL.md (client → server).
	MethodSkillsGet = "skills/get"
	// MethodResourcesDirectoryRead lists the direct children of a directory resource (client → server;
	// only when the server declares directoryRead).
	MethodResourcesDirectoryRead = "resources/directory/read"

	// SkillFile is the file every skill has at its root.
	SkillFile = "SKILL.md"
	// SkillScheme is the URI scheme skills are served under: skill://<skill-path>/<file-path>.
	SkillScheme = "skill"
	// MimeDirectory is the MIME type of a directory resource.
	MimeDirectory = "inode/directory"
	// SkillResourcesDynamic is the value of resources for a skill whose content is generated, so that no
	// digests can be published.
	SkillResourcesDynamic = "dynamic"

	// MaxSkillResources is the number of files per skill (SKILL.md included) every host must accept and no
	// server should exceed.
	MaxSkillResources = 512
	// MaxSkillBytes is the total size of a skill's files every host must accept and no server should exceed
	// (16 MiB).
	MaxSkillBytes = 16 << 20
)

// SkillsCapability is the settings object of the skills extension in capabilities.extensions. An empty object
// declares the extension with no optional features.
type SkillsCapability struct {
	// DirectoryRead: the server implements resources/directory/read.
	DirectoryRead bool `json:"directoryRead,omitzero"`
	// Extra holds settings this type does not declare.
	Extra map[string]jsontext.Value `json:",embed"`
}

// Skills returns the server's skills extension settings, and whether it declares the extension. A declared
// value that is not a JSON object counts as not declared.
func (c *ServerCapabilities) Skills() (SkillsCapability, bool) {
	if c == nil {
		return SkillsCapability{}, false
	}
	raw, ok := c.Extensions[ExtensionSkills]
	if !ok {
		return SkillsCapability{}, false
	}
	var sc SkillsCapability
	if raw.Kind() != '{' || json.Unmarshal(raw, &sc) != nil {
		return SkillsCapability{}, false
	}
	return sc, true
}

// SkillResource is one file of a skill with the digest and size of its content.
type SkillResource struct {
	// URI is the file's resource URI.
	URI string `json:"uri"`
	// Digest is "sha256:" and the lowercase hex SHA-256 of the file's raw bytes.
	Digest string `json:"digest"`
	// Size is the length of the file's raw bytes.
	Size int64 `json:"size"`
}

// SkillFrontmatter is a skill's SKILL.md YAML frontmatter as a JSON object. Name and description are
// required; every other field the author wrote is in Extra, unchanged.
type SkillFrontmatter struct {
	// Name is the skill's name: the final segment of its skill path.
	Name string `json:"name"`
	// Description says what the skill does and when to use it.
	Description string `json:"description"`
	// Extra holds every other field (license, metadata, allowed-tools, …) as written.
	Extra map[string]jsontext.Value `json:",embed"`
}

// Skill is the entry of one skill, as skills/list and skills/get return it.
type Skill struct {
	// URI is the resource URI of the skill's SKILL.md.
	URI string
	// Frontmatter is the SKILL.md frontmatter, identical in content to the file's.
	Frontmatter SkillFrontmatter
	// Resources lists every file of the skill, SKILL.md included, each once. It is nil when Dynamic.
	Resources []SkillResource
	// Dynamic: the skill's content is generated and publishes no digests (resources is "dynamic").
	Dynamic bool
}

// skillWire is Skill as written and read: resources is an array or the string "dynamic".
type skillWire struct {
	URI         string           `json:"uri"`
	Frontmatter SkillFrontmatter `json:"frontmatter"`
	Resources   jsontext.Value   `json:"resources"`
}

// MarshalJSONTo writes the entry; a non-dynamic entry always has a resources array.
func (s Skill) MarshalJSONTo(enc *jsontext.Encoder) error {
	w := skillWire{URI: s.URI, Frontmatter: s.Frontmatter}
	if s.Dynamic {
		w.Resources = jsontext.Value(`"` + SkillResourcesDynamic + `"`)
	} else {
		res := s.Resources
		if res == nil {
			res = []SkillResource{}
		}
		b, err := json.Marshal(res)
		if err != nil {
			return err
		}
		w.Resources = b
	}
	return json.MarshalEncode(enc, &w)
}

// UnmarshalJSONFrom reads an entry. An entry without resources, or whose resources is neither an array nor
// "dynamic", is an error: hosts must not load it.
func (s *Skill) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	var w skillWire
	if err := json.UnmarshalDecode(dec, &w); err != nil {
		return err
	}
	*s = Skill{URI: w.URI, Frontmatter: w.Frontmatter}
	switch w.Resources.Kind() {
	case '[':
		if err := json.Unmarshal(w.Resources, &s.Resources); err != nil {
			return fmt.Errorf("skill %s: resources: %w", quoteBounded(w.URI), err)
		}
		if s.Resources == nil {
			s.Resources = []SkillResource{}
		}
		return nil
	case '"':
		var str string
		if err := json.Unmarshal(w.Resources, &str); err == nil && str == SkillResourcesDynamic {
			s.Dynamic = true
			return nil
		}
	case 0:
		return fmt.Errorf("skill %s has no resources (an array of files or %q is required)", quoteBounded(w.URI), SkillResourcesDynamic)
	}
	return fmt.Errorf("skill %s: resources is neither an array nor %q", quoteBounded(w.URI), SkillResourcesDynamic)
}

// quoteBounded quotes s for an error message, cut to 128 bytes.
func quoteBounded(s string) string {
	if len(s) > 128 {
		s = s[:128] + "…"
	}
	return fmt.Sprintf("%q", s)
}

// ListSkillsParams are the params of skills/list.
type ListSkillsParams = PaginatedParams

// ListSkillsResult is the result of skills/list. It is cacheable.
type ListSkillsResult struct {
	ResultFields `json:",embed"`
	CacheHints   `json:",embed"`
	// Skills is the page of entries; an entry is never split across pages.
	Skills []Skill `json:"skills"`
	// NextCursor, when set, fetches the next page.
	NextCursor string `json:"nextCursor,omitzero"`
}

// GetSkillParams are the params of skills/get.
type GetSkillParams struct {
	// Meta is the request's _meta (required in 2026-07-28).
	Meta *RequestMeta `json:"_meta,omitzero"`
	// URI is the URI of the skill's SKILL.md.
	URI string `json:"uri"`
}

// GetSkillResult is the result of skills/get. It is cacheable and carries no cursor.
type GetSkillResult struct {
	ResultFields `json:",embed"`
	CacheHints   `json:",embed"`
	// Skill is the entry, shaped as in skills/list.
	Skill Skill `json:"skill"`
}

// ReadDirectoryParams are the params of resources/directory/read.
type ReadDirectoryParams struct {
	// Meta is the request's _meta (required in 2026-07-28).
	Meta *RequestMeta `json:"_meta,omitzero"`
	// URI is the directory resource to read (no trailing slash).
	URI string `json:"uri"`
	// Cursor is the nextCursor of the previous page; empty asks for the first page.
	Cursor string `json:"cursor,omitzero"`
}

// ReadDirectoryResult is the result of resources/directory/read.
type ReadDirectoryResult struct {
	ResultFields `json:",embed"`
	// CacheHints (2026-07-28) say how long the listing may be reused, as for resources/list.
	CacheHints `json:",embed"`
	// Resources are the directory's direct children; subdirectories have MimeType MimeDirectory.
	Resources []Resource `json:"resources"`
	// NextCursor, when set, fetches the next page.
	NextCursor string `json:"nextCursor,omitzero"`
}
