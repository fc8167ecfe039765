package auth

import (
	"context"
	"strings"
)

// This file is what the HTTP transports need to answer a request refused for lack of scope (RFC 6750
// section 3.1, insufficient_scope; the MCP authorization spec's step-up): the challenge, and the URL of
// the protected-resource metadata it names.

type resourceMetadataKey struct{}

// WithResourceMetadata returns ctx carrying the URL of this resource's protected-resource metadata
// (RFC 9728), for the challenges a transport writes later in the request (403 insufficient_scope).
func WithResourceMetadata(ctx context.Context, url string) context.Context {
	return context.WithValue(ctx, resourceMetadataKey{}, url)
}

// ResourceMetadataFrom returns the URL WithResourceMetadata put in ctx, "" when none.
func ResourceMetadataFrom(ctx context.Context) string {
	u, _ := ctx.Value(resourceMetadataKey{}).(string)
	return u
}

// Challenge returns the WWW-Authenticate value of the 403 answering e: Bearer error="insufficient_scope",
// the scopes needed, and resource_metadata when resourceMetadata is not "".
func (e *InsufficientScopeError) Challenge(resourceMetadata string) string {
	var b strings.Builder
	b.WriteString(`Bearer error="insufficient_scope", scope=`)
	writeQuoted(&b, joinScopes(e.Scopes))
	if resourceMetadata != "" {
		b.WriteString(", resource_metadata=")
		writeQuoted(&b, resourceMetadata)
	}
	b.WriteString(`, error_description="the token lacks a scope this request needs"`)
	return b.String()
}

// writeQuoted writes s as an RFC 9110 quoted-string (backslash before '"' and '\'; control characters,
// which no scope or URL may hold, dropped).
func writeQuoted(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c == 0x7f:
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}
