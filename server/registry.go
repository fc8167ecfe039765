package server

import (
	"encoding/base64"
	"slices"
	"strings"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
)

// registry is a set of named entries kept in key order, so list results are deterministic (the
// 2026-07-28 spec asks for that, to help client and prompt caches) and pages can resume after a key.
// It is guarded by Server.mu.
type registry[T any] struct {
	byKey map[string]T
	keys  []string // sorted
}

// put adds or replaces the entry under key and reports whether it replaced one.
func (r *registry[T]) put(key string, v T) bool {
	if r.byKey == nil {
		r.byKey = make(map[string]T)
	}
	_, existed := r.byKey[key]
	r.byKey[key] = v
	if !existed {
		i, _ := slices.BinarySearch(r.keys, key)
		r.keys = slices.Insert(r.keys, i, key)
	}
	return existed
}

// remove deletes the entry under key and reports whether there was one.
func (r *registry[T]) remove(key string) bool {
	if _, ok := r.byKey[key]; !ok {
		return false
	}
	delete(r.byKey, key)
	i, _ := slices.BinarySearch(r.keys, key)
	r.keys = slices.Delete(r.keys, i, i+1)
	return true
}

func (r *registry[T]) get(key string) (T, bool) {
	v, ok := r.byKey[key]
	return v, ok
}

// page returns up to size entries after the cursor's key, and the cursor of the next page ("" at the end).
// size < 0 returns everything.
func (r *registry[T]) page(cursor string, size int) ([]T, string, error) {
	start := 0
	if cursor != "" {
		after, err := decodeCursor(cursor)
		if err != nil {
			return nil, "", err
		}
		start, _ = slices.BinarySearch(r.keys, after)
		if start < len(r.keys) && r.keys[start] == after {
			start++
		}
	}
	end := len(r.keys)
	if size >= 0 && start+size < end {
		end = start + size
	}
	out := make([]T, 0, end-start)
	for _, k := range r.keys[start:end] {
		out = append(out, r.byKey[k])
	}
	next := ""
	if end < len(r.keys) {
		next = encodeCursor(r.keys[end-1])
	}
	return out, next, nil
}

const cursorPrefix = "mcpkit1:"

// encodeCursor makes the opaque cursor that resumes after key. It is stable across registry changes: a
// page resumes after the last key the client saw, whatever was added or removed since.
func encodeCursor(key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + key))
}

func decodeCursor(c string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !strings.HasPrefix(string(b), cursorPrefix) {
		return "", &jsonrpc.Error{Code: mcp.CodeInvalidParams, Message: "invalid params: cursor is not one this server issued"}
	}
	return string(b[len(cursorPrefix):]), nil
}
