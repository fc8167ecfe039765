package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/server"
)

// TestRoutesRefused: HTTPOptions.Routes naming an MCP endpoint, or a malformed pattern, stops
// ListenAndServeContext with an error naming the option instead of a panic.
func TestRoutesRefused(t *testing.T) {
	ok := http.NotFoundHandler()
	for _, tc := range []struct {
		routes map[string]http.Handler
		want   string
	}{
		{map[string]http.Handler{"/mcp": ok}, `"/mcp" is an MCP endpoint`},
		{map[string]http.Handler{"/sse": ok}, `"/sse" is an MCP endpoint`},
		{map[string]http.Handler{"/x/{": ok}, "HTTPOptions.Routes"},
	} {
		s := server.New("t", "1", nil)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := s.ListenAndServeContext(ctx, "127.0.0.1:0", &server.HTTPOptions{Routes: tc.routes})
		cancel()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Routes %v: %v, want an error containing %s", tc.routes, err, tc.want)
		}
	}
}
