package chattest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// Request is a chat-completions request as the endpoint received it.
type Request struct {
	Model     string    `json:"model"`
	Messages  []Message `json:"messages"`
	Tools     []Tool    `json:"tools"`
	MaxTokens int64     `json:"max_tokens"`
	// Auth is the request's Authorization header.
	Auth string `json:"-"`
}

// Message is one message of a request, or the message of a reply.
type Message struct {
	Role       string     `json:"role"`
	Content    any        `json:"content,omitempty"` // a string, or an array of parts
	ToolCalls  []ToolCall `json:"tool_calls,omitempty"`
	ToolCallID string     `json:"tool_call_id,omitempty"`
}

// Text returns the message's content as text (the text parts joined).
func (m Message) Text() string {
	switch c := m.Content.(type) {
	case string:
		return c
	case []any:
		s := ""
		for _, p := range c {
			if pm, ok := p.(map[string]any); ok {
				if t, ok := pm["text"].(string); ok {
					s += t
				}
			}
		}
		return s
	}
	return ""
}

// ToolCall is a tool call of an assistant message.
type ToolCall struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Function struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

// Call makes a tool call.
func Call(id, name, args string) ToolCall {
	tc := ToolCall{ID: id, Type: "function"}
	tc.Function.Name, tc.Function.Arguments = name, args
	return tc
}

// Tool is a tool of a request.
type Tool struct {
	Type     string `json:"type"`
	Function struct {
		Name        string         `json:"name"`
		Description string         `json:"description"`
		Parameters  map[string]any `json:"parameters"`
	} `json:"function"`
}

// Answer is a reply with text and no tool calls.
func Answer(text string) Message { return Message{Role: "assistant", Content: text} }

// Calls is a reply that asks for tools.
func Calls(calls ...ToolCall) Message { return Message{Role: "assistant", ToolCalls: calls} }

// Endpoint is the scripted endpoint. Its URL is the base URL to give the chat (…/v1).
type Endpoint struct {
	URL string

	mu       sync.Mutex
	requests []Request
}

// Start starts an endpoint on 127.0.0.1 that answers request n (from 0, counting every request) with
// script(n, request); it stops when t ends. A request that is not a chat completion fails t.
func Start(t testing.TB, script func(n int, r *Request) Message) *Endpoint {
	e := &Endpoint{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, hr *http.Request) {
		if hr.Method != http.MethodPost || hr.URL.Path != "/v1/chat/completions" {
			t.Errorf("chattest: unexpected request %s %s", hr.Method, hr.URL.Path)
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		var r Request
		if err := json.NewDecoder(hr.Body).Decode(&r); err != nil {
			t.Errorf("chattest: request body: %v", err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Auth = hr.Header.Get("Authorization")
		e.mu.Lock()
		n := len(e.requests)
		e.requests = append(e.requests, r)
		e.mu.Unlock()
		msg := script(n, &r)
		finish := "stop"
		if len(msg.ToolCalls) > 0 {
			finish = "tool_calls"
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"id": fmt.Sprintf("chatcmpl-%d", n), "object": "chat.completion", "created": 1, "model": r.Model,
			"choices": []any{map[string]any{"index": 0, "message": msg, "finish_reason": finish}},
		})
	}))
	t.Cleanup(srv.Close)
	e.URL = srv.URL + "/v1"
	return e
}

// Requests returns the requests received so far.
func (e *Endpoint) Requests() []Request {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Request(nil), e.requests...)
}

// Last returns the last message of r.
func (r *Request) Last() Message {
	if len(r.Messages) == 0 {
		return Message{}
	}
	return r.Messages[len(r.Messages)-1]
}

// Shop is a script that plays a model using the e-commerce example: asked about stock, it calls
// SERVER__get_inventory with the category named in the question ("books" when it names none), then
// answers with the tool's result quoted; any other question is answered without tools.
func Shop(server string) func(n int, r *Request) Message {
	return func(n int, r *Request) Message {
		last := r.Last()
		if last.Role == "tool" {
			return Answer("In stock: " + last.Text())
		}
		return Calls(Call(fmt.Sprintf("call_%d", n), server+"__get_inventory", `{"category":"books"}`))
	}
}
