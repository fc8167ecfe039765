package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport/sse"
	"github.com/mcpkit/mcpkit/transport/stdio"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// Exit codes of the Inspector CLI, which the inspect verb keeps.
const (
	ExitOK          = 0
	ExitUsage       = 1 // a wrong command line, or any other failure
	ExitAuth        = 3 // the server answered HTTP 401 or 403
	ExitUnreachable = 4 // connection refused, unknown host, command not found
	ExitToolError   = 5 // a tools/call result with isError true, or an unknown tool
)

// Target says what to connect to and how.
type Target struct {
	// Args is the URL, or the command and its arguments.
	Args []string
	// Transport is "sse", "http" or "stdio"; empty detects it from Args: a URL whose path ends in /sse is
	// HTTP+SSE, another URL Streamable HTTP (falling back to HTTP+SSE by itself), anything else a command.
	Transport string
	// Header is added to every HTTP request.
	Header http.Header
	// Env is added to the command's environment (KEY=VALUE).
	Env []string
	// Dir is the command's working directory.
	Dir string
	// Era is "legacy", "modern" or "auto" (or empty, same as auto).
	Era string
	// OAuth authorizes HTTP requests (the zero value: stored tokens, no login).
	OAuth OAuth
	// Trace, when set, receives every JSON-RPC message of the session, both ways (see Trace).
	Trace io.Writer
	// Stderr receives the command's stderr; nil is os.Stderr.
	Stderr io.Writer
	// HTTPTransport sends the HTTP requests (under the OAuth layer); nil is http.DefaultTransport.
	HTTPTransport http.RoundTripper
}

// Error is a failure with its exit code and the Inspector's error code name.
type Error struct {
	Exit int
	Code string // "error", "auth", "unreachable", "tool_is_error", "tool_not_found"
	Err  error
	// Msg, when set, is the message instead of Err's (the Inspector's own sentences).
	Msg string
}

func (e *Error) Error() string {
	if e.Msg != "" || e.Err == nil {
		return e.Msg
	}
	return e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Usage makes a usage error (exit 1).
func Usage(format string, args ...any) *Error {
	return &Error{Exit: ExitUsage, Code: "error", Err: fmt.Errorf(format, args...)}
}

// Conn is a connected session and what the transport saw (for classifying later failures).
type Conn struct {
	*client.Session
	watch *watcher
}

// Classify turns err into an *Error with the exit code the Inspector gives it.
func (c *Conn) Classify(err error) *Error {
	return classify(err, c.watch)
}

// ProtocolVersion returns the version Target.Era pins: legacy is 2025-11-25, modern 2026-07-28, auto
// (or empty) negotiates.
func ProtocolVersion(era string) (string, error) {
	switch era {
	case "", "auto":
		return "", nil
	case "legacy":
		return mcp.LatestLegacyVersion, nil
	case "modern":
		return mcp.FirstModernVersion, nil
	}
	return "", Usage("--protocol-era must be legacy, auto or modern, got %q", era)
}

// TransportOf returns the transport t uses: its Transport or the one its Args imply.
func (t *Target) TransportOf() (string, error) {
	if len(t.Args) == 0 {
		return "", Usage("no target: give a server URL or a command")
	}
	switch t.Transport {
	case "sse", "http", "stdio":
		return t.Transport, nil
	case "":
	default:
		return "", Usage("--transport must be sse, http or stdio, got %q", t.Transport)
	}
	u, err := url.Parse(t.Args[0])
	if err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		if strings.HasSuffix(strings.TrimRight(u.Path, "/"), "/sse") {
			return "sse", nil
		}
		return "http", nil
	}
	return "stdio", nil
}

