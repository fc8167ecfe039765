package chat

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
)

// DefaultMaxRounds is Options.MaxRounds when zero.
const DefaultMaxRounds = 10

// Options configures New. The zero value of each field has a use, except BaseURL and Model.
type Options struct {
	// BaseURL is the chat-completions API's base, such as https://api.openai.com/v1 or
	// http://127.0.0.1:11434/v1; /chat/completions is appended.
	BaseURL string
	// Model names the model to ask.
	Model string
	// APIKey, when set, is sent as a bearer token.
	APIKey string
	// HTTPClient sends the model's requests; nil is http.DefaultClient.
	HTTPClient *http.Client
	// MaxRounds bounds the model calls of one turn; zero is DefaultMaxRounds.
	MaxRounds int
	// System, when set, is the conversation's system message.
	System string
	// OnEvent, when set, is told what happens during a turn, as it happens. It is called from the turn's
	// goroutines, one call at a time.
	OnEvent func(Event)
	// Approve is asked before a server's sampling request goes to the model; nil refuses every request.
	Approve func(ctx context.Context, server string, p *mcp.CreateMessageParams) (bool, error)
	// Elicit answers a server's elicitation request; nil declines every request.
	Elicit func(ctx context.Context, server string, p *mcp.ElicitParams) (*mcp.ElicitResult, error)
}

// Chat is a conversation with a model that may call the tools of its servers. Its methods are safe for
// concurrent use; turns (Send) take turns.
type Chat struct {
	opts   Options
	client openai.Client

	mu      sync.Mutex // guards servers, tools, byName
	servers []*Server
	tools   []Tool
	byName  map[string]Tool

	turn    sync.Mutex // one turn at a time; guards history
	history []openai.ChatCompletionMessageParamUnion

	emitMu sync.Mutex
}

// Server is a connected MCP server of the chat.
type Server struct {
	// Name is the server's name: its name in the config file, or the one given to Add.
	Name string
	// Session is the open session.
	Session *client.Session
}

// Tool is a server's tool as offered to the model.
type Tool struct {
	// Name is the name the model sees (ModelName).
	Name string
	// Server is the name of the server that owns it.
	Server string
	// Tool is the tool as the server lists it.
	Tool mcp.Tool
	// Parameters is its input schema as given to the model (Parameters).
	Parameters map[string]any
}

// New returns a chat with no servers yet.
func New(opts Options) (*Chat, error) {
	if opts.BaseURL == "" {
		return nil, errors.New("chat: no model endpoint: give --llm-base-url or set MCPKIT_LLM_BASE_URL")
	}
	if opts.Model == "" {
		return nil, errors.New("chat: no model: give --llm-model or set MCPKIT_LLM_MODEL")
	}
	if opts.MaxRounds <= 0 {
		opts.MaxRounds = DefaultMaxRounds
	}
	ro := []option.RequestOption{option.WithBaseURL(opts.BaseURL), option.WithMaxRetries(1)}
	if opts.APIKey != "" {
		ro = append(ro, option.WithAPIKey(opts.APIKey))
	}
	if opts.HTTPClient != nil {
		ro = append(ro, option.WithHTTPClient(opts.HTTPClient))
	}
	c := &Chat{opts: opts, client: openai.NewClient(ro...), byName: map[string]Tool{}}
	if opts.System != "" {
		c.history = append(c.history, openai.SystemMessage(opts.System))
	}
	return c, nil
}

// ClientOptions returns the client options a session with server must be opened with, so that its
// sampling and elicitation requests reach the chat: start from base and connect with the result.
func (c *Chat) ClientOptions(server string, base client.Options) client.Options {
	base.OnSample = func(ctx context.Context, p *mcp.CreateMessageParams) (*mcp.CreateMessageResult, error) {
		return c.sample(ctx, server, p)
	}
	base.OnElicit = func(ctx context.Context, p *mcp.ElicitParams) (*mcp.ElicitResult, error) {
		if c.opts.Elicit == nil {
			return &mcp.ElicitResult{Action: mcp.ElicitActionDecline}, nil
		}
		return c.opts.Elicit(ctx, server, p)
	}
	return base
}

// Add adds a connected server under name and lists its tools (all pages). The chat closes the session
// in Close. Two servers of the same name, or two tools whose model names collide, are an error.
func (c *Chat) Add(ctx context.Context, name string, s *client.Session) error {
	var tools []Tool
	for t, err := range s.Tools(ctx) {
		if err != nil {
			return fmt.Errorf("%s: tools/list: %w", name, err)
		}
		params, err := Parameters(t.InputSchema)
		if err != nil {
			return fmt.Errorf("%s: tool %s: %w", name, t.Name, err)
		}
		tools = append(tools, Tool{Name: ModelName(name, t.Name), Server: name, Tool: t, Parameters: params})
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, sv := range c.servers {
		if sv.Name == name {
			return fmt.Errorf("two servers are named %q", name)
		}
	}
	for _, t := range tools {
		if o, ok := c.byName[t.Name]; ok {
			return fmt.Errorf("%s's tool %q and %s's tool %q have the same model name %s", o.Server, o.Tool.Name, name, t.Tool.Name, t.Name)
		}
		c.byName[t.Name] = t
	}
	c.servers = append(c.servers, &Server{Name: name, Session: s})
	c.tools = append(c.tools, tools...)
	return nil
}

// Servers returns the chat's servers, in the order they were added.
func (c *Chat) Servers() []*Server {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.servers)
}

// Tools returns every server's tools as the model sees them, server by server.
func (c *Chat) Tools() []Tool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.tools)
}

// Close closes every server's session.
func (c *Chat) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, s := range c.servers {
		errs = append(errs, s.Session.Close())
	}
	c.servers = nil
	return errors.Join(errs...)
}

// modelTools is the tools parameter of a completion request.
func (c *Chat) modelTools() []openai.ChatCompletionToolUnionParam {
	var out []openai.ChatCompletionToolUnionParam
	for _, t := range c.Tools() {
		fd := shared.FunctionDefinitionParam{Name: t.Name, Parameters: shared.FunctionParameters(t.Parameters)}
		if t.Tool.Description != "" {
			fd.Description = openai.String(t.Tool.Description)
		}
		out = append(out, openai.ChatCompletionFunctionTool(fd))
	}
	return out
}

// emit sends e to Options.OnEvent, one event at a time.
func (c *Chat) emit(e Event) {
	if c.opts.OnEvent == nil {
		return
	}
	c.emitMu.Lock()
	defer c.emitMu.Unlock()
	c.opts.OnEvent(e)
}
