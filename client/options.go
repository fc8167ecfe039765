package client

import (
	"context"
	"log/slog"
	"time"

	"github.com/mcpkit/mcpkit/mcp"
)

// Options configures a client session. The zero value is usable.
type Options struct {
	// ClientInfo identifies the client. Empty Name means "mcpkit".
	ClientInfo mcp.Implementation
	// Capabilities are the client's capabilities, sent in initialize (legacy) or on every request (modern).
	Capabilities mcp.ClientCapabilities
	// ProtocolVersion pins a version: a legacy one (2024-11-05 … 2025-11-25) skips the probe and
	// initializes with it; 2026-07-28 speaks only the modern era. Empty negotiates: modern first, then the
	// newest legacy version.
	ProtocolVersion string
	// ProbeTimeout bounds the server/discover probe before falling back to initialize. Default 5s.
	ProbeTimeout time.Duration
	// LogLevel asks the server for notifications/message at this level and above: per request in the
	// modern era, with logging/setLevel after initialize in the legacy era. Empty asks for none (a legacy
	// server may send logs anyway).
	LogLevel mcp.LoggingLevel

	// OnLog receives notifications/message.
	OnLog func(ctx context.Context, p *mcp.LoggingMessageParams)
	// OnProgress receives notifications/progress whose token belongs to no call made WithProgress.
	OnProgress func(ctx context.Context, p *mcp.ProgressParams)
	// OnToolsChanged, OnResourcesChanged and OnPromptsChanged receive the list_changed notifications.
	OnToolsChanged, OnResourcesChanged, OnPromptsChanged func(ctx context.Context)
	// OnResourceUpdated receives notifications/resources/updated.
	OnResourceUpdated func(ctx context.Context, uri string)
	// MaxPendingCallbacks bounds the notification callbacks waiting to run (OnLog, OnProgress, the funcs of
	// WithProgress, OnToolsChanged, OnResourcesChanged, OnPromptsChanged, OnResourceUpdated). Callbacks run
	// one at a time in arrival order on a goroutine of the session, never on the connection's read loop, so
	// they may call the session (ListTools from OnToolsChanged); their ctx ends when the session closes.
	// A call returns after the callbacks of the notifications that arrived before its result have run (or
	// its ctx ended), as the stream ordered them, except a call made from a callback, which cannot wait
	// for itself; so a callback must not wait for a call made on another goroutine.
	// When this many wait, the callback of a new notification is dropped and counted
	// (Session.DroppedCallbacks; logged at Warn at the 1st, 2nd, 4th, … drop): the connection is never held up by a slow callback. Zero means 256.
	MaxPendingCallbacks int

	// OnElicit answers the server's elicitation requests (elicitation/create): in a legacy session as
	// server-to-client requests, at 2026-07-28 as the input requests of an input_required result. Setting
	// it declares the elicitation capability (form mode) unless Capabilities declares one already; declare
	// URL mode in Capabilities yourself. Return an accept, decline or cancel result.
	OnElicit func(ctx context.Context, p *mcp.ElicitParams) (*mcp.ElicitResult, error)
	// OnSample answers the server's sampling requests (sampling/createMessage), in both eras. Setting it
	// declares the sampling capability unless Capabilities declares one already.
	OnSample func(ctx context.Context, p *mcp.CreateMessageParams) (*mcp.CreateMessageResult, error)
	// Roots are the client's roots, answered to roots/list in both eras; change them with Session.SetRoots.
	// Setting Roots (even to an empty, non-nil slice) or OnRoots declares the roots capability.
	Roots []mcp.Root
	// OnRoots, when set, is asked for the roots instead of Roots.
	OnRoots func(ctx context.Context) ([]mcp.Root, error)
	// MaxInputRounds bounds the input_required rounds of one 2026-07-28 call, and the tasks/update rounds
	// one TaskHandle answers (each answering the input requests new in a poll). Zero means 10.
	MaxInputRounds int

	// Tasks opts in to tasks for ordinary calls. At 2026-07-28 every request declares the
	// io.modelcontextprotocol/tasks extension (as declaring it in Capabilities.Extensions does), so the
	// server may answer a tools/call with a task; CallTool then follows the task to its end (polling,
	// answering its input requests, sending tasks/cancel when ctx ends first) and returns the final
	// result. In a 2025-11-25 session CallTool runs a tool whose execution.taskSupport is "required" as a
	// task the same way. Such a call returns at the first poll after the task ended (the server's
	// suggested interval), or sooner with TaskNotifications. Without Tasks, CallToolAsTask and the
	// TaskHandle methods still work: they declare the extension on their own requests.
	Tasks bool
	// OnTaskStatus receives task status notifications: notifications/tasks/status (2025-11-25, which a
	// server may send unasked) and notifications/tasks (2026-07-28, on a Listen whose filter names the
	// task in TaskIDs). At 2026-07-28 the task carries its result, error or input requests as tasks/get
	// would. It runs on the callback queue (see MaxPendingCallbacks). TaskHandle.Wait also wakes on them.
	OnTaskStatus func(ctx context.Context, t *mcp.DetailedTask)
	// TaskNotifications makes TaskHandle.Wait, at 2026-07-28, open a subscriptions/listen naming its task
	// while it waits, so that the server's notifications/tasks wake it at once (and bring the result
	// without another poll) instead of at the next poll: one more long-lived request per waiting handle
	// (over Streamable HTTP an SSE stream). A server that refuses it is polled as usual. 2025-11-25
	// servers send their status notifications unasked.
	TaskNotifications bool
	// TaskPollMin and TaskPollMax bound the waits between the tasks/get polls of TaskHandle.Wait. A server
	// that suggests an interval (pollIntervalMs, pollInterval) is polled at that interval, never faster
	// than TaskPollMin; without a suggestion the wait starts at TaskPollMin and doubles after each poll
	// that shows no change, up to TaskPollMax. Zero means 100ms and 5s.
	TaskPollMin, TaskPollMax time.Duration

	// Middleware wraps the sending of every request, outermost first (tracing: package otelmcp). Without
	// any, requests are sent as before, with no extra cost.
	Middleware []Middleware
	// HandlerMiddleware wraps the handling of every request a legacy server sends (elicitation/create,
	// sampling/createMessage, roots/list, ping), outermost first (tracing: package otelmcp). Without any,
	// those requests are served as before, with no extra cost.
	HandlerMiddleware []HandlerMiddleware

	// Logger receives the client's own diagnostics. Nil uses slog.Default().
	Logger *slog.Logger
}

type progressKey struct{}

// WithProgress returns a context whose calls ask the server for progress and deliver it to fn. fn runs on
// the session's callback queue (see Options.MaxPendingCallbacks), in order with the other callbacks,
// before the call returns.
func WithProgress(ctx context.Context, fn func(p *mcp.ProgressParams)) context.Context {
	return context.WithValue(ctx, progressKey{}, fn)
}

func progressFunc(ctx context.Context) func(p *mcp.ProgressParams) {
	fn, _ := ctx.Value(progressKey{}).(func(p *mcp.ProgressParams))
	return fn
}