// Connect connects to t with opts (whose ProtocolVersion is set from t.Era).
func Connect(ctx context.Context, t *Target, opts client.Options) (*Conn, error) {
	kind, err := t.TransportOf()
	if err != nil {
		return nil, err
	}
	if opts.ProtocolVersion, err = ProtocolVersion(t.Era); err != nil {
		return nil, err
	}
	base := t.HTTPTransport
	if base == nil {
		base = http.DefaultTransport
	}
	w := &watcher{next: base}
	if kind != "stdio" {
		w.url.Store(t.Args[0])
		if w.next, err = t.roundTripper(base); err != nil {
			return nil, err
		}
	}
	hc := &http.Client{Transport: w}
	var stream jsonrpc.Stream
	switch kind {
	case "http":
		if len(t.Args) != 1 {
			return nil, Usage("a URL target takes no arguments, got %q", t.Args[1:])
		}
		c, err := streamable.NewClient(t.Args[0], &streamable.ClientOptions{HTTPClient: hc, Header: t.Header})
		if err != nil {
			return nil, classify(err, w)
		}
		stream = c
	case "sse":
		if len(t.Args) != 1 {
			return nil, Usage("a URL target takes no arguments, got %q", t.Args[1:])
		}
		c, err := sse.Dial(ctx, t.Args[0], &sse.ClientOptions{HTTPClient: hc, Header: t.Header})
		if err != nil {
			return nil, classify(err, w)
		}
		stream = c
	case "stdio":
		path, err := exec.LookPath(t.Args[0])
		if err != nil {
			return nil, &Error{Exit: ExitUnreachable, Code: "unreachable", Err: err}
		}
		cmd := exec.Command(path, t.Args[1:]...)
		cmd.Dir = t.Dir
		if len(t.Env) > 0 {
			cmd.Env = append(os.Environ(), t.Env...)
		}
		stderr := t.Stderr
		if stderr == nil {
			stderr = os.Stderr
		}
		c, err := stdio.Command(cmd, stdio.CommandOptions{Stderr: stderr})
		if err != nil {
			return nil, &Error{Exit: ExitUnreachable, Code: "unreachable", Err: err}
		}
		stream = c
	}
	if t.Trace != nil {
		stream = Trace(stream, t.Trace)
	}
	s, err := client.Connect(ctx, stream, &opts)
	if err != nil {
		_ = stream.Close()
		return nil, classify(err, w)
	}
	return &Conn{Session: s, watch: w}, nil
}

// classify gives err its exit code from what the HTTP transport saw: a 401 or 403 answer is an auth
// failure, a failed dial an unreachable server.
func classify(err error, w *watcher) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if w != nil && w.loginNeeded.Load() || needsLogin(err) {
		return loginError(w.target(), err)
	}
	if w != nil && w.denied.Load() {
		e := &Error{Exit: ExitAuth, Code: "auth", Err: err}
		if w.unauthorized.Load() {
			e.Msg = fmt.Sprintf("%v; to log in: run mcpkit login %s", err, w.target())
		}
		return e
	}
	if w != nil && w.unreachable.Load() {
		return &Error{Exit: ExitUnreachable, Code: "unreachable", Err: err}
	}
	if unreachable(err) {
		return &Error{Exit: ExitUnreachable, Code: "unreachable", Err: err}
	}
	return &Error{Exit: ExitUsage, Code: "error", Err: err}
}

func unreachable(err error) bool {
	var op *net.OpError
	var dns *net.DNSError
	return errors.As(err, &op) || errors.As(err, &dns)
}

// watcher is an http.RoundTripper that remembers whether a response was 401/403 or a dial failed.
type watcher struct {
	next         http.RoundTripper
	denied       atomic.Bool
	unreachable  atomic.Bool
	loginNeeded  atomic.Bool  // the OAuth transport needed a login it could not do
	unauthorized atomic.Bool  // the last 401/403 was a 401
	url          atomic.Value // string: the target URL, for the login hint
}

func (w *watcher) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := w.next.RoundTrip(r)
	if err != nil {
		if unreachable(err) {
			w.unreachable.Store(true)
		}
		if needsLogin(err) {
			w.loginNeeded.Store(true)
		}
		return nil, err
	}
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		w.denied.Store(true)
		w.unauthorized.Store(resp.StatusCode == http.StatusUnauthorized)
	}
	return resp, nil
}

// target is the target URL, for messages.
func (w *watcher) target() string {
	if w == nil {
		return "the server"
	}
	if u, ok := w.url.Load().(string); ok {
		return u
	}
	return "the server"
}
