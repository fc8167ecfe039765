// Command lambda is the demo server (package examples/demo) as an AWS Lambda function, behind a function
// URL (BUFFERED invoke mode) or an API Gateway HTTP API (payload format 2.0), through package awslambda.
//
// Without REDIS_URL every instance keeps its own state: the 2026-07-28 era (stateless) works on any
// number of instances, legacy sessions only while one instance serves them. With REDIS_URL
// (redis://host:6379/0, rediss:// for TLS) legacy sessions and their events, the key ring that seals
// 2026-07-28 requestState (elicitation and sampling retries may land on another instance) and tasks live
// in Redis, shared by every instance. docs/DEPLOYMENT.md, "AWS Lambda", says how to deploy it.
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/mcpkit/mcpkit/awslambda"
	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/store/redis"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

func main() {
	h, _, err := newHandler(os.Getenv("REDIS_URL"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "lambda example:", err)
		os.Exit(1)
	}
	lambda.Start(awslambda.New(h, nil))
}

// newHandler builds the demo server's Streamable HTTP handler, on Redis when redisURL is set, and the
// function that closes it all (main never calls it: an instance lives until Lambda retires it).
func newHandler(redisURL string) (http.Handler, func(), error) {
	var sopts server.Options
	closeStore := func() {}
	opts := streamable.Options{
		AllowAnyHost: true, // API Gateway and function URLs route by Host themselves
	}
	if redisURL != "" {
		st, err := redis.Open(redisURL, redis.Options{})
		if err != nil {
			return nil, nil, fmt.Errorf("REDIS_URL: %w", err)
		}
		if err := st.Ping(context.Background()); err != nil {
			_ = st.Close()
			return nil, nil, fmt.Errorf("REDIS_URL: Redis does not answer: %w", err)
		}
		closeStore = func() { _ = st.Close() }
		sopts.KeyRing = st.Keys
		sopts.Tasks.Store = st.Tasks
		opts.Sessions = st.Sessions
		opts.Events = st.Events
	}
	s := demo.NewWith(sopts)
	if err := s.Err(); err != nil {
		closeStore()
		return nil, nil, err
	}
	h := s.Handler(&opts)
	return h, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = h.Close(ctx)
		s.Close()
		closeStore()
	}, nil
}
