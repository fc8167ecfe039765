package auth

import "context"

// This file carries, from Middleware to the HTTP transports, the URL of the protected-resource metadata
// that the 403 insufficient_scope challenge of a refused request names (the step-up answer).

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
