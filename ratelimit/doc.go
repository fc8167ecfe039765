// Package ratelimit limits the requests of each caller with a token bucket: per principal when the
// request is authenticated (auth.PrincipalKey), per client address otherwise. One Limiter serves both
// places a request can be refused:
//
//   - over HTTP, Limiter.Wrap (an http.Handler middleware; server.HTTPOptions.WrapEndpoint) answers a request past
//     the limit 429 Too Many Requests with Retry-After (whole seconds until a token is back) and a JSON-RPC
//     -32000 error for the request's id, the same answer the transports give past their own request caps;
//   - in band (stdio, or any transport), Limiter.Middleware (a server.Middleware; Server.Use) answers it
//     with the JSON-RPC error -32000 whose data carries retryAfter in seconds.
//
// Memory is bounded: at most Options.MaxBuckets buckets are held; a bucket idle long enough to be full
// again is the same as a new one and is dropped first, and past the bound the least recently used bucket
// goes. Limits are per process: N nodes behind a balancer allow up to N times the rate to a caller whose
// requests are spread over them (docs/OPERATIONS.md says how to size it).
package ratelimit
