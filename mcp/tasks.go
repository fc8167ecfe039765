package mcp

import "github.com/go-json-experiment/json/jsontext"

// Tasks come in two shapes. 2025-11-25 has experimental tasks in the core protocol: a client asks for one
// with the `task` member of tools/call, the server answers CreateTaskResult {task: {...}}, and the client
// polls tasks/get, waits on tasks/result, lists with tasks/list, cancels with tasks/cancel and may receive
// notifications/tasks/status; durations are `ttl` and `pollInterval`. 2026-07-28 moves tasks into the
// extension io.modelcontextprotocol/tasks (SEP-2663): the client declares the extension in its per-request
// capabilities, the server decides whether to answer a tools/call with a flat CreateTaskResult
// (resultType "task"), and the client polls tasks/get (whose answer inlines the result, the error or the
// outstanding inputRequests), answers input with tasks/update and cancels with tasks/cancel; durations are
// `ttlMs` and `pollIntervalMs`. The types named Legacy* are the 2025-11-25 shape.

// ExtensionTasks identifies the tasks extension (2026-07-28, SEP-2663).
const ExtensionTasks = "io.modelcontextprotocol/tasks"

// ResultTask marks a CreateTaskResult of the tasks extension (2026-07-28).
const ResultTask ResultType = "task"

// Methods of the tasks extension that 2025-11-25 does not have.
const (
	// MethodTasksUpdate answers a task's inputRequests (tasks extension, 2026-07-28).
	MethodTasksUpdate = "tasks/update"
	// MethodNotificationTasks carries a task's full state (server → client on a subscriptions/listen
	// stream; tasks extension, 2026-07-28).
	MethodNotificationTasks = "notifications/tasks"
)

// TaskStatus is a task's state.
type TaskStatus string

// Task statuses (both shapes).
const (
	// TaskWorking: the request is being processed.
	TaskWorking TaskStatus = "working"
	// TaskInputRequired: the server needs input from the client before the task can go on.
	TaskInputRequired TaskStatus = "input_required"
	// TaskCompleted: the request finished (a tool result with isError true included).
	TaskCompleted TaskStatus = "completed"
	// TaskFailed: the request failed with a JSON-RPC error.
	TaskFailed TaskStatus = "failed"
	// TaskCancelled: the request was cancelled before it finished.
	TaskCancelled TaskStatus = "cancelled"
)

// Terminal reports whether the status is final.
func (s TaskStatus) Terminal() bool {
	return s == TaskCompleted || s == TaskFailed || s == TaskCancelled
}

// TaskSupport says whether a tool may run as a task (Tool.Execution.TaskSupport, 2025-11-25; mcpkit also
// uses it to decide when a 2026-07-28 tools/call becomes a task).
type TaskSupport string

// Task support levels.
const (
	// TaskForbidden: the tool never runs as a task (the default when absent).
	TaskForbidden TaskSupport = "forbidden"
	// TaskOptional: the tool runs as a task when the client allows it, inline otherwise.
	TaskOptional TaskSupport = "optional"
	// TaskRequired: the tool runs only as a task; a client that cannot take one gets an error.
	TaskRequired TaskSupport = "required"
)

// ToolExecution holds execution-related properties of a tool (2025-11-25).
type ToolExecution struct {
	// TaskSupport says whether the tool supports task-augmented execution; empty means forbidden.
	TaskSupport TaskSupport `json:"taskSupport,omitzero"`
}

// Task is a task's state in the tasks extension (2026-07-28).
type Task struct {
	// TaskID identifies the task.
	TaskID string `json:"taskId"`
	// Status is the task's current status.
	Status TaskStatus `json:"status"`
	// StatusMessage describes the current state, for people or the model.
	StatusMessage string `json:"statusMessage,omitzero"`
	// CreatedAt and LastUpdatedAt are ISO 8601 timestamps.
	CreatedAt     string `json:"createdAt"`
	LastUpdatedAt string `json:"lastUpdatedAt"`
	// TTLMs is how long the task is kept from creation, in milliseconds; nil (JSON null) means unlimited.
	// Always present on the wire.
	TTLMs *int64 `json:"ttlMs"`
	// PollIntervalMs is the suggested polling interval in milliseconds (0: absent).
	PollIntervalMs int64 `json:"pollIntervalMs,omitzero"`
}

