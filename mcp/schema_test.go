package mcp

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaCompilers holds one compiler per protocol version, each loaded with that version's schema.json.
var schemaCompilers sync.Map // version → *schemaSet

type schemaSet struct {
	once     sync.Once
	compiler *jsonschema.Compiler
	url      string
	defs     string // "definitions" (draft-07 files) or "$defs" (2020-12 files)
	err      error
}

// specSchema compiles the definition name of version v's schema.json.
func specSchema(t *testing.T, v, name string) *jsonschema.Schema {
	t.Helper()
	s, _ := schemaCompilers.LoadOrStore(v, new(schemaSet))
	set := s.(*schemaSet)
	set.once.Do(func() {
		path := filepath.Join(specDir, "schema", v, "schema.json")
		f, err := os.Open(path)
		if err != nil {
			set.err = fmt.Errorf("spec schema not found at %s (refresh with scripts/update-spec-testdata.sh): %w", path, err)
			return
		}
		defer f.Close()
		doc, err := jsonschema.UnmarshalJSON(f)
		if err != nil {
			set.err = err
			return
		}
		set.defs = "definitions"
		if m, ok := doc.(map[string]any); ok {
			if _, ok := m["$defs"]; ok {
				set.defs = "$defs"
			}
		}
		set.url = "https://mcpkit.test/spec/" + v + "/schema.json"
		set.compiler = jsonschema.NewCompiler()
		set.err = set.compiler.AddResource(set.url, doc)
	})
	if set.err != nil {
		t.Fatal(set.err)
	}
	sch, err := set.compiler.Compile(set.url + "#/" + set.defs + "/" + name)
	if err != nil {
		t.Fatalf("compile %s of %s: %v", name, v, err)
	}
	return sch
}

// wireOf encodes v and decodes it the way the validator wants it.
func wireOf(t *testing.T, v any) (any, []byte) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("encode %T: %v", v, err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return doc, b
}

// The JSON-RPC wrappers below exist only to validate against the spec's message definitions.

type rpcRequest struct {
	JSONRPC string `json:"jsonrpc"`
	ID      int    `json:"id"`
	Method  string `json:"method"`
	Params  any    `json:"params,omitzero"`
}

type rpcNotification struct {
	JSONRPC string `json:"jsonrpc"`
	Method  string `json:"method"`
	Params  any    `json:"params,omitzero"`
}

type rpcError struct {
	JSONRPC string `json:"jsonrpc"`
	ID      int    `json:"id"`
	Error   struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Data    any    `json:"data,omitzero"`
	} `json:"error"`
}

func req(method string, params any) rpcRequest { return rpcRequest{"2.0", 1, method, params} }

func note(method string, params any) rpcNotification { return rpcNotification{"2.0", method, params} }

func rpcErr(code int, msg string, data any) rpcError {
	e := rpcError{JSONRPC: "2.0", ID: 1}
	e.Error.Code, e.Error.Message, e.Error.Data = code, msg, data
	return e
}

func TestValuesMatchSpecSchemas(t *testing.T) {
	for _, tc := range schemaCases {
		for _, v := range tc.versions {
			name := fmt.Sprintf("%s/%s", tc.name, v)
			if tc.invalid {
				name += "/invalid"
			}
			t.Run(name, func(t *testing.T) {
				sch := specSchema(t, v, tc.name)
				doc, raw := wireOf(t, tc.build(v))
				err := sch.Validate(doc)
				switch {
				case tc.invalid && err == nil:
					t.Errorf("%s validated against %s of %s but must not", raw, tc.name, v)
				case !tc.invalid && err != nil:
					t.Errorf("%s\ndoes not validate against %s of %s: %v", raw, tc.name, v, err)
				}
			})
		}
	}
}
