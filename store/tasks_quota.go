package store

import (
	"context"
	"fmt"
)

// ErrTaskQuota is returned by TaskQuotaStore.CreateTaskQuota when the quota key's limit is reached (the
// owner's limit returns ErrLimit itself). It wraps ErrLimit: errors.Is(err, ErrLimit) holds for both.
var ErrTaskQuota = fmt.Errorf("%w (the task quota key's)", ErrLimit)

// TaskQuota bounds the live tasks created under one key, besides their owner's limit: the owner decides
// who may see a task, the quota key whose budget it takes. A server uses it where many clients share one
// owner (unauthenticated 2026-07-28 clients, who may use any task whose id they hold), so that one client
// cannot take the places of all.
type TaskQuota struct {
	// Key names the budget ("" for none). Tasks of different owners may share a key.
	Key string
	// Max > 0 bounds the live (not expired) tasks created with Key; 0 means no bound.
	Max int
}

// TaskQuotaStore is a TaskStore that also bounds tasks by a quota key. Both stores of this module
// implement it; a TaskStore without it only has the owner's limit.
type TaskQuotaStore interface {
	TaskStore
	// CreateTaskQuota is CreateTask that also refuses the task with ErrTaskQuota when quota.Key already has
	// quota.Max live tasks. The owner's limit, the quota's and the create are one atomic step: nodes racing
	// for the last place of either cannot pass it. A deleted or expired task frees its place in both.
	CreateTaskQuota(ctx context.Context, rec *TaskRecord, maxPerOwner int, quota TaskQuota) error
}
