package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Task statuses as stored. They are the protocol's words (both the 2025-11-25 shape and the 2026-07-28
// extension use them), kept here as plain strings because this package does not import mcp.
const (
	TaskWorking       = "working"
	TaskInputRequired = "input_required"
	TaskCompleted     = "completed"
	TaskFailed        = "failed"
	TaskCancelled     = "cancelled"
)

// TaskTerminal reports whether status is final (completed, failed or cancelled): a task in it never
// changes status again.
func TaskTerminal(status string) bool {
	return status == TaskCompleted || status == TaskFailed || status == TaskCancelled
}

// ErrTaskTerminal is returned by TaskStore.UpdateTask when the update function tried to change the status
// of a task that already reached a terminal status (the first terminal status wins).
var ErrTaskTerminal = errors.New("store: the task already finished")

// TaskRecord is a task as the store keeps it: everything any node needs to answer tasks/get, tasks/update,
// tasks/cancel (and tasks/list, tasks/result of 2025-11-25) for it, in either protocol shape. JSON members
// are kept as raw JSON text.
type TaskRecord struct {
	// ID is the task id: unguessable (it is the only credential a modern client holds), unique.
	ID string `json:"id"`
	// Owner scopes the task: the session id (legacy) or the principal that created it. Only requests of
	// the same owner see it; "" means anyone who knows the id (a modern, unauthenticated client).
	Owner string `json:"owner,omitzero"`
	// Method is the request that created it (tools/call) and Name its target (the tool name).
	Method string `json:"method,omitzero"`
	Name   string `json:"name,omitzero"`
	// Era is the protocol revision the task was created in ("2025-11-25" or "2026-07-28"): it picks the
	// wire shape of everything about the task.
	Era string `json:"era,omitzero"`
	// Status is one of the Task* statuses; StatusMessage says more, for people.
	Status        string `json:"status"`
	StatusMessage string `json:"statusMessage,omitzero"`
	// CreatedAt and UpdatedAt are set by the caller (UpdatedAt on every change).
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	// TTL is how long the task is kept from CreatedAt; the store forgets it after that. Must be > 0 (a
	// server caps "unlimited" at its own maximum: nothing is kept forever).
	TTL time.Duration `json:"ttl"`
	// PollInterval is the polling interval suggested to clients.
	PollInterval time.Duration `json:"pollInterval,omitzero"`
	// Result is the final result (status completed): the JSON object the original request would have
	// returned.
	Result []byte `json:"result,omitzero"`
	// Error is the JSON-RPC error object (status failed).
	Error []byte `json:"error,omitzero"`
	// InputRequests is the JSON object of the outstanding server-to-client requests, keyed
	// (status input_required).
	InputRequests []byte `json:"inputRequests,omitzero"`
	// InputResponses is the JSON object of answers received for InputRequests keys and not yet taken by
	// the node running the task.
	InputResponses []byte `json:"inputResponses,omitzero"`
	// Node names the node running the task; LeaseUntil is when its claim lapses unless renewed. A
	// non-terminal task whose lease lapsed has lost its node: readers report it failed.
	Node       string    `json:"node,omitzero"`
	LeaseUntil time.Time `json:"leaseUntil,omitzero"`
	// CancelRequested is set by tasks/cancel on any node; the running node sees it and stops the work.
	CancelRequested bool `json:"cancelRequested,omitzero"`
	// Version counts updates; UpdateTask increments it (implementations use it for compare-and-set).
	Version int64 `json:"version"`
}

// CheckNewTask is the rule CreateTask applies to a new record, for every implementation: it needs an ID, a
// CreatedAt and a TTL > 0 (a task kept for no time would be created and gone at once).
func CheckNewTask(rec *TaskRecord) error {
	switch {
	case rec.ID == "":
		return errors.New("store: a task needs an id")
	case rec.CreatedAt.IsZero():
		return fmt.Errorf("store: task %q has no CreatedAt", rec.ID)
	case rec.TTL <= 0:
		return fmt.Errorf("store: task %q has TTL %v; it must be > 0", rec.ID, rec.TTL)
	}
	return nil
}

// ExpiresAt is when the store forgets the task.
func (r *TaskRecord) ExpiresAt() time.Time { return r.CreatedAt.Add(r.TTL) }

// Clone returns a deep copy (the byte slices are copied).
func (r *TaskRecord) Clone() *TaskRecord {
	c := *r
	c.Result = cloneBytes(r.Result)
	c.Error = cloneBytes(r.Error)
	c.InputRequests = cloneBytes(r.InputRequests)
	c.InputResponses = cloneBytes(r.InputResponses)
	return &c
}

func cloneBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}

// TaskStore keeps tasks so that a task created on one node is read, updated and cancelled on any other.
// Every method is safe for concurrent use by many nodes.
type TaskStore interface {
	// CreateTask stores a new task. rec needs an ID, a CreatedAt and a TTL > 0 (CheckNewTask); CreateTask
	// returns an error otherwise. maxPerOwner > 0 bounds the live (not expired) tasks of rec.Owner:
	// ErrLimit when it is reached, checked and stored at once. ErrExists when the id is taken. When it
	// returns nil, GetTask on any node finds the task.
	CreateTask(ctx context.Context, rec *TaskRecord, maxPerOwner int) error
	// GetTask returns a copy of the task; ErrNotFound when it does not exist or expired.
	GetTask(ctx context.Context, id string) (*TaskRecord, error)
	// UpdateTask applies fn to the current record and stores the result atomically (fn may run more than
	// once when another writer raced; it must only change the record). fn returning an error aborts the
	// update and UpdateTask returns it. The store increments Version. When the stored task is already
	// terminal and fn changes Status, UpdateTask returns ErrTaskTerminal and stores nothing. ID, Owner and
	// CreatedAt cannot be changed. Returns the stored record.
	UpdateTask(ctx context.Context, id string, fn func(*TaskRecord) error) (*TaskRecord, error)
	// ListTasks returns the live tasks of owner, oldest first (in one process in the order of the
	// CreateTask calls; a store shared by nodes orders by CreatedAt, ties in an order of its choice), at
	// most limit per page (limit <= 0: 100), from the page cursor names ("" for the first); next is "" after
	// the last page. An unknown or malformed cursor is ErrNotFound; a cursor naming a task deleted since
	// still leads on.
	ListTasks(ctx context.Context, owner, cursor string, limit int) (tasks []*TaskRecord, next string, err error)
	// DeleteTask forgets the task now (nil when it does not exist).
	DeleteTask(ctx context.Context, id string) error
}
