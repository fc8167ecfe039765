package interop

import (
	"slices"
	"strings"
	"testing"
)

// namespaced is the name mapping of a front that serves an upstream's names as prefix + "__" + name for
// the kinds given ("tool", "prompt") and its URIs as prefix + "+" + uri (kind "uri"), as the gateway
// namespaces them (docs/GATEWAY.md, Names): the Names of its matrixFront.
func namespaced(prefix string, kinds ...string) func(kind, name string) string {
	return func(kind, name string) string {
		switch {
		case !slices.Contains(kinds, kind):
			return name
		case kind == "uri":
			return prefix + "+" + name
		}
		return prefix + "__" + name
	}
}

// TestMatrixChecks checks the matrix's own logic without peers: names mapped for a namespacing front,
// a run that saw the peer's answers passes, and each kind of wrong answer is reported under its step.
func TestMatrixChecks(t *testing.T) {
	front := matrixFront{Name: "gateway", Names: namespaced("demo", "tool")}
	plan := demoPeer.Plan("mx7", 7)
	mapped := mapPlan(front, plan)
	if mapped.Tool != "demo__echo" || mapped.Elicit.Tool != "demo__book_trip" || mapped.Sample.Tool != "demo__create_product" ||
		mapped.Prompt != "review_code" {
		t.Fatalf("mapped plan: %+v", mapped)
	}
	if plan.Tool != "echo" || plan.Elicit.Tool != "book_trip" {
		t.Fatalf("mapPlan changed the peer's plan: %+v", plan)
	}

	good := matrixSeen{
		Tools:        []string{"demo__echo", "demo__book_trip", "demo__create_product"},
		ToolText:     "Here's the file content: mx7",
		Resources:    []string{"command://ping"},
		ResourceText: "Hello, mx7!",
		Prompts:      []string{"review_code"},
		PromptText:   "Please review this code:\n\nmx7",
		ElicitText:   "[SUCCESS] Booked for " + plan.Elicit.Answer["alternativeDate"].(string),
		ElicitSeen:   []string{"No availability on 2024-12-25. Would you like to try another date?"},
		SampleText:   `{"description":"sampled mx7"}`,
		SampleSeen:   []string{`Write a one-paragraph product description for "mx7" using the keywords: ceramic, coffee.`},
	}
	if p := checkSeen(front, plan, good, true); len(p) != 0 {
		t.Fatalf("a run with the peer's answers has problems: %v", p)
	}

	// A front that namespaces prompts and URIs too (the gateway).
	gw := matrixFront{Name: "gateway", Names: namespaced("demo", "tool", "prompt", "uri")}
	if m := mapPlan(gw, plan); m.Prompt != "demo__review_code" || m.Resource != "demo+greeting://mx7" || m.Tool != "demo__echo" {
		t.Fatalf("mapped plan for the gateway: %+v", m)
	}
	gwSeen := good
	gwSeen.Prompts = []string{"demo__review_code"}
	gwSeen.Resources = []string{"demo+command://ping"}
	if p := checkSeen(gw, plan, gwSeen, true); len(p) != 0 {
		t.Fatalf("a gateway run with the peer's answers has problems: %v", p)
	}
	if p := checkSeen(gw, plan, good, true); len(p["resources"]) == 0 || len(p["prompts"]) == 0 {
		t.Fatalf("unmapped URIs and prompts through the gateway not reported: %v", p)
	}

	bad := good
	bad.Tools = []string{"echo", "book_trip", "create_product"} // not namespaced
	bad.ToolText = "Here's the file content: mx8"               // another run's token
	bad.ElicitSeen = nil                                        // the handler was never asked
	bad.Errors = map[string]string{"resourceText": "jsonrpc error -32002"}
	p := checkSeen(front, plan, bad, true)
	for _, step := range []string{"tools", "toolText", "elicitText", "resourceText"} {
		if len(p[step]) == 0 {
			t.Errorf("no problem reported for %s: %v", step, p)
		}
	}
	for _, step := range []string{"prompts", "promptText", "sampleText"} {
		if len(p[step]) != 0 {
			t.Errorf("%s reported for a right answer: %v", step, p[step])
		}
	}
	// A driver without handlers is not asked about elicitation and sampling.
	if p := checkSeen(front, plan, matrixSeen{Tools: good.Tools, ToolText: good.ToolText, Resources: good.Resources,
		ResourceText: good.ResourceText, Prompts: good.Prompts, PromptText: good.PromptText}, false); len(p) != 0 {
		t.Errorf("a driver without handlers: %v", p)
	}

	known := map[string]string{"*/*/sampleText": "why"}
	if knownFailure(known, "mcp/ts-v1/sampleText") != "why" || knownFailure(known, "mcp/ts-v1/elicitText") != "" ||
		knownFailure(map[string]string{"sse/*/tools": "x"}, "mcp/ts-v1/tools") != "" {
		t.Error("knownFailure matches wrongly")
	}
	if !strings.Contains(strings.Join(matrixSteps, " "), "elicitText") {
		t.Error("matrixSteps lacks a step")
	}
}
