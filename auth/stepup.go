package auth

import "context"

// This file carries, from Middleware to the HTTP transports, the URL of the protected-resource metadata
// that the 403 insufficient_scope challenge of a refused request names (the step-up answer).

// WithResourceMetadata returns ctx carrying the URL of this resource's protected-resource metadata
// (RFC 9728), for the challenges a transport writes later in the request (403 insufficient_scope). The
// principal of ctx, if any, stays.
func WithResourceMetadata(ctx context.Context, url string) context.Context {
	var p *Principal
	if a := authFrom(ctx); a != nil {
		p = a.p
	}
	return withAuth(ctx, p, url)
}

// ResourceMetadataFrom returns the URL WithResourceMetadata put in ctx, "" when none.
func ResourceMetadataFrom(ctx context.Context) string {
	if a := authFrom(ctx); a != nil {
		return a.metadata
	}
	return ""
}
