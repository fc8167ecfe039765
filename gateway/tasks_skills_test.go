package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/gateway"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

// taskUpstream is the demo with its task tool (process_files, optional), its skills, and two more tools:
// required_job (runs only as a task; reports on ran whether it did) and long_job (optional, runs until
// cancelled: started and stopped are closed when it starts and when its context ends).
func taskUpstream(t *testing.T, ran chan<- bool, started, stopped chan struct{}) *server.Server {
	up := demo.New()
	demo.AddTaskTools(up)
	if err := demo.AddDemoSkills(up); err != nil {
		t.Fatal(err)
	}
	server.TaskTool(up, "required_job", "Runs only as a task", mcp.TaskRequired, func(ctx context.Context, in struct {
		N int `json:"n"`
	}) (string, error) {
		_, asTask := server.TaskID(ctx)
		ran <- asTask
		return fmt.Sprintf("job %d done", in.N), nil
	})
	server.TaskTool(up, "long_job", "Runs until cancelled", mcp.TaskOptional, func(ctx context.Context, _ struct{}) (string, error) {
		close(started)
		<-ctx.Done()
		close(stopped)
		return "", ctx.Err()
	})
	return up
}

// TestTasksThroughGateway: the gateway runs tasks as the bridge's proxy does (proxy/tasks.go), on its
// shared server: tools keep their execution.taskSupport under their namespaced names; a task-augmented
// call becomes a task of the gateway's server (its id, tasks/get, tasks/result) whose work is the call
// forwarded to the owner; a "required" tool runs as an upstream task; tasks/cancel at the gateway ends
// the upstream work. Four era pairs.
func TestTasksThroughGateway(t *testing.T) {
	for _, pair := range pairs {
		t.Run(pairName(pair), func(t *testing.T) {
			ran := make(chan bool, 4)
			started, stopped := make(chan struct{}), make(chan struct{})
			g := newGateway(t, fastOptions(), gateway.Config{Upstreams: []gateway.Upstream{
				upstreamOf("jobs", newMemUp(t, taskUpstream(t, ran, started, stopped), pair[0])),
			}})
			down := connectDown(t, g, pair[1], client.Options{})
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			support := map[string]mcp.TaskSupport{}
			for tool, err := range down.Tools(ctx) {
				if err != nil {
					t.Fatal(err)
				}
				if tool.Execution != nil {
					support[tool.Name] = tool.Execution.TaskSupport
				}
			}
			upLegacy, downLegacy := pair[0] == mcp.Version20251125, pair[1] == mcp.Version20251125
			switch {
			case upLegacy && downLegacy:
				if support["jobs__process_files"] != mcp.TaskOptional || support["jobs__required_job"] != mcp.TaskRequired {
					t.Fatalf("taskSupport through the gateway: %v", support)
				}
			case len(support) > 0: // 2026-07-28 tools have no execution member, either way
				t.Fatalf("taskSupport listed in a 2026-07-28 hop: %v", support)
			}

			h, err := down.CallToolAsTask(ctx, "jobs__process_files", map[string]any{"files": 2, "label": "x"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case !upLegacy && h.ID() != "":
				t.Fatalf("a task (%s) for a tool a 2026-07-28 upstream declared nothing about", h.ID())
			case upLegacy && h.ID() == "":
				t.Fatal("process_files answered inline: the gateway made no task")
			case upLegacy:
				if d, err := h.Get(ctx); err != nil || d.TaskID != h.ID() {
					t.Fatalf("tasks/get through the gateway: %+v, %v", d, err)
				}
			}
			res, err := h.Result(ctx)
			if err != nil || res.IsError || res.Content[0].Text != "processed 2 files (x)" {
				t.Fatalf("process_files as a task = %+v, %v", res, err)
			}

			if !upLegacy {
				// Inline at the gateway; the upstream refuses it (-32021, the tasks extension) and the
				// proxy calls it again as an upstream task.
				res, err := down.CallTool(ctx, "jobs__required_job", map[string]int{"n": 8})
				if err != nil || res.IsError || res.Content[0].Text != "job 8 done" {
					t.Fatalf("required_job through a 2026-07-28 upstream = %+v, %v", res, err)
				}
				if asTask := <-ran; !asTask {
					t.Error("the upstream ran required_job inline")
				}
				return
			}
			h, err = down.CallToolAsTask(ctx, "jobs__required_job", map[string]int{"n": 7}, nil)
			if err != nil {
				t.Fatal(err)
			}
			res, err = h.Result(ctx)
			if err != nil || res.IsError || res.Content[0].Text != "job 7 done" {
				t.Fatalf("required_job = %+v, %v", res, err)
			}
			if asTask := <-ran; !asTask {
				t.Error("the upstream ran required_job inline")
			}

			h, err = down.CallToolAsTask(ctx, "jobs__long_job", nil, nil)
			if err != nil || h.ID() == "" {
				t.Fatalf("long_job: %v (task %v)", err, h)
			}
			select {
			case <-started:
			case <-ctx.Done():
				t.Fatal("long_job never started upstream")
			}
			if err := h.Cancel(ctx); err != nil {
				t.Fatalf("tasks/cancel through the gateway: %v", err)
			}
			if d, err := h.Wait(ctx); err != nil || d.Status != mcp.TaskCancelled {
				t.Fatalf("after tasks/cancel: %+v, %v", d, err)
			}
			select {
			case <-stopped:
			case <-ctx.Done():
				t.Fatal("the upstream call went on after the gateway's task was cancelled")
			}
		})
	}
}

// TestSkillsThroughGateway: the gateway does not forward its upstreams' skills. It declares no skills
// extension, and skills/list, skills/get and resources/directory/read answer -32601 saying so (not a bare
// "method not found"); each SKILL.md is still an ordinary resource under the upstream's NAME+ prefix. A
// gateway whose own server has skills serves those.
func TestSkillsThroughGateway(t *testing.T) {
	for _, pair := range pairs {
		t.Run(pairName(pair), func(t *testing.T) {
			up := demo.New()
			if err := demo.AddDemoSkills(up); err != nil {
				t.Fatal(err)
			}
			g := newGateway(t, fastOptions(), gateway.Config{Upstreams: []gateway.Upstream{
				upstreamOf("sk", newMemUp(t, up, pair[0])),
			}})
			down := connectDown(t, g, pair[1], client.Options{})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			caps := down.ServerCapabilities()
			if _, ok := caps.Skills(); ok {
				t.Fatal("the gateway declares the skills extension")
			}
			for _, c := range []struct{ method, params string }{
				{mcp.MethodSkillsList, `{}`},
				{mcp.MethodSkillsGet, `{"uri":"skill://any/SKILL.md"}`},
				{mcp.MethodResourcesDirectoryRead, `{"uri":"skill://any"}`},
			} {
				_, err := down.Call(ctx, c.method, jsontext.Value(c.params))
				var e *jsonrpc.Error
				if !errors.As(err, &e) || e.Code != mcp.CodeMethodNotFound || !strings.Contains(e.Message, "does not forward its upstreams' skills") {
					t.Errorf("%s through the gateway: %v; want -32601 saying skills are not forwarded", c.method, err)
				}
			}
			var skillMD string
			for res, err := range down.Resources(ctx) {
				if err != nil {
					t.Fatal(err)
				}
				if strings.HasPrefix(res.URI, "sk+skill://") && strings.HasSuffix(res.URI, "/"+mcp.SkillFile) {
					skillMD = res.URI
				}
			}
			if skillMD == "" {
				t.Fatal("no sk+skill://…/SKILL.md in the gateway's resources/list")
			}
			read, err := down.ReadResource(ctx, skillMD)
			if err != nil || len(read.Contents) != 1 || !strings.Contains(read.Contents[0].Text, "name:") {
				t.Fatalf("resources/read %s through the gateway = %+v, %v", skillMD, read, err)
			}

			if err := demo.AddDemoSkills(g.Server()); err != nil {
				t.Fatal(err)
			}
			own := connectDown(t, g, pair[1], client.Options{})
			list, err := own.ListSkills(ctx, "")
			if err != nil || len(list.Skills) == 0 {
				t.Fatalf("skills/list of the gateway's own skills = %+v, %v", list, err)
			}
		})
	}
}
