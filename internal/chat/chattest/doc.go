// Package chattest is a scripted OpenAI-compatible chat-completions endpoint for the tests of mcpkit
// chat: an httptest server on 127.0.0.1 that records every request and answers each with what the
// test's script returns (tool calls or a final answer).
package chattest
