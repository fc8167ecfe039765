package chat

// Event kinds, in the order a turn produces them.
const (
	// EventToolCall: the model asked for a tool; Name, Server, Tool, Args and ID are set.
	EventToolCall = "tool_call"
	// EventToolResult: a tool call ended; ID, Name, Text (what the model is given) and IsError are set.
	EventToolResult = "tool_result"
	// EventSampling: a server's sampling request was answered (Text is the model's reply) or refused
	// (IsError, Text says why); Server is set.
	EventSampling = "sampling"
	// EventAnswer: the model answered without tool calls; Text is its answer. The turn is over.
	EventAnswer = "answer"
	// EventError: the turn failed (Text says why), including when it ran out of rounds. It is over.
	EventError = "error"
)

// Event is something that happened during a turn, for a display.
type Event struct {
	Kind    string `json:"kind"`
	ID      string `json:"id,omitzero"`
	Name    string `json:"name,omitzero"`
	Server  string `json:"server,omitzero"`
	Tool    string `json:"tool,omitzero"`
	Args    string `json:"args,omitzero"`
	Text    string `json:"text,omitzero"`
	IsError bool   `json:"isError,omitzero"`
}
