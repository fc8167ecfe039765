// Package chat is mcpkit chat: a conversation with an OpenAI-compatible chat-completions model that may
// call the tools of several MCP servers at once.
//
// A Chat holds the model client, the connected servers and the conversation's history. Each server's
// tools are offered to the model under a namespaced name, SERVER__TOOL (see Names), with their input
// schemas converted to the model API's function parameters (required kept). Send runs one turn: the
// user's message goes to the model; the tool calls it asks for run on the servers that own them (in
// parallel when there are several) and their results go back to the model, round after round, until it
// answers without tool calls or Options.MaxRounds is reached. The servers' sampling requests are
// answered by the same model once Options.Approve agrees; their elicitation requests go to
// Options.Elicit.
//
// Terminal is the prompt on stdin/stdout; Web serves the embedded page (web/) on loopback, streaming a
// turn's events to it with server-sent events and taking its answers to elicitation forms and sampling
// approvals through an endpoint.
package chat
