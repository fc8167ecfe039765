package verb

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/internal/cli/ask"
	"github.com/mcpkit/mcpkit/internal/cli/llm"
	"github.com/mcpkit/mcpkit/internal/cli/term"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
)

// Env is what a verb writes to and how it answers the server.
type Env struct {
	// Out receives the results; OutTTY says it is a terminal (binary contents are then summarised, not
	// written).
	Out    io.Writer
	OutTTY bool
	// Console is stderr: progress, logs, forms and messages.
	Console *term.Console
	// JSON prints results as JSON.
	JSON bool
	// Asker answers elicitation requests; nil declines them.
	Asker *ask.Asker
	// LLM answers sampling requests; nil declines them.
	LLM *llm.Client
	// LogLevel asks the server for log messages at this level and above; empty asks for none.
	LogLevel mcp.LoggingLevel
	// Verbose shows the client's own diagnostics on the Console (otherwise they are dropped: what
	// matters reaches the verb as an error).
	Verbose bool
}

// ClientOptions are the session options of a verb: its logs and progress on the Console, elicitation
// (form and URL mode) and sampling declared and answered by the Env, and tasks followed to their end.
func (e *Env) ClientOptions(info mcp.Implementation) client.Options {
	return client.Options{
		ClientInfo: info,
		LogLevel:   e.LogLevel,
		Capabilities: mcp.ClientCapabilities{
			Elicitation: &mcp.ElicitationCapability{Form: mcp.JSONObject{}, URL: mcp.JSONObject{}},
			Sampling:    &mcp.SamplingCapability{},
		},
		OnLog: func(ctx context.Context, p *mcp.LoggingMessageParams) {
			e.Console.Printf("%s\n", LogLine(p))
		},
		OnProgress: func(ctx context.Context, p *mcp.ProgressParams) { e.Console.Progress(p) },
		OnElicit:   e.elicit,
		OnSample:   e.sample,
		Tasks:      true,
		Logger:     e.logger(),
	}
}

func (e *Env) logger() *slog.Logger {
	if !e.Verbose {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(e.Console, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func (e *Env) elicit(ctx context.Context, p *mcp.ElicitParams) (*mcp.ElicitResult, error) {
	e.Console.Clear()
	if e.Asker == nil {
		e.Console.Printf("mcpkit: the server asked %q: declined\n", p.Message)
		return &mcp.ElicitResult{Action: mcp.ElicitActionDecline}, nil
	}
	return e.Asker.Elicit(ctx, p)
}

// SamplingDeclined is the error a sampling request gets without an LLM endpoint (code -1, the
// specification's example for a user who rejects a sampling request).
var SamplingDeclined = &jsonrpc.Error{Code: -1, Message: "sampling declined: mcpkit has no LLM endpoint configured (--llm-base-url)"}

func (e *Env) sample(ctx context.Context, p *mcp.CreateMessageParams) (*mcp.CreateMessageResult, error) {
	if e.LLM == nil {
		e.Console.Printf("mcpkit: the server asked for an LLM completion (sampling): declined, give --llm-base-url (an OpenAI-compatible endpoint) to answer it\n")
		return nil, SamplingDeclined
	}
	e.Console.Printf("mcpkit: the server asked for an LLM completion (sampling): asking %s at %s\n", e.LLM.Model, e.LLM.BaseURL)
	res, err := e.LLM.Sample(ctx, p)
	if err != nil {
		e.Console.Printf("mcpkit: sampling failed: %v\n", err)
		return nil, &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: err.Error()}
	}
	return res, nil
}

// LogLine is a log notification in one line: "[info] logger: message" (data that is not a string is
// shown as compact JSON).
func LogLine(p *mcp.LoggingMessageParams) string {
	var b strings.Builder
	fmt.Fprintf(&b, "[%s] ", p.Level)
	if p.Logger != "" {
		b.WriteString(p.Logger + ": ")
	}
	var s string
	if json.Unmarshal(p.Data, &s) == nil {
		b.WriteString(s)
	} else {
		v := jsontext.Value(append([]byte(nil), p.Data...))
		_ = v.Compact()
		b.Write(v)
	}
	return b.String()
}

// printJSON writes v as indented JSON.
func printJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v, json.Deterministic(true))
	if err != nil {
		return err
	}
	raw := jsontext.Value(b)
	if err := raw.Indent(jsontext.WithIndent("  ")); err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", raw)
	return err
}

// jsonLine is v as one line of JSON.
func jsonLine(v any) ([]byte, error) { return json.Marshal(v, json.Deterministic(true)) }
