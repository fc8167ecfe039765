package gateway

import (
	"fmt"
	"log/slog"
	"path"
	"strings"
	"sync"
)

// DefaultSeparator joins an upstream's name and an entry's name when Config.Separator is empty: the
// separator `mcpkit chat` uses for the tools of several servers.
const DefaultSeparator = "__"

// maxToolName is the longest tool name the specification allows (2025-11-25, tools: "between 1 and 128
// characters").
const maxToolName = 128

// validToolNameChar says whether c may appear in a tool name: the specification's set (2025-11-25,
// tools): ASCII letters, digits, underscore, hyphen and dot.
func validToolNameChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
}

// checkToolName returns why name is not a valid tool name, or nil.
func checkToolName(name string) error {
	if name == "" || len(name) > maxToolName {
		return fmt.Errorf("a tool name has 1 to %d characters, %q has %d", maxToolName, name, len(name))
	}
	for i := 0; i < len(name); i++ {
		if !validToolNameChar(name[i]) {
			return fmt.Errorf("tool name %q: character %q is outside A-Z a-z 0-9 and \"_-.\"", name, name[i])
		}
	}
	return nil
}

// checkUpstreamName returns why name cannot name an upstream: it starts a URI scheme (a letter, then
// letters, digits, '-' or '.'; no '+', which ends it in a namespaced URI) and tool names (so it must
// also be made of tool-name characters, which the scheme rule implies).
func checkUpstreamName(name string) error {
	if name == "" {
		return fmt.Errorf("an upstream needs a name")
	}
	c := name[0]
	if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
		return fmt.Errorf("upstream name %q: must start with an ASCII letter (it begins URI schemes: NAME+scheme://…)", name)
	}
	for i := 1; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return fmt.Errorf("upstream name %q: character %q is not one of A-Z a-z 0-9 - . (it begins URI schemes and tool names)", name, c)
		}
	}
	if len(name) > maxToolName-2 {
		return fmt.Errorf("upstream name %q is too long to leave room for tool names (at most %d characters)", name, maxToolName-2)
	}
	return nil
}

// checkSeparator returns why sep cannot join upstream and entry names.
func checkSeparator(sep string) error {
	if sep == "" {
		return fmt.Errorf("the separator is empty")
	}
	for i := 0; i < len(sep); i++ {
		if !validToolNameChar(sep[i]) {
			return fmt.Errorf("separator %q: character %q is not one of A-Z a-z 0-9 _ - . (tool names allow no other)", sep, sep[i])
		}
	}
	return nil
}

// namespace is one upstream's view of the names: its prefix on tools and prompts, its scheme prefix on
// URIs, and its tool filter.
type namespace struct {
	name, sep   string
	allow, deny []string
	log         *slog.Logger // nil: no warnings (tests of names alone)
	warnMu      sync.Mutex
	warned      map[string]struct{} // upstream tool names already warned about, at most maxWarned
}

// maxWarned bounds a namespace's set of tool names warned about: an upstream that keeps listing new
// invalid names (a hostile or broken one; the set lives as long as its configuration) would make it grow
// without end. Past it, one more warning says the others are not logged.
const maxWarned = 256

// tool is the downstream name of an upstream tool, "" when the filter hides it or the name would be invalid.
func (n *namespace) tool(up string) string {
	if !n.allowed(up) {
		return ""
	}
	d := n.name + n.sep + up
	if err := checkToolName(d); err != nil {
		n.warn(up, err)
		return ""
	}
	return d
}

// warn logs, once per upstream tool name and for at most maxWarned names, that the tool is not offered.
func (n *namespace) warn(up string, err error) {
	n.warnMu.Lock()
	_, seen := n.warned[up]
	full := len(n.warned) >= maxWarned
	if !seen && !full {
		if n.warned == nil {
			n.warned = map[string]struct{}{}
		}
		n.warned[up] = struct{}{}
	}
	last := !seen && !full && len(n.warned) == maxWarned
	n.warnMu.Unlock()
	if seen || full || n.log == nil {
		return
	}
	n.log.Warn("gateway: an upstream tool is not offered: its namespaced name breaks the tool-name rule",
		"upstream", n.name, "tool", up, "reason", err.Error())
	if last {
		n.log.Warn("gateway: further upstream tools not offered for their names are not logged", "upstream", n.name, "logged", maxWarned)
	}
}

// prompt is the downstream name of an upstream prompt.
func (n *namespace) prompt(up string) string { return n.name + n.sep + up }

// uri is the downstream URI (or template) of an upstream one: NAME+ before the scheme, NAME in lower case
// (a scheme's canonical form, RFC 3986 3.1: a client that normalizes the URI — Go's url.Parse does — still
// names the same entry). A URI without a scheme is hidden.
func (n *namespace) uri(up string) string {
	if i := strings.IndexByte(up, ':'); i <= 0 {
		return ""
	}
	return strings.ToLower(n.name) + "+" + up
}

// upstreamURI is the inverse of uri; the prefix is matched without regard to case.
func (n *namespace) upstreamURI(down string) string {
	if p := len(n.name) + 1; len(down) >= p && down[p-1] == '+' && strings.EqualFold(down[:p-1], n.name) {
		return down[p:]
	}
	return down
}

// allowed applies the allow and deny lists to an upstream tool name: denied when a deny pattern matches,
// else allowed when the allow list is empty or a pattern of it matches.
func (n *namespace) allowed(tool string) bool {
	for _, p := range n.deny {
		if ok, _ := path.Match(p, tool); ok {
			return false
		}
	}
	if len(n.allow) == 0 {
		return true
	}
	for _, p := range n.allow {
		if ok, _ := path.Match(p, tool); ok {
			return true
		}
	}
	return false
}

// uriOwner returns the upstream name a downstream URI belongs to (what comes before the first '+' of the
// scheme, as written: compare it without regard to case), or "".
func uriOwner(down string) string {
	i := strings.IndexByte(down, '+')
	if i <= 0 {
		return ""
	}
	if j := strings.IndexByte(down, ':'); j >= 0 && j < i {
		return ""
	}
	return down[:i]
}
