package store

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"
)

// MemoryTasks is a TaskStore in one process. Expired tasks are dropped as they are met and by a sweep that
// runs at most once a second, from any method: no timer, no goroutine (so a store nobody calls keeps what
// expired until its next call). A sweep that leaves the store at a quarter of its peak size copies its maps
// into smaller ones, as Go maps never shrink: a burst of tasks leaves no memory behind once it expired.
type MemoryTasks struct {
	mu        sync.Mutex
	byID      map[string]*memTask
	byOwner   map[string][]*memTask // creation order
	byQuota   map[string][]*memTask // tasks created with a TaskQuota key
	peak      int                   // the most tasks held since the maps were made
	seq       uint64
	lastSweep time.Time
	now       func() time.Time
}

type memTask struct {
	rec   *TaskRecord
	seq   uint64
	quota string // the TaskQuota key it was created with ("" for none)
}

// NewMemoryTasks returns an empty in-memory task store.
func NewMemoryTasks() *MemoryTasks {
	return &MemoryTasks{byID: map[string]*memTask{}, byOwner: map[string][]*memTask{}, byQuota: map[string][]*memTask{}, now: time.Now}
}

func (m *MemoryTasks) expired(t *memTask, now time.Time) bool { return !now.Before(t.rec.ExpiresAt()) }

// sweep drops expired tasks; m.mu is held.
func (m *MemoryTasks) sweep(now time.Time, force bool) {
	if !force && now.Sub(m.lastSweep) < time.Second {
		return
	}
	m.lastSweep = now
	owners, quotas := map[string]bool{}, map[string]bool{}
	for id, t := range m.byID {
		if m.expired(t, now) {
			delete(m.byID, id)
			owners[t.rec.Owner] = true
			if t.quota != "" {
				quotas[t.quota] = true
			}
		}
	}
	// Each owner's list is filtered once (removing its expired tasks one by one would cost the length of
	// the list for each).
	for owner := range owners {
		m.byOwner = m.filterList(m.byOwner, owner, now)
	}
	for q := range quotas {
		m.byQuota = m.filterList(m.byQuota, q, now)
	}
	if len(m.byID) < m.peak/4 {
		// maps.Clone would keep the capacity: copy into maps sized for what is left.
		byID := make(map[string]*memTask, len(m.byID))
		maps.Copy(byID, m.byID)
		byOwner := make(map[string][]*memTask, len(m.byOwner))
		maps.Copy(byOwner, m.byOwner)
		byQuota := make(map[string][]*memTask, len(m.byQuota))
		maps.Copy(byQuota, m.byQuota)
		m.byID, m.byOwner, m.byQuota = byID, byOwner, byQuota
		m.peak = len(m.byID)
	}
}

// filterList drops the expired tasks from lists[key] (a list of byOwner or byQuota); m.mu is held.
func (m *MemoryTasks) filterList(lists map[string][]*memTask, key string, now time.Time) map[string][]*memTask {
	list := slices.DeleteFunc(lists[key], func(t *memTask) bool { return m.expired(t, now) })
	switch {
	case len(list) == 0:
		delete(lists, key)
	case cap(list) > 2*len(list)+8:
		lists[key] = slices.Clone(list)
	default:
		lists[key] = list
	}
	return lists
}

// removeFrom takes t out of lists[key]; m.mu is held.
func removeFrom(lists map[string][]*memTask, key string, t *memTask) {
	list := lists[key]
	if i := slices.Index(list, t); i >= 0 {
		list = slices.Delete(list, i, i+1)
	}
	if len(list) == 0 {
		delete(lists, key)
	} else {
		lists[key] = list
	}
}

func (m *MemoryTasks) removeLocked(id string) {
	t, ok := m.byID[id]
	if !ok {
		return
	}
	delete(m.byID, id)
	removeFrom(m.byOwner, t.rec.Owner, t)
	if t.quota != "" {
		removeFrom(m.byQuota, t.quota, t)
	}
}

// live returns the task when it exists and has not expired; m.mu is held.
func (m *MemoryTasks) live(id string, now time.Time) *memTask {
	t, ok := m.byID[id]
	if !ok {
		return nil
	}
	if m.expired(t, now) {
		m.removeLocked(id)
		return nil
	}
	return t
}

// find sweeps, then returns the task when it exists and has not expired; m.mu is held.
func (m *MemoryTasks) find(id string) *memTask {
	now := m.now()
	m.sweep(now, false)
	return m.live(id, now)
}