// DetailedTask is a Task with the member its status carries: InputRequests (input_required), Result
// (completed: the original request's result object) or Error (failed: the JSON-RPC error object). It is
// the result of tasks/get (ResultType complete) and the params of notifications/tasks (2026-07-28).
type DetailedTask struct {
	ResultFields `json:",embed"`
	Task         `json:",embed"`
	// InputRequests are the outstanding server-to-client requests (status input_required).
	InputRequests InputRequests `json:"inputRequests,omitzero"`
	// Result is the final result (status completed).
	Result jsontext.Value `json:"result,omitzero"`
	// Error is the JSON-RPC error (status failed).
	Error jsontext.Value `json:"error,omitzero"`
}

// CreateTaskResult answers a request with a task handle instead of its result (ResultType task;
// 2026-07-28).
type CreateTaskResult struct {
	ResultFields `json:",embed"`
	Task         `json:",embed"`
}

// TaskParams are the params of tasks/get and tasks/cancel (both shapes) and tasks/result (2025-11-25).
type TaskParams struct {
	// Meta is the request's _meta (required in 2026-07-28).
	Meta *RequestMeta `json:"_meta,omitzero"`
	// TaskID names the task.
	TaskID string `json:"taskId"`
}

// UpdateTaskParams are the params of tasks/update (2026-07-28).
type UpdateTaskParams struct {
	// Meta is the request's _meta.
	Meta *RequestMeta `json:"_meta,omitzero"`
	// TaskID names the task.
	TaskID string `json:"taskId"`
	// InputResponses answer outstanding inputRequests keys; unknown or answered keys are ignored.
	InputResponses InputResponses `json:"inputResponses"`
}

// TaskNotificationParams are the params of notifications/tasks: the task as tasks/get would return it
// (2026-07-28).
type TaskNotificationParams = DetailedTask

// TaskMetadata asks for task-augmented execution: the `task` member of a 2025-11-25 request's params.
type TaskMetadata struct {
	// TTL is the requested retention from creation, in milliseconds (nil: the server's default).
	TTL *int64 `json:"ttl,omitzero"`
}

// RelatedTaskMetadata associates a message with a task: the value of _meta[MetaRelatedTask] (2025-11-25).
type RelatedTaskMetadata struct {
	// TaskID names the task.
	TaskID string `json:"taskId"`
}

// LegacyTask is a task's state in 2025-11-25.
type LegacyTask struct {
	// TaskID identifies the task.
	TaskID string `json:"taskId"`
	// Status is the task's current status.
	Status TaskStatus `json:"status"`
	// StatusMessage describes the current state.
	StatusMessage string `json:"statusMessage,omitzero"`
	// CreatedAt and LastUpdatedAt are ISO 8601 timestamps.
	CreatedAt     string `json:"createdAt"`
	LastUpdatedAt string `json:"lastUpdatedAt"`
	// TTL is the retention from creation in milliseconds; nil (JSON null) means unlimited. Always present.
	TTL *int64 `json:"ttl"`
	// PollInterval is the suggested polling interval in milliseconds (0: absent).
	PollInterval int64 `json:"pollInterval,omitzero"`
}

// LegacyCreateTaskResult answers a task-augmented request (2025-11-25).
type LegacyCreateTaskResult struct {
	ResultFields `json:",embed"`
	// Task is the new task.
	Task LegacyTask `json:"task"`
}

// LegacyTaskResult is the result of tasks/get and tasks/cancel, and the params of
// notifications/tasks/status (2025-11-25): the task's state, flat.
type LegacyTaskResult struct {
	ResultFields `json:",embed"`
	LegacyTask   `json:",embed"`
}

// ListTasksResult is the result of tasks/list (2025-11-25).
type ListTasksResult struct {
	ResultFields `json:",embed"`
	// Tasks are this page's tasks.
	Tasks []LegacyTask `json:"tasks"`
	// NextCursor is set when more pages follow.
	NextCursor string `json:"nextCursor,omitzero"`
}

// LegacyTasksCapability is the `tasks` capability of 2025-11-25 (server or client), kept under
// ServerCapabilities.Extra["tasks"] / ClientCapabilities.Extra["tasks"]. Members are presence flags.
type LegacyTasksCapability struct {
	// List: tasks/list is supported.
	List JSONObject `json:"list,omitzero"`
	// Cancel: tasks/cancel is supported.
	Cancel JSONObject `json:"cancel,omitzero"`
	// Requests lists the request types that may be task-augmented, as nested presence objects: for a
	// server {"tools":{"call":{}}}, for a client {"sampling":{"createMessage":{}},
	// "elicitation":{"create":{}}}.
	Requests map[string]JSONObject `json:"requests,omitzero"`
}
