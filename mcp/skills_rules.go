package mcp

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
)

// The rules of the skills extension both sides share: skill names, digests, verification of what a read
// returned against an entry, and the SKILL.md frontmatter.

// SkillDigest returns the digest of content as skill entries carry it: "sha256:" and 64 lowercase hex
// characters.
func SkillDigest(content []byte) string {
	sum := sha256.Sum256(content)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// ErrSkillVerification marks every verification failure of skill content: a size or digest mismatch, a
// frontmatter that differs from the entry's, a read of a file the entry does not list. Content that failed
// must not be used.
var ErrSkillVerification = errors.New("skill content failed verification")

// SkillVerificationError says which file failed verification and why. It matches ErrSkillVerification
// with errors.Is.
type SkillVerificationError struct {
	// URI is the file whose content was refused.
	URI string
	// Reason says what did not match.
	Reason string
}

func (e *SkillVerificationError) Error() string {
	return fmt.Sprintf("skill file %s failed verification: %s; the content was not used", quoteBounded(e.URI), e.Reason)
}

// Is makes errors.Is(err, ErrSkillVerification) true.
func (e *SkillVerificationError) Is(target error) bool { return target == ErrSkillVerification }

// Verify checks content read from r.URI against the entry: its length must equal Size (checked first, a
// mismatch is a failure whatever the digest) and its SHA-256 must equal Digest. It returns a
// *SkillVerificationError otherwise.
func (r SkillResource) Verify(content []byte) error {
	if int64(len(content)) != r.Size {
		return &SkillVerificationError{URI: r.URI, Reason: fmt.Sprintf("read %d bytes, the entry says %d", len(content), r.Size)}
	}
	if got := SkillDigest(content); got != r.Digest {
		return &SkillVerificationError{URI: r.URI, Reason: fmt.Sprintf("digest %s, the entry says %s", got, quoteBounded(r.Digest))}
	}
	return nil
}

// ValidDigest reports whether d has the digest format: "sha256:" and 64 lowercase hex characters.
func ValidDigest(d string) bool {
	hexPart, ok := strings.CutPrefix(d, "sha256:")
	if !ok || len(hexPart) != 64 {
		return false
	}
	for i := 0; i < len(hexPart); i++ {
		c := hexPart[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// MaxSkillNameLen and MaxSkillDescriptionLen are the Agent Skills specification's limits on the name and
// description fields.
const (
	MaxSkillNameLen        = 64
	MaxSkillDescriptionLen = 1024
)

// ValidateSkillName checks the Agent Skills naming rules: 1 to 64 characters, lowercase letters, digits and
// hyphens, no hyphen at the start or end, no two hyphens in a row. The error says which rule failed.
func ValidateSkillName(name string) error {
	switch {
	case name == "":
		return errors.New("skill name is empty")
	case len(name) > MaxSkillNameLen:
		return fmt.Errorf("skill name %s is %d characters long; at most %d are allowed", quoteBounded(name), len(name), MaxSkillNameLen)
	case name[0] == '-' || name[len(name)-1] == '-':
		return fmt.Errorf("skill name %q starts or ends with a hyphen", name)
	case strings.Contains(name, "--"):
		return fmt.Errorf("skill name %q has two hyphens in a row", name)
	}
	for _, c := range []byte(name) {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return fmt.Errorf("skill name %q has %q: only lowercase letters a-z, digits and hyphens are allowed", name, rune(c))
		}
	}
	return nil
}

// MaxFrontmatterBytes bounds the YAML frontmatter of a SKILL.md that ParseSkillFrontmatter accepts (64 KiB);
// real frontmatter is a few hundred bytes.
const MaxFrontmatterBytes = 64 << 10

// SplitFrontmatter returns the YAML between the opening "---" line (the file's first, after an optional
// UTF-8 byte order mark) and the next line that is "---" (trailing spaces and tabs allowed), and the body
// after it. ok is false when the file does not begin with a frontmatter block.
func SplitFrontmatter(content []byte) (yamlBlock, body []byte, ok bool) {
	content = bytes.TrimPrefix(content, []byte("\uFEFF"))
	rest, found := bytes.CutPrefix(content, []byte("---\n"))
	if !found {
		if rest, found = bytes.CutPrefix(content, []byte("---\r\n")); !found {
			return nil, nil, false
		}
	}
	for off := 0; off <= len(rest); {
		end := bytes.IndexByte(rest[off:], '\n')
		next := len(rest) + 1
		line := rest[off:]
		if end >= 0 {
			line = rest[off : off+end]
			next = off + end + 1
		}
		if string(bytes.TrimRight(bytes.TrimSuffix(line, []byte("\r")), " \t")) == "---" && off > 0 {
			block := bytes.TrimSuffix(rest[:off-1], []byte("\r"))
			if next > len(rest) {
				return block, nil, true
			}
			return block, rest[next:], true
		}
		off = next
	}
	return nil, nil, false
}

// ParseSkillFrontmatter reads the frontmatter of a SKILL.md: the YAML block SplitFrontmatter finds, which
// must be a mapping with string keys and a non-empty string name and description. Values are rendered as
// JSON verbatim: strings stay strings (timestamps and binary included), numbers, booleans and null keep their
// YAML type; aliases are expanded. A NaN or infinite number, a non-string key, a duplicate key or a merge key
// is an error, as is a block over MaxFrontmatterBytes.
func ParseSkillFrontmatter(content []byte) (SkillFrontmatter, error) {
	block, _, ok := SplitFrontmatter(content)
	if !ok {
		return SkillFrontmatter{}, errors.New("SKILL.md does not begin with a YAML frontmatter block (a \"---\" line, the YAML, a \"---\" line)")
	}
	if len(block) > MaxFrontmatterBytes {
		return SkillFrontmatter{}, fmt.Errorf("SKILL.md frontmatter is %d bytes; at most %d are accepted", len(block), MaxFrontmatterBytes)
	}
	raw, err := yamlToJSON(block)
	if err != nil {
		return SkillFrontmatter{}, fmt.Errorf("SKILL.md frontmatter: %w", err)
	}
	var fm SkillFrontmatter
	if err := json.Unmarshal(raw, &fm); err != nil {
		return SkillFrontmatter{}, fmt.Errorf("SKILL.md frontmatter: name and description must be strings: %w", err)
	}
	if fm.Name == "" {
		return SkillFrontmatter{}, errors.New("SKILL.md frontmatter has no name (a non-empty string is required)")
	}
	if fm.Description == "" {
		return SkillFrontmatter{}, errors.New("SKILL.md frontmatter has no description (a non-empty string is required)")
	}
	return fm, nil
}

// ValidateFrontmatter checks the Agent Skills rules a server applies before serving a skill: the name rules,
// a description of at most MaxSkillDescriptionLen characters, and no metadata key under the
// io.modelcontextprotocol/ prefix, which is reserved for MCP extensions (this one defines none).
func ValidateFrontmatter(fm SkillFrontmatter) error {
	if err := ValidateSkillName(fm.Name); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(fm.Description); n > MaxSkillDescriptionLen {
		return fmt.Errorf("skill %q: description is %d characters long; at most %d are allowed", fm.Name, n, MaxSkillDescriptionLen)
	}
	if raw, ok := fm.Extra["metadata"]; ok && raw.Kind() == '{' {
		var md map[string]any
		if err := json.Unmarshal(raw, &md); err == nil {
			for k := range md {
				if strings.HasPrefix(k, "io.modelcontextprotocol/") {
					return fmt.Errorf("skill %q: metadata key %q uses the prefix io.modelcontextprotocol/, reserved for MCP extensions", fm.Name, k)
				}
			}
		}
	}
	return nil
}

// FrontmatterDiff compares the frontmatter parsed from a SKILL.md with an entry's, field by field, and
// returns the names of the fields that differ (sorted; nil when they are identical in content). Values are
// compared as JSON values (1 and 1.0 are equal, key order does not matter); a field one side lacks compares
// as null.
func FrontmatterDiff(file, entry SkillFrontmatter) []string {
	var diff []string
	if file.Name != entry.Name {
		diff = append(diff, "name")
	}
	if file.Description != entry.Description {
		diff = append(diff, "description")
	}
	keys := make(map[string]bool)
	for k := range file.Extra {
		keys[k] = true
	}
	for k := range entry.Extra {
		keys[k] = true
	}
	for k := range keys {
		if !jsonEqual(file.Extra[k], entry.Extra[k]) {
			diff = append(diff, k)
		}
	}
	slices.Sort(diff)
	return diff
}

// jsonEqual reports whether two JSON values are equal in content; an absent value equals null.
func jsonEqual(a, b []byte) bool {
	var va, vb any
	if len(a) > 0 && json.Unmarshal(a, &va) != nil {
		return false
	}
	if len(b) > 0 && json.Unmarshal(b, &vb) != nil {
		return false
	}
	return reflect.DeepEqual(va, vb)
}
