package redis

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/go-json-experiment/json"
	goredis "github.com/redis/go-redis/v9"

	"github.com/mcpkit/mcpkit/store"
)

// TaskStore is a store.TaskStore on Redis, shared by every node: one hash per task expiring at
// CreatedAt+TTL, and per owner two sorted sets (creation order for ListTasks, expiry for the limit) that
// the scripts prune as they read them (tasks_lua.go has the layout). CreateTask (limit check and create),
// GetTask, ListTasks and DeleteTask are one round trip each; UpdateTask two (read, then a compare-and-set
// on the version), plus one for each writer that changed the task in between. Every key expires: nothing
// is left once the tasks expired.
//
// All task keys carry the hash tag {t}: on Redis Cluster they live in one slot (one shard), which the
// limit check needs (the task and its owner's indexes in one script). A task is a few operations in its
// life, so one shard carries many nodes' tasks.
type TaskStore struct {
	c    goredis.UniversalClient
	opts Options
	now  func() time.Time // the clock of expiry (tests set it)
}

var _ store.TaskStore = (*TaskStore)(nil)

// maxUpdateAttempts bounds UpdateTask's compare-and-set attempts: each failed one means another writer
// stored a newer version meanwhile, so only a task updated this often at the same moment reaches it.
const maxUpdateAttempts = 100

func (st *TaskStore) taskPrefix() string    { return st.opts.Prefix + "{t}:t:" }
func (st *TaskStore) key(id string) string  { return st.taskPrefix() + id }
func (st *TaskStore) createdPrefix() string { return st.opts.Prefix + "{t}:c:" }
func (st *TaskStore) expiryPrefix() string  { return st.opts.Prefix + "{t}:x:" }
func (st *TaskStore) indexes(owner string) []string {
	return []string{st.createdPrefix() + owner, st.expiryPrefix() + owner}
}

// memberLen is the length of an index member's creation time and colon: "<20 digits>:".
const memberLen = 21

// member is the task's entry in its owner's indexes: its creation time, fixed width, then its id.
func member(rec *store.TaskRecord) string {
	return fmt.Sprintf("%020d:%s", max(rec.CreatedAt.UnixNano(), 0), rec.ID)
}

// validCursor reports whether c has the shape of a member.
func validCursor(c string) bool {
	if len(c) <= memberLen || c[memberLen-1] != ':' {
		return false
	}
	for _, b := range []byte(c[:memberLen-1]) {
		if b < '0' || b > '9' {
			return false
		}
	}
	return true
}

// expiryMillis is when the task's key expires in Unix ms, rounded up: never before ExpiresAt.
func expiryMillis(rec *store.TaskRecord) int64 {
	ns := rec.ExpiresAt().UnixNano()
	return (ns + int64(time.Millisecond) - 1) / int64(time.Millisecond)
}

// taskDoc is the JSON of a task in its hash (field d): the record without its payloads, which are fields
// of their own, stored as they are.
type taskDoc struct {
	Owner           string    `json:"o,omitzero"`
	Method          string    `json:"m,omitzero"`
	Name            string    `json:"n,omitzero"`
	Era             string    `json:"era,omitzero"`
	Status          string    `json:"s"`
	StatusMessage   string    `json:"sm,omitzero"`
	CreatedAt       time.Time `json:"c"`
	UpdatedAt       time.Time `json:"u"`
	TTL             int64     `json:"ttl"` // ns
	PollInterval    int64     `json:"pi,omitzero"`
	Node            string    `json:"node,omitzero"`
	LeaseUntil      time.Time `json:"lease,omitzero"`
	CancelRequested bool      `json:"cancel,omitzero"`
	Version         int64     `json:"v"`
}

