package main

import (
	"context"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"
	"go.uber.org/goleak"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/examples/lowlevel/registry"
	"github.com/mcpkit/mcpkit/internal/exampletest"
	"github.com/mcpkit/mcpkit/server"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newServer(t *testing.T) *server.Server {
	t.Helper()
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestListedSchemas: tools/list shows each registry tool with the registry's own schema, in both eras.
func TestListedSchemas(t *testing.T) {
	reg := registry.Tools()
	for _, version := range exampletest.Eras {
		sess := exampletest.Connect(t, newServer(t), version, client.Options{})
		ctx, cancel := context.WithTimeout(context.Background(), exampletest.Timeout)
		res, err := sess.ListTools(ctx, "")
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Tools) != len(reg) {
			t.Fatalf("%s: %d tools listed, the registry has %d", version, len(res.Tools), len(reg))
		}
		for _, tool := range res.Tools {
			var got map[string]any
			if err := json.Unmarshal(tool.InputSchema, &got); err != nil {
				t.Fatal(err)
			}
			want, _ := json.Marshal(reg[tool.Name].Schema, json.Deterministic(true))
			gotJSON, _ := json.Marshal(got, json.Deterministic(true))
			if string(gotJSON) != string(want) || tool.Description != reg[tool.Name].Description {
				t.Errorf("%s: %s listed with %s, registry has %s", version, tool.Name, gotJSON, want)
			}
		}
	}
}

// TestCalls: the registry's answers, its errors as isError results, and arguments off the schema
// refused before the registry's function runs.
func TestCalls(t *testing.T) {
	cases := []struct {
		tool  string
		args  any
		want  string
		isErr bool
	}{
		{"word_count", map[string]any{"text": "one two\nthree"}, `{"characters":13,"lines":2,"words":3}`, false},
		{"reverse", map[string]any{"text": "héllo"}, "olléh", false},
		{"mean", map[string]any{"numbers": []float64{1, 2, 4.5}}, "2.5", false},
		{"mean", map[string]any{"numbers": []float64{}}, "the mean of no numbers is undefined", true},
		{"mean", map[string]any{"numbers": []any{1, "two"}}, "numbers", true},
		{"reverse", map[string]any{}, "text", true},
		{"reverse", map[string]any{"text": "x", "extra": 1}, "extra", true},
	}
	for _, version := range exampletest.Eras {
		sess := exampletest.Connect(t, newServer(t), version, client.Options{})
		for _, tc := range cases {
			text, isErr := exampletest.Call(t, sess, tc.tool, tc.args)
			if isErr != tc.isErr || !strings.Contains(text, tc.want) {
				t.Errorf("%s %s(%v) = %q (isError %v), want %q (isError %v)", version, tc.tool, tc.args, text, isErr, tc.want, tc.isErr)
			}
		}
	}
}

// TestBadSchema: a registry tool whose schema is not a schema is reported by adapt, not served.
func TestBadSchema(t *testing.T) {
	s := server.New("bad", "0", nil)
	defer s.Close()
	err := adapt(s, map[string]registry.Tool{"broken": {Schema: map[string]any{"type": 5}, Run: func(map[string]any) (any, error) { return nil, nil }}})
	if err == nil || !strings.Contains(err.Error(), "broken") {
		t.Fatalf("adapt: %v", err)
	}
}

// TestRegistryKnowsNothingOfMCP: package registry imports the standard library only.
func TestRegistryKnowsNothingOfMCP(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("registry", "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("registry sources: %v %v", files, err)
	}
	for _, f := range files {
		parsed, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range parsed.Imports {
			if p := strings.Trim(imp.Path.Value, `"`); strings.Contains(strings.SplitN(p, "/", 2)[0], ".") {
				t.Errorf("%s imports %s", f, p)
			}
		}
	}
}

// TestHTTP: `lowlevel --addr …` serves the registry over Streamable HTTP in both eras.
func TestHTTP(t *testing.T) {
	base := exampletest.StartHTTP(t, run)
	for _, version := range exampletest.Eras {
		sess := exampletest.ConnectHTTP(t, base, version, client.Options{})
		if text, isErr := exampletest.Call(t, sess, "reverse", map[string]string{"text": "abc"}); isErr || text != "cba" {
			t.Errorf("%s: %q (isError %v)", version, text, isErr)
		}
	}
}
