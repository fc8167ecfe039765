// Package ssetest reads server-sent events (text/event-stream) in tests that speak HTTP by hand: the
// transports' own tests and the examples' resume tests.
package ssetest
