package client

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/internal/bufpool"
	"github.com/mcpkit/mcpkit/internal/serial"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
)

// Session is a connection to one MCP server in the era both sides agreed on. It is safe for concurrent use.
type Session struct {
	conn *jsonrpc.Conn
	opts Options
	log  *slog.Logger

	era          mcp.Era
	version      string
	serverInfo   mcp.Implementation
	serverCaps   mcp.ServerCapabilities
	instructions string

	// meta is the encoded modern _meta object sent with every request (without a progress token);
	// metaTasks is the same with the tasks extension declared, for the requests of the tasks API.
	meta      atomic.Pointer[[]byte]
	metaTasks atomic.Pointer[[]byte]
	tasksOn   bool // Options.Tasks, or Options.Capabilities declaring the tasks extension

	// sleep waits between task polls (a test replaces it to count and skip the waits).
	sleep     func(ctx context.Context, d time.Duration, wake <-chan struct{}) error
	tasks     taskRegistry
	toolTasks toolTasks

	rootsMu  sync.Mutex
	rootList []mcp.Root

	acksMu sync.Mutex
	acks   []ackWaiter // Listen calls waiting for their acknowledgement, oldest first

	invoke Invoker // Options.Middleware around send; nil without middleware
	// handle is Options.HandlerMiddleware around handleInbound; nil without middleware. settled says the
	// handshake is over, so that era and version may be read off the connection's goroutines.
	handle  InboundHandler
	settled atomic.Bool

	progress  sync.Map      // token (string) → func(*mcp.ProgressParams)
	callbacks *serial.Queue // notification callbacks, run in order off the read loop
	nextToken atomic.Int64
}

// ErrInputRequired is returned when a 2026-07-28 server answers with an input_required result and the
// client has no handler to provide the input.
var ErrInputRequired = errors.New("client: the server asked for input (input_required) that this client cannot provide")

// Era returns the protocol era in use.
func (s *Session) Era() mcp.Era { return s.era }

// ProtocolVersion returns the protocol version in use.
func (s *Session) ProtocolVersion() string { return s.version }

// ServerInfo returns the server's name and version.
func (s *Session) ServerInfo() mcp.Implementation { return s.serverInfo }

// ServerCapabilities returns what the server offers.
func (s *Session) ServerCapabilities() mcp.ServerCapabilities { return s.serverCaps }

// Instructions returns the server's instructions for the model, if any.
func (s *Session) Instructions() string { return s.instructions }

// Close ends the session and closes the stream (which, for a command, shuts the server process down).
// Callbacks still waiting are discarded; a running one has its ctx cancelled and Close waits for it to
// return (unless Close is called from that callback).
func (s *Session) Close() error {
	err := s.conn.Close()
	s.conn.Wait()
	s.callbacks.Close()
	return err
}

// Done is closed when the connection ends.
func (s *Session) Done() <-chan struct{} { return s.conn.Done() }

// call sends one request in the session's era and decodes the result into out (nil to discard).
func (s *Session) call(ctx context.Context, method string, params any, out any) error {
	raw, err := s.callRaw(ctx, method, params)
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("client: decoding %s result: %w", method, err)
	}
	return nil
}

func (s *Session) callRaw(ctx context.Context, method string, params any) (jsontext.Value, error) {
	return s.callRawAs(ctx, method, params, s.tasksOn)
}

// callRawAs is callRaw declaring the tasks extension on this request when tasks is set (2026-07-28).
func (s *Session) callRawAs(ctx context.Context, method string, params any, tasks bool) (jsontext.Value, error) {
	buf := bufpool.Get()
	defer bufpool.Put(buf)
	var err error
	switch p := params.(type) {
	case nil:
		buf.B = append(buf.B, "{}"...)
	case jsontext.Value:
		buf.B = append(buf.B, p...)
	default:
		if buf.B, err = bufpool.MarshalAppend(buf.B, params); err != nil {
			return nil, fmt.Errorf("client: encoding %s params: %w", method, err)
		}
	}
	return s.callEncodedAs(ctx, method, buf.B, tasks)
}

// callEncodedAs sends one request whose params are already encoded (a JSON object, without _meta),
// declaring the tasks extension on it when tasks is set (2026-07-28); a task result (resultType "task")
// to a tools/call that declared it is returned as it is, for the caller to follow.
func (s *Session) callEncodedAs(ctx context.Context, method string, params []byte, tasks bool) (jsontext.Value, error) {
	var token string
	if fn := progressFunc(ctx); fn != nil {
		token = strconv.FormatInt(s.nextToken.Add(1), 10)
		s.progress.Store(token, fn)
		if keep, _ := ctx.Value(keepTokenKey{}).(*string); keep != nil {
			*keep = token // the caller releases it (a 2025-11-25 task's progress outlives the call)
		} else {
			defer s.progress.Delete(token)
		}
	}
	res, err := s.roundTrip(ctx, method, params, token, tasks)
	// The callbacks of the notifications that arrived before the result (its progress, its logs) run
	// before the call returns, as the stream ordered them.
	s.callbacks.WaitFor(ctx, s.callbacks.Mark())
	if err != nil {
		return nil, err
	}
	if s.era == mcp.EraModern {
		if err := checkResultType(res); err != nil {
			switch {
			case err == ErrInputRequired && mcp.AllowsInputRequired(method):
				return s.driveInput(ctx, method, params, token, tasks, res)
			case err == errTaskResult:
				return acceptTask(method, tasks, res)
			}
			return nil, err
		}
	}
	return res, nil
}

