// Package awslambda runs an MCP server's Streamable HTTP handler as an AWS Lambda function, behind an API
// Gateway HTTP API (payload format 2.0) or a Lambda function URL in BUFFERED invoke mode: each event becomes
// an http.Request for the handler, and what the handler wrote becomes the event's response.
//
//	s := server.New("tools", "1", nil)
//	// … register tools …
//	h := s.Handler(&streamable.Options{JSONResponse: true, AllowAnyHost: true})
//	lambda.Start(awslambda.New(h, nil)) // github.com/aws/aws-lambda-go/lambda
//
// The 2026-07-28 era is stateless and fits Lambda as it is: any instance answers any request. Legacy
// sessions (initialize, then Mcp-Session-Id) live in the handler's session store, so several instances
// — and a cold start — serve one session only when the store is shared: streamable.Options.Sessions and
// Events on the Redis store (package store/redis). A response is buffered until the handler returns, so
// a response stream ends with its request (the JSON answer, or the SSE events up to the response); a GET
// (the standalone SSE stream, which never ends by itself) is answered 405, which tells a client the
// server offers no such stream. A request still running at the function's deadline has its context
// cancelled and returns what it has.
//
// The package is named awslambda so that it does not collide with aws-lambda-go's lambda package, which
// programs import beside it for lambda.Start.
package awslambda
