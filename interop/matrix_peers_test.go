package interop

import (
	"strconv"
)

// The upstream peers of the matrix. Each plan's expectations are that peer's behaviour as its source
// writes it (quoted in the comments), with this run's token in the arguments.

// everythingPeer is @modelcontextprotocol/server-everything 2026.8.31 (dist/tools, prompts, resources).
// Its elicitation and sampling tools are registered only for a client that declares those capabilities
// at initialize: the bridge's upstream client declares them.
var everythingPeer = peerProfile{Name: "server-everything", Plan: func(tok string, n int) matrixPlan {
	return matrixPlan{
		// echo.js: text `Echo: ${message}`.
		Tool: "echo", ToolArgs: map[string]string{"message": tok}, ToolWant: "Echo: " + tok,
		// files.js lists each file of docs/ as demo://resource/static/document/<name>; templates.js reads
		// demo://resource/dynamic/text/{index} as `Resource ${index}: This is a plaintext resource …`.
		Listed:    "demo://resource/static/document/architecture.md",
		Resource:  "demo://resource/dynamic/text/" + strconv.Itoa(n),
		ResourceW: "Resource " + strconv.Itoa(n) + ": This is a plaintext resource",
		// args.js: `What's weather in ${city}, ${state}?`.
		Prompt: "args-prompt", PromptArgs: map[string]string{"city": tok, "state": "Texas"},
		PromptWant: "What's weather in " + tok + ", Texas?",
		// trigger-elicitation-request.js: asks "Please provide inputs for the following fields:" (name
		// required) and lists the accepted answers, "- Name: …".
		Elicit: &matrixAsk{Tool: "trigger-elicitation-request", Args: map[string]any{},
			Answer: map[string]any{"name": tok, "check": true},
			Seen:   "Please provide inputs for the following fields:", Want: "- Name: " + tok},
		// trigger-sampling-request.js: sends `Resource trigger-sampling-request context: ${prompt}` and
		// returns the client's result as JSON after "LLM sampling result:".
		Sample: &matrixAsk{Tool: "trigger-sampling-request", Args: map[string]any{"prompt": tok, "maxTokens": 20},
			Reply: "sampled " + tok, Seen: "Resource trigger-sampling-request context: " + tok, Want: "sampled " + tok},
	}
}}

// goSDKPeer is go-sdk v1.8.0's examples/server/everything (main.go).
var goSDKPeer = peerProfile{Name: "go-sdk-everything", Plan: func(tok string, _ int) matrixPlan {
	return matrixPlan{
		// contentTool: "Hi " + name.
		Tool: "greet", ToolArgs: map[string]string{"name": tok}, ToolWant: "Hi " + tok,
		// embeddedResource: embedded:info is "This is the hello example server.".
		Listed: "embedded:info", Resource: "embedded:info", ResourceW: "This is the hello example server.",
		// prompt: "Say hi to " + name.
		Prompt: "greet", PromptArgs: map[string]string{"name": tok}, PromptWant: "Say hi to " + tok,
		// elicitFormTool: asks "provide a random string" for the property random and returns it as text.
		Elicit: &matrixAsk{Tool: "elicit (form)", Args: map[string]any{}, Answer: map[string]any{"random": tok},
			Seen: "provide a random string", Want: tok},
		// samplingTool: sends an empty CreateMessageParams (no messages) and returns the reply's content.
		Sample: &matrixAsk{Tool: "sample", Args: map[string]any{}, Reply: "sampled " + tok, Seen: "", Want: "sampled " + tok},
	}
}}

// demoPeer is our demo (examples/demo), as `mcpkit serve` serves it.
var demoPeer = peerProfile{Name: "demo", Plan: func(tok string, n int) matrixPlan {
	date := "2031-01-" + strconv.Itoa(10+n%18)
	return matrixPlan{
		// echo: "Here's the file content: " + message.
		Tool: "echo", ToolArgs: map[string]string{"message": tok}, ToolWant: "Here's the file content: " + tok,
		// command://ping is listed; greeting://{name} reads "Hello, " + name + "!".
		Listed: "command://ping", Resource: "greeting://" + tok, ResourceW: "Hello, " + tok + "!",
		// review_code: "Please review this code:\n\n" + code.
		Prompt: "review_code", PromptArgs: map[string]string{"code": tok}, PromptWant: "Please review this code:\n\n" + tok,
		// book_trip: the full date asks "No availability on 2024-12-25. …" and books the alternative.
		Elicit: &matrixAsk{Tool: "book_trip", Args: map[string]any{"date": "2024-12-25"},
			Answer: map[string]any{"checkAlternative": true, "alternativeDate": date},
			Seen:   "No availability on 2024-12-25", Want: "[SUCCESS] Booked for " + date},
		// create_product: the sampling prompt names the product; the reply is its description.
		Sample: &matrixAsk{Tool: "create_product", Args: map[string]any{"product_name": tok, "keywords": "ceramic, coffee"},
			Reply: "sampled " + tok, Seen: `"` + tok + `"`, Want: "sampled " + tok},
	}
}}
