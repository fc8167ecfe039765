package verb

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/internal/cli"
	"github.com/mcpkit/mcpkit/mcp"
)

// Prompt gets a prompt with k=v arguments and prints its messages, each under its role in brackets; with
// JSON the whole result. An unknown prompt, an unknown argument or a missing required one is an error
// naming the prompt's arguments.
func Prompt(ctx context.Context, s *client.Session, e *Env, name string, kvs []string) error {
	var prompt *mcp.Prompt
	var names []string
	for p, err := range s.Prompts(ctx) {
		if err != nil {
			return fmt.Errorf("prompts/list: %w", err)
		}
		names = append(names, p.Name)
		if p.Name == name {
			prompt = &p
			break
		}
	}
	if prompt == nil {
		return &cli.Error{Exit: cli.ExitUsage, Code: "error",
			Msg: fmt.Sprintf("the server has no prompt %q (prompts: %s)", name, strings.Join(names, ", "))}
	}
	args := map[string]string{}
	for _, kv := range kvs {
		k, v, err := cli.SplitKV("an argument", kv)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(prompt.Arguments, func(a mcp.PromptArgument) bool { return a.Name == k }) {
			return cli.Usage("prompt %s has no argument %q (its arguments: %s)", name, k, promptArgs(prompt.Arguments))
		}
		args[k] = v
	}
	for _, a := range prompt.Arguments {
		if _, ok := args[a.Name]; a.Required && !ok {
			return cli.Usage("prompt %s needs %s (its arguments: %s)", name, a.Name, promptArgs(prompt.Arguments))
		}
	}
	res, err := s.GetPrompt(ctx, name, args)
	if err != nil {
		return err
	}
	if e.JSON {
		return printJSON(e.Out, res)
	}
	for i, m := range res.Messages {
		if i > 0 {
			fmt.Fprintln(e.Out)
		}
		fmt.Fprintf(e.Out, "[%s]\n", m.Role)
		writeContent(e.Out, []mcp.Content{m.Content})
	}
	return nil
}
