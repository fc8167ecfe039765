package schema

import (
	"strings"
	"testing"
)

func TestMCPHeaderTag(t *testing.T) {
	type args struct {
		Region string `json:"region" jsonschema:"x-mcp-header=Region,description=the region"`
		Count  int    `json:"count" jsonschema:"x-mcp-header=Count"`
	}
	s, err := For[args]()
	if err != nil {
		t.Fatal(err)
	}
	got := string(s.JSON())
	if !strings.Contains(got, `"region":{"type":"string","description":"the region","x-mcp-header":"Region"}`) || !strings.Contains(got, `"x-mcp-header":"Count"`) {
		t.Fatalf("schema = %s", got)
	}
	back, err := CompileJSON(s.JSON())
	if err != nil || !back.Native() {
		t.Fatalf("compiling the annotated schema: native=%v err=%v", back != nil && back.Native(), err)
	}
	type bad struct {
		Tags []string `json:"tags" jsonschema:"x-mcp-header=Tags"`
	}
	if _, err := For[bad](); err == nil || !strings.Contains(err.Error(), "x-mcp-header applies to") {
		t.Fatalf("array with x-mcp-header: %v", err)
	}
	type badNumber struct {
		F float64 `json:"f" jsonschema:"x-mcp-header=F"`
	}
	if _, err := For[badNumber](); err == nil {
		t.Fatal("x-mcp-header on a number was accepted (the spec allows strings, integers and booleans)")
	}
}
