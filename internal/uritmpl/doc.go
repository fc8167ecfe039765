// Package uritmpl parses RFC 6570 URI templates for MCP resource templates: it expands them and, the other
// way round, matches a concrete URI back to the template's variables.
//
// It wraps github.com/yosida95/uritemplate/v3 for parsing and for matching the forms its fast path does not
// cover, and adds what MCP servers need on top: whole-URI matching with a map of decoded values, and clear
// errors. Expansion is its own: the library percent-encodes a character's code point instead of its UTF-8
// bytes (v3.0.2). It must not depend on other mcpkit packages.
package uritmpl
