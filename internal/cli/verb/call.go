package verb

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/internal/cli"
)

// Call calls a tool with k=v arguments typed from its input schema (cli.ToolArgs), showing its progress
// and logs on the Console while it runs. It prints the result's text content, or, when there is none, its
// structured content as JSON; with JSON the whole result. A result with isError prints its text on the
// Console and returns an exit-5 error; an unknown tool is an exit-5 error too, naming the tools there are.
func Call(ctx context.Context, s *client.Session, e *Env, name string, kvs []string) error {
	var schema jsontext.Value
	var names []string
	found := false
	for t, err := range s.Tools(ctx) {
		if err != nil {
			return fmt.Errorf("tools/list: %w", err)
		}
		names = append(names, t.Name)
		if t.Name == name {
			schema, found = t.InputSchema, true
			break
		}
	}
	if !found {
		return &cli.Error{Exit: cli.ExitToolError, Code: "tool_not_found",
			Msg: fmt.Sprintf("the server has no tool %q (tools: %s)", name, strings.Join(names, ", "))}
	}
	for _, kv := range kvs {
		if _, _, err := cli.SplitKV("an argument", kv); err != nil {
			return err
		}
	}
	args, err := cli.ToolArgs(schema, kvs)
	if err != nil {
		return err
	}
	if err := missing(schema, args, name); err != nil {
		return err
	}
	res, err := s.CallTool(client.WithProgress(ctx, e.Console.Progress), name, args)
	e.Console.Clear()
	if e.Asker != nil && e.Asker.Err() != nil {
		return e.Asker.Err()
	}
	if err != nil {
		return err
	}
	if e.JSON {
		if err := printJSON(e.Out, res); err != nil {
			return err
		}
	}
	if res.IsError {
		e.Console.Printf("%s", contentText(res.Content))
		return &cli.Error{Exit: cli.ExitToolError, Code: "tool_is_error", Msg: fmt.Sprintf("tool %s failed (isError)", name)}
	}
	if e.JSON {
		return nil
	}
	if len(res.Content) == 0 && len(res.StructuredContent) > 0 {
		return printJSON(e.Out, res.StructuredContent)
	}
	writeContent(e.Out, res.Content)
	return nil
}

// missing reports the required arguments not given, with the tool's argument list.
func missing(schema jsontext.Value, args map[string]any, tool string) error {
	var s struct {
		Required []string `json:"required"`
	}
	if json.Unmarshal(schema, &s) != nil {
		return nil
	}
	var lack []string
	for _, r := range s.Required {
		if _, ok := args[r]; !ok {
			lack = append(lack, r)
		}
	}
	if len(lack) == 0 {
		return nil
	}
	slices.Sort(lack)
	return cli.Usage("tool %s needs %s (its arguments: %s)", tool, strings.Join(lack, ", "), toolArgs(schema))
}
