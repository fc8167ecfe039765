// Package uritmpl parses RFC 6570 URI templates for MCP resource templates: it expands them and, the other
// way round, matches a concrete URI back to the template's variables.
//
// It wraps github.com/yosida95/uritemplate/v3 and adds what MCP servers need on top: whole-URI matching
// with a map of decoded values, and clear errors. It must not depend on other mcpkit packages.
package uritmpl
