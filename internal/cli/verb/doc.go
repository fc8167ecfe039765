// Package verb holds what mcpkit's short verbs do once a session is open: ls (tools, resources, templates
// and prompts as tables), call, read, prompt, listen and ping, and the client options they share (logs and
// progress on the Console, elicitation through an ask.Asker, sampling through an llm.Client or declined).
// cmd/mcpkit parses the command lines; tests drive these functions over in-memory sessions.
package verb
