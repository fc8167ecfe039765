package mcp

import (
	"time"

	"github.com/go-json-experiment/json/jsontext"
)

// ResultType says how to read a result (2026-07-28).
type ResultType string

const (
	// ResultComplete marks a final result. An absent resultType (every legacy result) means complete.
	ResultComplete ResultType = "complete"
	// ResultInputRequired marks an InputRequiredResult: the client must gather input and retry.
	ResultInputRequired ResultType = "input_required"
)

// ResultFields are the members every result has. Each result type embeds it.
type ResultFields struct {
	// Meta is the result's _meta.
	Meta *ResultMeta `json:"_meta,omitzero"`
	// ResultType is required in 2026-07-28 and must be left empty for legacy revisions.
	ResultType ResultType `json:"resultType,omitzero"`
	// Extra holds members the result type does not declare (results are open objects).
	Extra map[string]jsontext.Value `json:",embed"`
}

// EffectiveType returns ResultType, reading an absent one as ResultComplete as the spec requires.
func (f ResultFields) EffectiveType() ResultType {
	if f.ResultType == "" {
		return ResultComplete
	}
	return f.ResultType
}

// EmptyResult is a result that carries no data (ping, resources/subscribe, logging/setLevel, …).
type EmptyResult struct {
	ResultFields `json:",embed"`
}

// CacheScope says who may cache a cacheable result (2026-07-28).
type CacheScope string

const (
	// CacheScopePublic: the result has no user-specific data; any client or shared cache may reuse it.
	CacheScopePublic CacheScope = "public"
	// CacheScopePrivate: the result may be reused only within the same authorization context.
	CacheScopePrivate CacheScope = "private"
)

// CacheHints are the caching members of the cacheable results of 2026-07-28 (server/discover, tools/list,
// prompts/list, resources/list, resources/templates/list, resources/read). Both are required there for a
// complete result and must be left empty for legacy revisions and input_required results.
type CacheHints struct {
	// TTLMs is how long, in milliseconds, the result may be considered fresh. 0 is meaningful (immediately
	// stale), so the field is a pointer: nil leaves ttlMs out.
	TTLMs *int64 `json:"ttlMs,omitzero"`
	// CacheScope says who may reuse the result.
	CacheScope CacheScope `json:"cacheScope,omitzero"`
}

// NewCacheHints returns hints with the given freshness (rounded down to milliseconds; negative counts as 0)
// and scope.
func NewCacheHints(ttl time.Duration, scope CacheScope) CacheHints {
	ms := max(ttl.Milliseconds(), 0)
	return CacheHints{TTLMs: &ms, CacheScope: scope}
}

// TTL returns ttlMs as a duration, and whether it was present. A negative ttlMs reads as 0, as the spec asks.
func (h CacheHints) TTL() (time.Duration, bool) {
	if h.TTLMs == nil {
		return 0, false
	}
	return time.Duration(max(*h.TTLMs, 0)) * time.Millisecond, true
}

// RequestParams are the params of a request that has nothing but _meta (server/discover, ping, roots/list).
type RequestParams struct {
	// Meta is the request's _meta (required in 2026-07-28).
	Meta *RequestMeta `json:"_meta,omitzero"`
}

// PaginatedParams are the params of a list request.
type PaginatedParams struct {
	// Meta is the request's _meta (required in 2026-07-28).
	Meta *RequestMeta `json:"_meta,omitzero"`
	// Cursor is the nextCursor of the previous page; empty asks for the first page.
	Cursor string `json:"cursor,omitzero"`
}

// NotificationParams are the params of a notification that has nothing but _meta (the list_changed
// notifications, notifications/initialized, …).
type NotificationParams struct {
	// Meta is the notification's _meta.
	Meta *NotificationMeta `json:"_meta,omitzero"`
}
