// Package hostconfig reads the MCP server lists of host applications' config files, so that mcpkit's
// client verbs can connect to a server by its name there: Claude Desktop, Claude Code and Cursor files
// (a "mcpServers" object) and VS Code files (a "servers" object with "inputs", or the same nested under
// "mcp" in settings.json).
//
// Files are JSON with comments and trailing commas (VS Code's JSONC; the others are plain JSON, which
// JSONC accepts). Load keeps each server as written; Resolve substitutes its variables — ${env:VAR},
// ${VAR} and ${VAR:-default}, ${input:id} (asked through a Prompter), ${workspaceFolder}, ${userHome} —
// when one server is about to be used, so that listing a file never prompts or reveals a secret.
// Locations lists the files hosts read when no file is named.
package hostconfig