// encodeTask returns the task's JSON, its payload mask and its payloads. The mask has one letter per
// payload: "1" store it, "0" delete it (absent), "k" keep what is stored — a payload equal to prev's (the
// record an update compares against), so that an update sends only the payloads it changed.
func encodeTask(rec, prev *store.TaskRecord) (doc []byte, mask string, payloads [4]any, err error) {
	doc, err = json.Marshal(taskDoc{Owner: rec.Owner, Method: rec.Method, Name: rec.Name, Era: rec.Era,
		Status: rec.Status, StatusMessage: rec.StatusMessage, CreatedAt: rec.CreatedAt, UpdatedAt: rec.UpdatedAt,
		TTL: int64(rec.TTL), PollInterval: int64(rec.PollInterval), Node: rec.Node, LeaseUntil: rec.LeaseUntil,
		CancelRequested: rec.CancelRequested, Version: rec.Version})
	if err != nil {
		return nil, "", payloads, fmt.Errorf("store/redis: encoding task %q: %w", rec.ID, err)
	}
	var old [4][]byte
	if prev != nil {
		old = [4][]byte{prev.Result, prev.Error, prev.InputRequests, prev.InputResponses}
	}
	m := []byte("0000")
	for i, p := range [][]byte{rec.Result, rec.Error, rec.InputRequests, rec.InputResponses} {
		payloads[i] = ""
		switch {
		case prev != nil && (p == nil) == (old[i] == nil) && bytes.Equal(p, old[i]):
			m[i] = 'k'
		case p != nil:
			m[i] = '1'
			payloads[i] = p
		}
	}
	return doc, string(m), payloads, nil
}

// decodeTask rebuilds task id from a reply's d and the four payloads (nil where absent).
func decodeTask(id string, vals []any) (*store.TaskRecord, error) {
	if len(vals) != 5 {
		return nil, fmt.Errorf("store/redis: task %q: %d values read, want 5", id, len(vals))
	}
	d, ok := vals[0].(string)
	if !ok {
		return nil, store.ErrNotFound
	}
	var doc taskDoc
	if err := json.Unmarshal([]byte(d), &doc); err != nil {
		return nil, fmt.Errorf("store/redis: task %q holds undecodable JSON: %w", id, err)
	}
	var p [4][]byte
	for i, v := range vals[1:] {
		if s, ok := v.(string); ok {
			p[i] = []byte(s)
		}
	}
	return &store.TaskRecord{ID: id, Owner: doc.Owner, Method: doc.Method, Name: doc.Name, Era: doc.Era,
		Status: doc.Status, StatusMessage: doc.StatusMessage, CreatedAt: doc.CreatedAt, UpdatedAt: doc.UpdatedAt,
		TTL: time.Duration(doc.TTL), PollInterval: time.Duration(doc.PollInterval), Result: p[0], Error: p[1],
		InputRequests: p[2], InputResponses: p[3], Node: doc.Node, LeaseUntil: doc.LeaseUntil,
		CancelRequested: doc.CancelRequested, Version: doc.Version}, nil
}

// CreateTask implements store.TaskStore: one script checks the id, prunes the owner's expired tasks,
// checks the limit and stores the task, atomically on every node's behalf.
func (st *TaskStore) CreateTask(ctx context.Context, rec *store.TaskRecord, maxPerOwner int) error {
	if err := store.CheckNewTask(rec); err != nil {
		return err
	}
	doc, mask, p, err := encodeTask(rec, nil)
	if err != nil {
		return err
	}
	keys := append([]string{st.key(rec.ID)}, st.indexes(rec.Owner)...)
	res, err := createTaskScript.Run(ctx, st.c, append(keys, st.opts.Prefix+"{t}:k:"+rec.Owner),
		member(rec), expiryMillis(rec), st.now().UnixMilli(), max(maxPerOwner, 0), st.taskPrefix(), doc,
		rec.Version, rec.Owner, mask, p[0], p[1], p[2], p[3]).Text()
	if err != nil {
		return fmt.Errorf("store/redis: creating task %q: %w", rec.ID, err)
	}
	switch res {
	case "ok":
		return nil
	case "exists":
		return store.ErrExists
	case "limit":
		return store.ErrLimit
	}
	return fmt.Errorf("store/redis: creating task %q: the script answered %q", rec.ID, res)
}

// GetTask implements store.TaskStore (one HMGET).
func (st *TaskStore) GetTask(ctx context.Context, id string) (*store.TaskRecord, error) {
	vals, err := st.c.HMGet(ctx, st.key(id), "d", "r", "e", "q", "a").Result()
	if err != nil {
		return nil, fmt.Errorf("store/redis: reading task %q: %w", id, err)
	}
	return st.live(id, vals)
}