// CreateTask implements TaskStore.
func (m *MemoryTasks) CreateTask(ctx context.Context, rec *TaskRecord, maxPerOwner int) error {
	return m.CreateTaskQuota(ctx, rec, maxPerOwner, TaskQuota{})
}

// CreateTaskQuota implements TaskQuotaStore.
func (m *MemoryTasks) CreateTaskQuota(ctx context.Context, rec *TaskRecord, maxPerOwner int, quota TaskQuota) error {
	if err := CheckNewTask(rec); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	m.sweep(now, false)
	if m.live(rec.ID, now) != nil {
		return ErrExists
	}
	if maxPerOwner > 0 && m.liveIn(m.byOwner[rec.Owner], now) >= maxPerOwner {
		return ErrLimit
	}
	if quota.Key != "" && quota.Max > 0 && m.liveIn(m.byQuota[quota.Key], now) >= quota.Max {
		return ErrTaskQuota
	}
	m.seq++
	t := &memTask{rec: rec.Clone(), seq: m.seq, quota: quota.Key}
	m.byID[rec.ID] = t
	m.byOwner[rec.Owner] = append(m.byOwner[rec.Owner], t)
	if quota.Key != "" {
		m.byQuota[quota.Key] = append(m.byQuota[quota.Key], t)
	}
	m.peak = max(m.peak, len(m.byID))
	return nil
}

// liveIn counts the tasks of list that have not expired; m.mu is held.
func (m *MemoryTasks) liveIn(list []*memTask, now time.Time) int {
	n := 0
	for _, t := range list {
		if !m.expired(t, now) {
			n++
		}
	}
	return n
}

// GetTask implements TaskStore.
func (m *MemoryTasks) GetTask(ctx context.Context, id string) (*TaskRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t := m.find(id)
	if t == nil {
		return nil, ErrNotFound
	}
	return t.rec.Clone(), nil
}

// UpdateTask implements TaskStore.
func (m *MemoryTasks) UpdateTask(ctx context.Context, id string, fn func(*TaskRecord) error) (*TaskRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t := m.find(id)
	if t == nil {
		return nil, ErrNotFound
	}
	next := t.rec.Clone()
	if err := fn(next); err != nil {
		return nil, err
	}
	if err := checkTaskUpdate(t.rec, next); err != nil {
		return nil, err
	}
	next.Version = t.rec.Version + 1
	t.rec = next
	return next.Clone(), nil
}

// checkTaskUpdate enforces the rules every TaskStore shares: the identity fields stay, a terminal status
// stays.
func checkTaskUpdate(old, next *TaskRecord) error {
	if TaskTerminal(old.Status) && next.Status != old.Status {
		return ErrTaskTerminal
	}
	next.ID, next.Owner, next.CreatedAt = old.ID, old.Owner, old.CreatedAt
	return nil
}

// CheckTaskUpdate is the rule UpdateTask applies between the stored record and the one fn produced, for
// other implementations: ErrTaskTerminal when a terminal status would change; ID, Owner and CreatedAt are
// restored from old.
func CheckTaskUpdate(old, next *TaskRecord) error { return checkTaskUpdate(old, next) }

// ListTasks implements TaskStore. The cursor is the position after the last task of the previous page.
func (m *MemoryTasks) ListTasks(ctx context.Context, owner, cursor string, limit int) ([]*TaskRecord, string, error) {
	var after uint64
	if cursor != "" {
		n, err := strconv.ParseUint(cursor, 10, 64)
		if err != nil {
			return nil, "", ErrNotFound
		}
		after = n
	}
	if limit <= 0 {
		limit = 100
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	m.sweep(now, false)
	var out []*TaskRecord
	var last uint64
	more := false
	for _, t := range m.byOwner[owner] {
		if t.seq <= after || m.expired(t, now) {
			continue
		}
		if len(out) == limit {
			more = true
			break
		}
		out = append(out, t.rec.Clone())
		last = t.seq
	}
	if !more {
		return out, "", nil
	}
	return out, strconv.FormatUint(last, 10), nil
}

// DeleteTask implements TaskStore.
func (m *MemoryTasks) DeleteTask(ctx context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep(m.now(), false)
	m.removeLocked(id)
	return nil
}

// Len returns how many tasks are held, expired ones included until they are swept (for tests and
// metrics).
func (m *MemoryTasks) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep(m.now(), true)
	return len(m.byID)
}

var _ TaskQuotaStore = (*MemoryTasks)(nil)
