// Package cli holds what mcpkit's client verbs share: it turns a target (a URL or a command line) and
// its flags into a client session, classifies failures into the Inspector CLI's exit codes, and reads
// the k=v arguments of the command line (typed from a tool's input schema as the Inspector types them).
package cli
