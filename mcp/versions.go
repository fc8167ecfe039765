package mcp

// Protocol revisions mcpkit implements. A revision is named by its release date, so two revisions compare in
// time order as plain strings.
const (
	Version20241105 = "2024-11-05" // the first published revision (legacy)
	Version20250326 = "2025-03-26" // Streamable HTTP, audio, tool annotations, batches (legacy)
	Version20250618 = "2025-06-18" // structured content, elicitation, resource links, titles (legacy)
	Version20251125 = "2025-11-25" // icons, URL elicitation, tool use in sampling, tasks (legacy)
	Version20260728 = "2026-07-28" // stateless: per-request _meta, server/discover, MRTR (modern)

	// LatestVersion is the newest revision mcpkit implements.
	LatestVersion = Version20260728
	// LatestLegacyVersion is the newest revision that uses the initialize handshake.
	LatestLegacyVersion = Version20251125
	// FirstModernVersion is the first stateless revision: it and every later-dated revision are modern.
	FirstModernVersion = Version20260728
)

// SupportedVersions lists every revision mcpkit implements, newest first. Treat it as read-only; clone it
// before changing it.
var SupportedVersions = []string{Version20260728, Version20251125, Version20250618, Version20250326, Version20241105}

// LegacyVersions lists the implemented revisions that use the initialize handshake, newest first. Treat it as
// read-only.
var LegacyVersions = []string{Version20251125, Version20250618, Version20250326, Version20241105}

// ModernVersions lists the implemented stateless revisions, newest first. Treat it as read-only.
var ModernVersions = []string{Version20260728}

// IsSupported reports whether v is a revision mcpkit implements.
func IsSupported(v string) bool {
	for _, s := range SupportedVersions {
		if s == v {
			return true
		}
	}
	return false
}

// Era is the family a protocol revision belongs to.
type Era int

const (
	// EraUnknown is the era of a string that is not a revision date (YYYY-MM-DD).
	EraUnknown Era = iota
	// EraLegacy covers the revisions with an initialize handshake and sessions (2025-11-25 and earlier).
	EraLegacy
	// EraModern covers the stateless revisions, where every request carries its version and client
	// capabilities in _meta (2026-07-28 and later).
	EraModern
)

// String returns "legacy", "modern" or "unknown".
func (e Era) String() string {
	switch e {
	case EraLegacy:
		return "legacy"
	case EraModern:
		return "modern"
	default:
		return "unknown"
	}
}

// EraOf returns the era of revision v: modern for FirstModernVersion and any later date, legacy for any
// earlier date, unknown when v is not a date of the form YYYY-MM-DD. v need not be a supported revision.
func EraOf(v string) Era {
	switch {
	case !isRevision(v):
		return EraUnknown
	case v >= FirstModernVersion:
		return EraModern
	default:
		return EraLegacy
	}
}

// Negotiate answers the protocolVersion of a legacy initialize request: the requested revision when mcpkit
// implements it and it is a legacy one, otherwise LatestLegacyVersion (the client then decides whether it can
// speak that).
func Negotiate(requested string) string {
	if v := NegotiateFrom(requested, LegacyVersions); v != "" {
		return v
	}
	return LatestLegacyVersion
}

// NegotiateFrom is Negotiate for a server that offers only some revisions: the requested revision when it is
// a legacy revision in offered, otherwise the newest legacy revision in offered, or "" when offered has no
// legacy revision.
func NegotiateFrom(requested string, offered []string) string {
	best := ""
	for _, v := range offered {
		if EraOf(v) != EraLegacy {
			continue
		}
		if v == requested {
			return v
		}
		if v > best {
			best = v
		}
	}
	return best
}

// AtLeast reports whether revision v is min or later. It is false when either is not a revision date, so an
// unknown or empty version never unlocks a feature.
func AtLeast(v, min string) bool {
	return isRevision(v) && isRevision(min) && v >= min
}

// HasAudioContent reports whether revision v knows audio content (2025-03-26 and later).
func HasAudioContent(v string) bool { return AtLeast(v, Version20250326) }

// HasToolAnnotations reports whether revision v knows Tool.annotations (2025-03-26 and later).
func HasToolAnnotations(v string) bool { return AtLeast(v, Version20250326) }

// HasCompletionsCapability reports whether revision v has the completions server capability (2025-03-26 and
// later; completion/complete itself exists in every revision).
func HasCompletionsCapability(v string) bool { return AtLeast(v, Version20250326) }

// AllowsBatches reports whether revision v allows JSON-RPC batches: only 2025-03-26 does.
func AllowsBatches(v string) bool { return v == Version20250326 }

// HasStructuredContent reports whether revision v knows Tool.outputSchema and CallToolResult.structuredContent
// (2025-06-18 and later).
func HasStructuredContent(v string) bool { return AtLeast(v, Version20250618) }

// HasTitles reports whether revision v knows the title member of tools, resources, prompts and
// implementations, and _meta on content and definitions (2025-06-18 and later).
func HasTitles(v string) bool { return AtLeast(v, Version20250618) }

// HasResourceLinks reports whether revision v knows resource_link content (2025-06-18 and later).
func HasResourceLinks(v string) bool { return AtLeast(v, Version20250618) }

// HasElicitation reports whether revision v knows elicitation/create (2025-06-18 and later).
func HasElicitation(v string) bool { return AtLeast(v, Version20250618) }

// HasIcons reports whether revision v knows icons, Implementation.description and websiteUrl (2025-11-25 and
// later).
func HasIcons(v string) bool { return AtLeast(v, Version20251125) }

// HasURLElicitation reports whether revision v knows URL-mode elicitation (2025-11-25 and later).
func HasURLElicitation(v string) bool { return AtLeast(v, Version20251125) }

// HasSamplingTools reports whether revision v knows tools, toolChoice, tool_use and tool_result in sampling
// (2025-11-25 and later).
func HasSamplingTools(v string) bool { return AtLeast(v, Version20251125) }

// HasResultType reports whether results of revision v carry resultType (the modern era).
func HasResultType(v string) bool { return EraOf(v) == EraModern }

// HasCacheHints reports whether cacheable results of revision v carry ttlMs and cacheScope (the modern era).
func HasCacheHints(v string) bool { return EraOf(v) == EraModern }

// isRevision reports whether v has the shape of a revision name: YYYY-MM-DD in ASCII digits.
func isRevision(v string) bool {
	if len(v) != 10 || v[4] != '-' || v[7] != '-' {
		return false
	}
	for i := 0; i < len(v); i++ {
		if i == 4 || i == 7 {
			continue
		}
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return true
}