// live decodes a task read from Redis; ErrNotFound when it is absent or expired by this node's clock (its
// key may outlive its expiry by the skew between this node's clock and Redis's).
func (st *TaskStore) live(id string, vals []any) (*store.TaskRecord, error) {
	rec, err := decodeTask(id, vals)
	if err != nil {
		return nil, err
	}
	if !st.now().Before(rec.ExpiresAt()) {
		return nil, store.ErrNotFound
	}
	return rec, nil
}

// UpdateTask implements store.TaskStore: it reads the task, applies fn, and stores the result with a
// script that compares the version; when another writer stored a newer one meanwhile, the script returns
// it and fn runs again on it (at most maxUpdateAttempts times).
func (st *TaskStore) UpdateTask(ctx context.Context, id string, fn func(*store.TaskRecord) error) (*store.TaskRecord, error) {
	cur, err := st.GetTask(ctx, id)
	if err != nil {
		return nil, err
	}
	key := st.key(id)
	for attempt := 1; ; attempt++ {
		next := cur.Clone()
		if err := fn(next); err != nil {
			return nil, err
		}
		if err := store.CheckTaskUpdate(cur, next); err != nil {
			return nil, err
		}
		next.Version = cur.Version + 1
		doc, mask, p, err := encodeTask(next, cur)
		if err != nil {
			return nil, err
		}
		expiry := ""
		if next.TTL != cur.TTL {
			expiry = strconv.FormatInt(expiryMillis(next), 10)
		}
		res, err := updateTaskScript.Run(ctx, st.c, []string{key}, cur.Version, next.Version, doc, mask,
			p[0], p[1], p[2], p[3], expiry, st.createdPrefix(), st.expiryPrefix()).Result()
		if errors.Is(err, goredis.Nil) {
			return nil, store.ErrNotFound
		}
		if err != nil {
			return nil, fmt.Errorf("store/redis: updating task %q: %w", id, err)
		}
		if res == "ok" {
			return next, nil
		}
		vals, ok := res.([]any)
		if !ok || len(vals) != 6 {
			return nil, fmt.Errorf("store/redis: updating task %q: the script answered %v", id, res)
		}
		if attempt == maxUpdateAttempts {
			return nil, fmt.Errorf("store/redis: task %q was changed by another writer %d times in a row while updating it; gave up", id, attempt)
		}
		if cur, err = st.live(id, vals[1:]); err != nil {
			return nil, err
		}
	}
}

// ListTasks implements store.TaskStore (one script). The cursor is the index member of the last task of
// the previous page.
func (st *TaskStore) ListTasks(ctx context.Context, owner, cursor string, limit int) ([]*store.TaskRecord, string, error) {
	start := "-"
	if cursor != "" {
		if !validCursor(cursor) {
			return nil, "", store.ErrNotFound
		}
		start = "(" + cursor
	}
	if limit <= 0 {
		limit = 100
	}
	res, err := listTasksScript.Run(ctx, st.c, st.indexes(owner), st.now().UnixMilli(), start, limit, st.taskPrefix()).Slice()
	if err != nil && !errors.Is(err, goredis.Nil) {
		return nil, "", fmt.Errorf("store/redis: listing tasks: %w", err)
	}
	if len(res)%6 != 0 {
		return nil, "", fmt.Errorf("store/redis: listing tasks: %d values returned, not 6 per task", len(res))
	}
	n := len(res) / 6
	more := n > limit // the script returns one task more than a page when there is one
	n = min(n, limit)
	var out []*store.TaskRecord
	var last string
	for i := range n {
		m, _ := res[6*i].(string)
		if len(m) <= memberLen {
			return nil, "", fmt.Errorf("store/redis: listing tasks: malformed index member %q", m)
		}
		last = m
		rec, err := st.live(m[memberLen:], res[6*i+1:6*i+6])
		if errors.Is(err, store.ErrNotFound) {
			continue // expired by this node's clock within the millisecond the script counted it live
		}
		if err != nil {
			return nil, "", err
		}
		out = append(out, rec)
	}
	if !more {
		last = ""
	}
	return out, last, nil
}

// DeleteTask implements store.TaskStore (one script: the task and its index members).
func (st *TaskStore) DeleteTask(ctx context.Context, id string) error {
	if err := deleteTaskScript.Run(ctx, st.c, []string{st.key(id)}, st.createdPrefix(), st.expiryPrefix()).Err(); err != nil {
		return fmt.Errorf("store/redis: deleting task %q: %w", id, err)
	}
	return nil
}
