package metrics

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

// Instrument counts every request srv answers (server.Server.Observe): requests_total, the latency
// histogram and requests_in_flight, and adds srv's own counts (its stream-connection sessions, the
// requests they refused with their queue full) to the collected series.
func (m *Metrics) Instrument(srv *server.Server) {
	srv.Observe(m.Observe)
	m.mu.Lock()
	m.sources.servers = append(m.sources.servers, srv)
	m.mu.Unlock()
}

// Observe is the observer Instrument installs, for a server that is instrumented another way.
func (m *Metrics) Observe(next server.Handler) server.Handler {
	return func(ctx context.Context, r *server.Request) (res jsontext.Value, err error) {
		t := transportIndex(r.Transport())
		flight := m.flights[t]
		flight.Inc()
		start := time.Now()
		outcome := outcomeInternalError // a handler that panics is answered -32603 (jsonrpc.Conn recovers)
		defer func() {
			d := time.Since(start)
			flight.Dec()
			s := m.series.get(m, methodIndex(r.Method), r.Era, t)
			s.outcomes[outcome].Inc()
			s.latency.Observe(d.Seconds())
		}()
		res, err = next(ctx, r)
		outcome = outcomeOf(r, err)
		return res, err
	}
}

// The label values. Methods, eras and transports are closed sets, so that a client cannot grow the number
// of series: a method mcpkit does not know is "other", as is a transport that does not name itself.
var (
	knownMethods = [...]string{
		mcp.MethodInitialize, mcp.MethodPing, mcp.MethodDiscover, mcp.MethodSubscriptionsListen,
		mcp.MethodToolsList, mcp.MethodToolsCall, mcp.MethodResourcesList, mcp.MethodResourcesTemplatesList,
		mcp.MethodResourcesRead, mcp.MethodResourcesSubscribe, mcp.MethodResourcesUnsubscribe,
		mcp.MethodSkillsList, mcp.MethodSkillsGet, mcp.MethodResourcesDirectoryRead,
		mcp.MethodPromptsList, mcp.MethodPromptsGet, mcp.MethodCompletionComplete, mcp.MethodLoggingSetLevel,
		mcp.MethodTasksGet, mcp.MethodTasksCancel, mcp.MethodTasksUpdate, mcp.MethodTasksResult, mcp.MethodTasksList,
	}
	methodIndexes = func() map[string]int {
		m := make(map[string]int, numMethods)
		for i, name := range knownMethods {
			m[name] = i
		}
		return m
	}()
	eraNames       = [...]string{mcp.EraUnknown: "unknown", mcp.EraLegacy: "legacy", mcp.EraModern: "modern"}
	transportNames = [...]string{"streamable", "sse", "stdio", "memory", "stream", "other"} // "other" last
	outcomeNames   = [...]string{"ok", "tool_error", "parse_error", "invalid_request", "method_not_found",
		"invalid_params", "internal_error", "server_error", "other_error"}
)

const (
	numMethods    = len(knownMethods) + 1 // and "other"
	numEras       = len(eraNames)
	numTransports = len(transportNames)
	numOutcomes   = len(outcomeNames)
)

const (
	outcomeOK = iota
	outcomeToolError
	outcomeParseError
	outcomeInvalidRequest
	outcomeMethodNotFound
	outcomeInvalidParams
	outcomeInternalError
	outcomeServerError
	outcomeOtherError
)

func methodIndex(method string) int {
	if i, ok := methodIndexes[method]; ok {
		return i
	}
	return len(knownMethods)
}

func methodName(i int) string {
	if i < len(knownMethods) {
		return knownMethods[i]
	}
	return "other"
}

func transportIndex(name string) int {
	for i, n := range transportNames[:numTransports-1] {
		if n == name {
			return i
		}
	}
	return numTransports - 1
}

// outcomeOf classifies the answer: ok, an isError tool result, or the class of the JSON-RPC error (an
// error that is not a *jsonrpc.Error is answered -32603: internal_error).
func outcomeOf(r *server.Request, err error) int {
	if err == nil {
		if r.ToolError() {
			return outcomeToolError
		}
		return outcomeOK
	}
	var e *jsonrpc.Error
	if !errors.As(err, &e) {
		return outcomeInternalError
	}
	switch c := e.Code; {
	case c == mcp.CodeParseError:
		return outcomeParseError
	case c == mcp.CodeInvalidRequest:
		return outcomeInvalidRequest
	case c == mcp.CodeMethodNotFound:
		return outcomeMethodNotFound
	case c == mcp.CodeInvalidParams:
		return outcomeInvalidParams
	case c == mcp.CodeInternalError:
		return outcomeInternalError
	case c >= -32099 && c <= -32000:
		return outcomeServerError
	default:
		return outcomeOtherError
	}
}

// series are the request series of one (method, era, transport).
type series struct {
	outcomes [numOutcomes]prometheus.Counter
	latency  prometheus.Observer
}

// seriesTable finds a series by index without hashing label strings; each is made on first use (all its
// outcomes at once, so that every outcome of a series in use is exported, at 0 until it happens).
type seriesTable [numMethods][numEras][numTransports]atomic.Pointer[series]

func (t *seriesTable) get(m *Metrics, method int, era mcp.Era, transport int) *series {
	if era < 0 || int(era) >= numEras {
		era = mcp.EraUnknown
	}
	p := &t[method][era][transport]
	if s := p.Load(); s != nil {
		return s
	}
	labels := []string{methodName(method), eraNames[era], transportNames[transport]}
	s := &series{latency: m.duration.WithLabelValues(labels...)}
	for i := range s.outcomes {
		s.outcomes[i] = m.requests.WithLabelValues(labels[0], labels[1], labels[2], outcomeNames[i])
	}
	if !p.CompareAndSwap(nil, s) {
		return p.Load()
	}
	return s
}
