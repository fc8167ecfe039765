// Package exampletest holds what the book examples' tests share: the two protocol eras, an in-process
// client connected to a server over an in-memory pipe, a tool call that returns its text, and an
// example's run function started on a free loopback port.
package exampletest