// sendBody sends one request: params (encoded without _meta) with the session's _meta spliced in, plus the
// members middleware added.
func (s *Session) sendBody(ctx context.Context, method string, params []byte, token string, tasks bool, extra []metaMember) (jsonrpc.ID, jsontext.Value, error) {
	body := params
	if s.era == mcp.EraModern || token != "" || len(extra) > 0 {
		withMeta := bufpool.Get()
		defer bufpool.Put(withMeta)
		withMeta.B = s.appendWithMeta(withMeta.B, body, token, tasks, extra)
		body = withMeta.B
	}
	return s.conn.CallRawID(ctx, method, body)
}

// appendWithMeta appends params with _meta spliced in as its first member: the modern per-request fields
// and/or a progress token, the caller's own _meta members (params whose first member is _meta: Session.Call),
// then the extra members. tasks selects the _meta that declares the tasks extension.
func (s *Session) appendWithMeta(dst, params []byte, token string, tasks bool, extra []metaMember) []byte {
	own, params := leadingMeta(params)
	dst = append(dst, `{"_meta":{`...)
	sep := false
	if token != "" {
		dst = append(dst, `"progressToken":`...)
		dst = append(dst, token...)
		sep = true
	}
	if len(own) > 0 && len(extra) > 0 {
		own = withoutKeys(own, extra) // a middleware's SetMeta replaces the caller's member of that key
	}
	if len(own) > 0 {
		if sep {
			dst = append(dst, ',')
		}
		dst = append(dst, own...) // the caller's own _meta members (Session.Call)
		sep = true
	}
	meta := s.meta.Load()
	if tasks {
		meta = s.metaTasks.Load()
	}
	if s.era == mcp.EraModern && meta != nil && len(*meta) > 2 {
		if sep {
			dst = append(dst, ',')
		}
		dst = append(dst, (*meta)[1:len(*meta)-1]...) // the members of the cached object
		sep = true
	}
	for _, m := range extra {
		if sep {
			dst = append(dst, ',')
		}
		dst, _ = jsontext.AppendQuote(dst, m.key)
		dst = append(dst, ':')
		dst = append(dst, m.value...)
		sep = true
	}
	dst = append(dst, '}')
	rest := params[1:] // after '{'
	if len(rest) > 0 && rest[0] != '}' {
		dst = append(dst, ',')
	}
	return append(dst, rest...)
}

// checkResultType enforces the 2026-07-28 rule: an absent resultType means complete; input_required is
// not something this call can finish; anything else is invalid.
func checkResultType(res jsontext.Value) error {
	if res.Kind() != '{' {
		return fmt.Errorf("client: result is not an object")
	}
	raw, err := jsonrpc.Member(res, "resultType")
	if err != nil {
		return fmt.Errorf("client: malformed result: %w", err)
	}
	switch string(raw) {
	case "", `"` + string(mcp.ResultComplete) + `"`:
		return nil
	case `"` + string(mcp.ResultInputRequired) + `"`:
		return ErrInputRequired
	case `"` + string(mcp.ResultTask) + `"`:
		return errTaskResult
	}
	return fmt.Errorf("client: unrecognised resultType %s", raw)
}

// buildMeta encodes the modern per-request _meta once (again after SetLevel).
func (s *Session) buildMeta(level mcp.LoggingLevel) error {
	caps := s.opts.Capabilities
	info := s.opts.ClientInfo
	m := mcp.RequestMeta{
		ProtocolVersion:    s.version,
		ClientCapabilities: &caps,
		ClientInfo:         &info,
		LogLevel:           level,
	}
	b, err := json.Marshal(&m)
	if err != nil {
		return err
	}
	withTasks := caps
	withTasks.Extensions = maps.Clone(caps.Extensions)
	if withTasks.Extensions == nil {
		withTasks.Extensions = map[string]jsontext.Value{}
	}
	if _, ok := withTasks.Extensions[mcp.ExtensionTasks]; !ok {
		withTasks.Extensions[mcp.ExtensionTasks] = jsontext.Value(`{}`)
	}
	m.ClientCapabilities = &withTasks
	bt, err := json.Marshal(&m)
	if err != nil {
		return err
	}
	if s.tasksOn {
		b = bt
	}
	s.meta.Store(&b)
	s.metaTasks.Store(&bt)
	return nil
}
