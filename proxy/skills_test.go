package proxy_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
)

// TestSkillsForwarded: an upstream serving skills is seen through the proxy as it is directly, in four era
// pairs: the extension declared with its settings, skills/list, skills/get, resources/directory/read and
// resources/read of a skill file that resources/list does not name. An upstream without skills: the proxy
// declares none and skills/list is -32601.
func TestSkillsForwarded(t *testing.T) {
	for _, pair := range pairs {
		t.Run(name(pair), func(t *testing.T) {
			up := demo.New()
			if err := demo.AddDemoSkills(up); err != nil {
				t.Fatal(err)
			}
			r := newRigOn(t, up, nil, pair[0], pair[1], client.Options{})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			caps := r.down.ServerCapabilities()
			if sc, ok := caps.Skills(); !ok || !sc.DirectoryRead {
				t.Fatalf("skills extension through the proxy: %+v, %v (capabilities %+v)", sc, ok, caps.Extensions)
			}
			direct, err := r.upSession.ListSkills(ctx, "")
			if err != nil || len(direct.Skills) == 0 {
				t.Fatalf("upstream skills/list: %+v, %v", direct, err)
			}
			got, err := r.down.ListSkills(ctx, "")
			if err != nil || !reflect.DeepEqual(got.Skills, direct.Skills) {
				t.Fatalf("skills/list through the proxy = %+v, %v; upstream %+v", got, err, direct.Skills)
			}
			skill := direct.Skills[0]
			one, err := r.down.GetSkill(ctx, skill.URI)
			if err != nil || !reflect.DeepEqual(*one, skill) {
				t.Fatalf("skills/get through the proxy = %+v, %v", one, err)
			}
			dir := skill.URI[:strings.LastIndexByte(skill.URI, '/')]
			wantDir, err := r.upSession.ReadDirectory(ctx, dir, "")
			if err != nil {
				t.Fatal(err)
			}
			gotDir, err := r.down.ReadDirectory(ctx, dir, "")
			if err != nil || !reflect.DeepEqual(gotDir.Resources, wantDir.Resources) {
				t.Fatalf("resources/directory/read %s through the proxy = %+v, %v; upstream %+v", dir, gotDir, err, wantDir.Resources)
			}
			var file string
			for _, res := range skill.Resources {
				if !strings.HasSuffix(res.URI, "/"+mcp.SkillFile) {
					file = res.URI
				}
			}
			if file == "" {
				t.Fatalf("the demo skill has no file besides SKILL.md: %+v", skill.Resources)
			}
			wantRead, err := r.upSession.ReadResource(ctx, file)
			if err != nil {
				t.Fatal(err)
			}
			gotRead, err := r.down.ReadResource(ctx, file)
			if err != nil || len(gotRead.Contents) != 1 || gotRead.Contents[0].Text != wantRead.Contents[0].Text {
				t.Fatalf("resources/read %s through the proxy = %+v, %v", file, gotRead, err)
			}

			plain := newRig(t, pair[0], pair[1], client.Options{})
			plainCaps := plain.down.ServerCapabilities()
			if _, ok := plainCaps.Skills(); ok {
				t.Error("skills declared through the proxy of an upstream without skills")
			}
			var e *jsonrpc.Error
			if _, err := plain.down.Call(ctx, mcp.MethodSkillsList, jsontext.Value(`{}`)); !errors.As(err, &e) || e.Code != mcp.CodeMethodNotFound {
				t.Errorf("skills/list without upstream skills: %v, want -32601", err)
			}
		})
	}
}
