package server

import (
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/mcpkit/mcpkit/store"
)

// TaskOptions configures tasks: tool calls that run detached from their request and are polled (both the
// 2025-11-25 shape and the 2026-07-28 extension io.modelcontextprotocol/tasks). The zero value is usable;
// every limit has a default and nothing is kept forever (docs/TASKS.md).
type TaskOptions struct {
	// Store keeps the tasks. Every node behind one endpoint must share it (store/redis) so that a task
	// created on one node is polled, answered and cancelled on any other. Nil keeps them in this process
	// (store.NewMemoryTasks).
	Store store.TaskStore
	// TTL is how long a task is kept from its creation when the client asks for no retention (the ttl of a
	// 2025-11-25 task-augmented request). Zero means 1 hour.
	TTL time.Duration
	// MaxTTL caps the retention a client may ask for (and TTL). Zero means 24 hours. A task is never kept
	// without a limit: a client asking for "unlimited" gets MaxTTL.
	MaxTTL time.Duration
	// PollInterval is the polling interval suggested to clients (pollIntervalMs / pollInterval). The node
	// running a task also re-reads the task's record this often, to see a cancellation or an answer that
	// another node received while the Bus lost its message. Zero means 1 second.
	PollInterval time.Duration
	// MaxPerOwner bounds the live (not expired, finished ones included) tasks of one owner: a legacy
	// session, or the principal of 2026-07-28 requests (Options.Principal; all unauthenticated modern
	// clients share one owner). A call past it fails with a -32603 error saying so. Zero means 1000;
	// negative means no limit.
	MaxPerOwner int
	// LeaseTTL is how long a task stays "working" after its node last renewed its claim on it. The
	// running node renews it every LeaseTTL/3; when a node dies, any node that reads the task after the
	// lease lapsed reports it failed ("the node running this task stopped"). Zero means 15 seconds.
	LeaseTTL time.Duration
	// Node names this node in task records (for operators reading the store). Empty picks a random name.
	Node string
}

// Task defaults (docs/TASKS.md, "Limits").
const (
	defaultTaskTTL          = time.Hour
	defaultTaskMaxTTL       = 24 * time.Hour
	defaultTaskPollInterval = time.Second
	defaultTaskMaxPerOwner  = 1000
	defaultTaskLeaseTTL     = 15 * time.Second
)

// withDefaults returns o with every zero value replaced by its default.
func (o TaskOptions) withDefaults() TaskOptions {
	if o.Store == nil {
		o.Store = store.NewMemoryTasks()
	}
	if o.MaxTTL <= 0 {
		o.MaxTTL = defaultTaskMaxTTL
	}
	if o.TTL <= 0 {
		o.TTL = defaultTaskTTL
	}
	o.TTL = min(o.TTL, o.MaxTTL)
	if o.PollInterval <= 0 {
		o.PollInterval = defaultTaskPollInterval
	}
	if o.MaxPerOwner == 0 {
		o.MaxPerOwner = defaultTaskMaxPerOwner
	}
	if o.LeaseTTL <= 0 {
		o.LeaseTTL = defaultTaskLeaseTTL
	}
	if o.Node == "" {
		var b [6]byte
		_, _ = rand.Read(b[:])
		o.Node = "node-" + hex.EncodeToString(b[:])
	}
	return o
}

// ttlFor returns the retention of a new task: the client's request (milliseconds; nil for the default),
// capped at MaxTTL.
func (o *TaskOptions) ttlFor(requestedMs *int64) time.Duration {
	if requestedMs == nil || *requestedMs <= 0 {
		return o.TTL
	}
	d := time.Duration(*requestedMs) * time.Millisecond
	if d <= 0 || d > o.MaxTTL { // overflow or past the cap
		return o.MaxTTL
	}
	return d
}

// newTaskID returns an unguessable task id (128 random bits): for a 2026-07-28 client it is the only
// credential that names the task.
func newTaskID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
