package streamable

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
)

// maxRefreshPages bounds the tools/list pages read when re-learning x-mcp-header annotations.
const maxRefreshPages = 20

// refreshToolHeaders re-learns the tools' x-mcp-header annotations after a 2026-07-28 server refused a
// tools/call with -32020 (header mismatch): the tool may be new to this client, or its schema may have
// changed. It lists the tools itself, with the failed call's _meta, and records what it learns; the spec
// asks clients to do this and retry once.
func (c *Client) refreshToolHeaders(cl *call) error {
	m, err := jsonrpc.DecodeMessage(cl.msg)
	if err != nil {
		return err
	}
	meta, err := jsonrpc.Member(m.Params, "_meta")
	if err != nil || len(meta) == 0 {
		return fmt.Errorf("the call carries no _meta to list tools with")
	}
	ctx, cancel := context.WithTimeout(cl.ctx, 30*time.Second)
	defer cancel()
	cursor := ""
	for page := 0; page < maxRefreshPages; page++ {
		id := jsonrpc.StringID("mcpkit-tools-refresh-" + strconv.Itoa(int(c.refreshes.Add(1))))
		params := map[string]any{"_meta": meta}
		if cursor != "" {
			params["cursor"] = cursor
		}
		raw, err := json.Marshal(params)
		if err != nil {
			return err
		}
		h := c.baseHeaders()
		h.Set(headerProtocolVersion, cl.facts.version)
		h.Set(headerMethod, mcp.MethodToolsList)
		resp, err := c.do(ctx, http.MethodPost, jsonrpc.AppendRequest(nil, id, mcp.MethodToolsList, raw), h)
		if err != nil {
			return err
		}
		res, err := c.awaitResponse(resp, id)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if res.Error != nil {
			return res.Error
		}
		c.mu.Lock()
		learnTools(res.Result, c.toolHeaders)
		c.mu.Unlock()
		var next struct {
			NextCursor string `json:"nextCursor"`
		}
		_ = json.Unmarshal(res.Result, &next)
		if next.NextCursor == "" {
			return nil
		}
		cursor = next.NextCursor
	}
	return nil
}
