package gateway

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/mcpkit/mcpkit/client"
)

// Dialer connects to one upstream with opts, which carry the gateway's handlers (questions, notifications)
// and must be passed on to client.Connect unchanged but for transport concerns. The gateway closes the
// session it returns (client.Session.Close, which for a stdio upstream stops the child).
type Dialer func(ctx context.Context, opts client.Options) (*client.Session, error)

// Upstream is one server behind the gateway.
type Upstream struct {
	// Name prefixes the upstream's tools and prompts (NAME<Separator>tool) and its URIs (NAME+scheme:…):
	// an ASCII letter, then letters, digits, '-' or '.'. Names are unique, compared without case (URI
	// schemes are case-insensitive).
	Name string
	// Dial connects to the upstream; it is called again for each reconnection.
	Dial Dialer
	// Fingerprint identifies the upstream's configuration: Apply restarts an upstream whose Fingerprint
	// (or Timeout, Allow, Deny) changed, and leaves it untouched otherwise. A command line or URL with its
	// headers is a good one.
	Fingerprint string
	// Timeout bounds each request forwarded to the upstream (0: none). A request that exceeds it is
	// cancelled upstream and fails downstream with a JSON-RPC error naming the upstream and the bound.
	Timeout time.Duration
	// Allow and Deny filter the upstream's tools by name (the upstream's name, without the prefix), with
	// path.Match glob patterns: a tool matching a Deny pattern is hidden; with Allow non-empty, so is a
	// tool matching none of its patterns. A hidden tool is neither listed nor callable.
	Allow, Deny []string
}

// Config is the set of upstreams a gateway serves.
type Config struct {
	// Upstreams are the servers behind the gateway.
	Upstreams []Upstream
	// Separator joins an upstream's name and a tool's or prompt's name; empty is DefaultSeparator. Made of
	// the characters a tool name allows (A-Z a-z 0-9 _ - .).
	Separator string
}

// separator is c's separator with the default applied.
func (c *Config) separator() string {
	if c.Separator == "" {
		return DefaultSeparator
	}
	return c.Separator
}

// Validate returns why c cannot be served, naming the upstream and the rule, or nil: an invalid name or
// separator, two upstreams whose names collide (equal without case, or one's NAME<Separator> a prefix of
// another's, which would let their tool names collide: with "__", "a" + "__" + "_x" is "a_" + "__" + "x"),
// a name containing the separator, a missing Dial, a negative Timeout or a malformed pattern.
func (c *Config) Validate() error {
	sep := c.separator()
	if err := checkSeparator(sep); err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	var errs []error
	seen := map[string]string{}
	for i, u := range c.Upstreams {
		where := fmt.Sprintf("gateway: upstream %d (%q)", i, u.Name)
		if err := checkUpstreamName(u.Name); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", where, err))
			continue
		}
		if strings.Contains(u.Name, sep) {
			errs = append(errs, fmt.Errorf("%s: the name contains the separator %q, so its tool names would be ambiguous", where, sep))
		}
		if other, ok := seen[strings.ToLower(u.Name)]; ok {
			errs = append(errs, fmt.Errorf("%s: the name collides with upstream %q (names are compared without case: they begin URI schemes)", where, other))
		}
		seen[strings.ToLower(u.Name)] = u.Name
		if u.Dial == nil {
			errs = append(errs, fmt.Errorf("%s: no Dial", where))
		}
		if u.Timeout < 0 {
			errs = append(errs, fmt.Errorf("%s: negative timeout %s", where, u.Timeout))
		}
		for _, p := range slices.Concat(u.Allow, u.Deny) {
			if _, err := path.Match(p, ""); err != nil {
				errs = append(errs, fmt.Errorf("%s: tool pattern %q: %w", where, p, err))
			}
		}
	}
	for i, a := range c.Upstreams {
		for j, b := range c.Upstreams {
			if i != j && a.Name != b.Name && a.Name != "" && b.Name != "" && strings.HasPrefix(b.Name+sep, a.Name+sep) {
				errs = append(errs, fmt.Errorf("gateway: upstreams %q and %q: %q begins %q, so their tool and prompt names could collide; rename one or choose another separator", a.Name, b.Name, b.Name+sep, a.Name+sep))
			}
		}
	}
	return errors.Join(errs...)
}

// same says whether a and b configure the same connection and filter: Apply leaves such an upstream
// running.
func same(a, b *Upstream) bool {
	return a.Name == b.Name && a.Fingerprint == b.Fingerprint && a.Timeout == b.Timeout &&
		slices.Equal(a.Allow, b.Allow) && slices.Equal(a.Deny, b.Deny)
}
