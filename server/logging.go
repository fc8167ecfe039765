package server

import (
	"context"
	"log/slog"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/internal/bufpool"
	"github.com/mcpkit/mcpkit/mcp"
)

// Extra slog levels for the syslog severities MCP has and slog does not. Debug, Info, Warn and Error map
// to debug, info, warning and error.
const (
	LevelNotice    = slog.Level(2)
	LevelCritical  = slog.Level(12)
	LevelAlert     = slog.Level(16)
	LevelEmergency = slog.Level(20)
)

// Log returns a logger whose records go to the client as notifications/message, on the stream of the
// request being served, filtered by the level the client asked for (logging/setLevel in a legacy session,
// _meta io.modelcontextprotocol/logLevel on a modern request; a modern request without it gets none). A
// record with attributes is sent as an object {"message": msg, attr: value, …}; without, as the message
// string. Outside a handler the logger discards everything.
func Log(ctx context.Context) *slog.Logger {
	r := RequestFrom(ctx)
	if r == nil || r.out == nil {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(&clientLogHandler{r: r, logger: r.server.impl.Name})
}

// clientLogHandler is the slog bridge to notifications/message.
type clientLogHandler struct {
	r      *Request
	logger string
	attrs  []slog.Attr
	group  string
}

func (h *clientLogHandler) Enabled(_ context.Context, l slog.Level) bool {
	min, ok := h.r.logLevel()
	return ok && levelFromSlog(l).AtLeast(min)
}

func (h *clientLogHandler) Handle(ctx context.Context, rec slog.Record) error {
	var data any = rec.Message
	if n := rec.NumAttrs() + len(h.attrs); n > 0 {
		obj := make(map[string]any, n+1)
		obj["message"] = rec.Message
		add := func(a slog.Attr) bool {
			key := a.Key
			if h.group != "" {
				key = h.group + "." + key
			}
			obj[key] = a.Value.Resolve().Any()
			return true
		}
		for _, a := range h.attrs {
			add(a)
		}
		rec.Attrs(add)
		data = obj
	}
	p := mcp.LoggingMessageParams{Level: levelFromSlog(rec.Level), Logger: h.logger}
	raw, err := bufpool.MarshalAppend(nil, data)
	if err != nil {
		return err
	}
	p.Data = jsontext.Value(raw)
	return h.r.out.Notify(ctx, mcp.MethodNotificationMessage, &p)
}

func (h *clientLogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(append([]slog.Attr(nil), h.attrs...), attrs...)
	return &c
}

func (h *clientLogHandler) WithGroup(name string) slog.Handler {
	c := *h
	if c.group != "" {
		name = c.group + "." + name
	}
	c.group = name
	return &c
}

func levelFromSlog(l slog.Level) mcp.LoggingLevel {
	switch {
	case l >= LevelEmergency:
		return mcp.LevelEmergency
	case l >= LevelAlert:
		return mcp.LevelAlert
	case l >= LevelCritical:
		return mcp.LevelCritical
	case l >= slog.LevelError:
		return mcp.LevelError
	case l >= slog.LevelWarn:
		return mcp.LevelWarning
	case l >= LevelNotice:
		return mcp.LevelNotice
	case l >= slog.LevelInfo:
		return mcp.LevelInfo
	default:
		return mcp.LevelDebug
	}
}

// Progress reports progress on the request being served, when the client asked for it with a progress
// token; otherwise it does nothing. total may be 0 when unknown. progress must increase with each call.
func Progress(ctx context.Context, progress, total float64, message string) error {
	r := RequestFrom(ctx)
	if r == nil || r.out == nil {
		return nil
	}
	tok := r.progressToken()
	if len(tok) == 0 {
		return nil
	}
	p := mcp.ProgressParams{ProgressToken: tok, Progress: progress, Message: message}
	if total > 0 {
		p.Total = &total
	}
	return r.out.Notify(ctx, mcp.MethodNotificationProgress, &p)
}
