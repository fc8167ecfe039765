package proxy

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

// Tasks cross the proxy this way: a copied tool keeps the upstream's execution.taskSupport, so the proxy's
// own server runs a downstream task-augmented call as a task of its own (created, polled with tasks/get,
// listed, cancelled and fetched with tasks/result at the proxy, in the downstream client's era). The work
// of that task is the forwarded call: inline upstream for an "optional" tool; for a "required" one, which
// the upstream cannot run inline, an upstream task whose result the proxy's task waits for (callTaskTool).
// A 2026-07-28 upstream lists no taskSupport (its tools have no execution member): its tools are plain
// tools at the proxy, called inline, and one that runs only as a task (the upstream refuses the inline call
// with -32021 naming the tasks extension) is called again as an upstream task.

// taskCancelTimeout bounds the tasks/cancel sent upstream when the proxy's task ends first.
const taskCancelTimeout = 5 * time.Second

// toolHandler returns the handler of an upstream tool: a call forwarded inline, or as an upstream task
// when the tool requires one.
func (p *Proxy) toolHandler(t mcp.Tool, upName string) server.ToolHandler {
	if t.Execution != nil && t.Execution.TaskSupport == mcp.TaskRequired {
		return p.callTaskTool(upName)
	}
	return p.callTool(upName)
}

// callTaskTool returns the handler of an upstream tool whose taskSupport is "required": the call is made
// as an upstream task (client.Session.CallToolAsTask) and its result awaited; when the downstream call
// ends first (cancelled, or its task cancelled) the upstream task is cancelled too. The downstream
// request's _meta is not forwarded on this path (the client's task call builds its own params).
func (p *Proxy) callTaskTool(name string) server.ToolHandler {
	return func(ctx context.Context, args jsontext.Value) (*mcp.CallToolResult, error) {
		up, err := p.upstream()
		if err != nil {
			return nil, err
		}
		var a any = args
		if len(args) == 0 {
			a = struct{}{}
		}
		ctx = p.relayProgress(ctx)
		done := p.inflight.add(ctx)
		defer done()
		h, err := up.CallToolAsTask(ctx, name, a, nil)
		if err != nil {
			return nil, redactError(err)
		}
		res, err := h.Result(ctx)
		if err != nil {
			if ctx.Err() != nil && h.ID() != "" {
				cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), taskCancelTimeout)
				if cerr := h.Cancel(cctx); cerr != nil {
					p.log.Debug("proxy: cancelling the upstream task failed", "task", h.ID(), "err", cerr)
				}
				cancel()
			}
			return nil, redactError(err)
		}
		ownFields(&res.ResultFields)
		p.contentURIs(res.Content)
		return res, nil
	}
}

// needsTasks reports whether err is an upstream's refusal of an inline call of a tool that runs only as a
// task: -32021 (missing client capability) naming the tasks extension.
func needsTasks(err error) bool {
	var e *jsonrpc.Error
	return errors.As(err, &e) && e.Code == mcp.CodeMissingRequiredClientCapability &&
		(strings.Contains(e.Message, mcp.ExtensionTasks) || strings.Contains(string(e.Data), mcp.ExtensionTasks))
}
