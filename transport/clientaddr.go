package transport

import "context"

type clientAddrKey struct{}

// WithClientAddr returns ctx carrying the network address of the client a request came from (its IP
// address over HTTP), for per-client limits in the server. Transports that know it set it.
func WithClientAddr(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, clientAddrKey{}, addr)
}

// ClientAddr returns the client address WithClientAddr put in ctx, or "" (a stream transport, or a
// transport that does not know it).
func ClientAddr(ctx context.Context) string {
	s, _ := ctx.Value(clientAddrKey{}).(string)
	return s
}
