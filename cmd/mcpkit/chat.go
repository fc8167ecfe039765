package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/internal/chat"
	"github.com/mcpkit/mcpkit/internal/cli"
	"github.com/mcpkit/mcpkit/internal/cli/ask"
	"github.com/mcpkit/mcpkit/mcp"
)

func newChat() *cobra.Command {
	var (
		config, baseURL, model, addr string
		servers                      []string
		maxRounds                    int
		web                          bool
	)
	cmd := &cobra.Command{
		Use:   "chat [--config FILE [--server NAME]...] [TARGET...]",
		Short: "Chat with an LLM that calls the tools of MCP servers",
		Long: "Chat with an OpenAI-compatible chat-completions model (OpenAI, GitHub Models, Ollama, DeepSeek, …) that may\n" +
			"call the tools of several MCP servers: every server of a host config file (--config FILE), the ones\n" +
			"--server names, and each TARGET (a URL, or a quoted command). Tools are offered as SERVER__TOOL.\n" +
			"Tool results go back to the model until it answers, at most --max-rounds model calls a message.\n\n" +
			"The endpoint: --llm-base-url (or MCPKIT_LLM_BASE_URL), --llm-model (or MCPKIT_LLM_MODEL), the key from\n" +
			"MCPKIT_LLM_API_KEY or OPENAI_API_KEY. The servers' sampling requests go to the same model once you say\n" +
			"y; their forms (elicitation) are asked on the terminal.\n\n" +
			"In the terminal: type a message; /tools lists the tools, /quit ends. With --web, a page on loopback\n" +
			"(its URL, with a per-run token, is printed) does the same in a browser.",
		Example: "  MCPKIT_LLM_API_KEY=... mcpkit chat --llm-base-url https://api.openai.com/v1 --llm-model gpt-4o-mini http://127.0.0.1:8080/mcp\n" +
			"  mcpkit chat --llm-base-url http://127.0.0.1:11434/v1 --llm-model llama3.2 --config ~/.cursor/mcp.json --web",
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if baseURL == "" {
				baseURL = os.Getenv("MCPKIT_LLM_BASE_URL")
			}
			if model == "" {
				model = os.Getenv("MCPKIT_LLM_MODEL")
			}
			key := os.Getenv("MCPKIT_LLM_API_KEY")
			if key == "" {
				key = os.Getenv("OPENAI_API_KEY")
			}
			if baseURL == "" || model == "" {
				return &usageError{cmd, errors.New("no model: give --llm-base-url and --llm-model (or MCPKIT_LLM_BASE_URL and MCPKIT_LLM_MODEL)")}
			}
			if web {
				if err := chat.CheckLoopback(addr); err != nil {
					return &usageError{cmd, err}
				}
			}
			if maxRounds < 1 {
				return &usageError{cmd, fmt.Errorf("--max-rounds must be at least 1, got %d", maxRounds)}
			}
			src := chat.Sources{Config: config, Servers: servers, Prompter: cli.NewTermPrompter(os.Stdin, cmd.ErrOrStderr())}
			for _, a := range args {
				src.Targets = append(src.Targets, shellWords(a))
			}
			targets, err := src.Resolve(ctx)
			if err != nil {
				return verbDone(cmd, nil, err)
			}
			for _, t := range targets {
				t.Target.Stderr = cmd.ErrOrStderr()
			}
			opts := chat.Options{BaseURL: baseURL, Model: model, APIKey: key, MaxRounds: maxRounds}
			term := &chat.Terminal{In: ask.NewLines(cmd.InOrStdin()), Out: cmd.OutOrStdout()}
			var w *chat.Web
			if web {
				w = chat.NewWeb()
				opts = w.Options(opts)
			} else {
				opts = term.Options(opts)
			}
			c, err := chat.New(opts)
			if err != nil {
				return &usageError{cmd, err}
			}
			defer c.Close()
			base := client.Options{ClientInfo: mcp.Implementation{Name: "mcpkit", Version: version()}}
			if err := chat.ConnectAll(ctx, c, targets, base); err != nil {
				return verbDone(cmd, nil, err)
			}
			if web {
				return verbDone(cmd, nil, w.ListenAndServe(ctx, c, addr, func(url string) {
					fmt.Fprintf(cmd.OutOrStdout(), "mcpkit chat: open %s (Ctrl-C ends)\n", url)
				}))
			}
			return verbDone(cmd, nil, term.Run(ctx, c))
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&config, "config", "", "a host config file (Claude Desktop/Code, Cursor, VS Code): its servers (all, or those --server names)")
	fs.StringArrayVar(&servers, "server", nil, "a server of the config file (repeatable; without --config, searched in the usual files)")
	fs.StringVar(&baseURL, "llm-base-url", "", "the OpenAI-compatible endpoint (…/v1); default $MCPKIT_LLM_BASE_URL")
	fs.StringVar(&model, "llm-model", "", "the model; default $MCPKIT_LLM_MODEL")
	fs.IntVar(&maxRounds, "max-rounds", chat.DefaultMaxRounds, "the most model calls one message may take (tool results go back each round)")
	fs.BoolVar(&web, "web", false, "serve the chat as a web page on loopback instead of the terminal prompt")
	fs.StringVar(&addr, "addr", "127.0.0.1:0", "with --web: the loopback address to listen on")
	return cmd
}
