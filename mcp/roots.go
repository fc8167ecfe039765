package mcp

// Roots (roots/list) let a server learn which directories or files the client wants it to work on. roots/list
// is a server → client request in the legacy revisions and an input request of a multi round-trip request in
// 2026-07-28, where it is deprecated.

// ListRootsParams are the params of roots/list: only _meta, and optional.
type ListRootsParams = RequestParams

// ListRootsResult is the result of roots/list.
type ListRootsResult struct {
	ResultFields `json:",embed"`
	// Roots are the client's roots.
	Roots []Root `json:"roots"`
}

// Root is a directory or file the server may work on.
type Root struct {
	// URI identifies the root; it must be a file:// URI.
	URI string `json:"uri"`
	// Name is a display name.
	Name string `json:"name,omitzero"`
	// Meta is the root's _meta (2025-06-18 and later).
	Meta Meta `json:"_meta,omitzero"`
}

// RootsListChangedParams are the params of notifications/roots/list_changed (legacy revisions).
type RootsListChangedParams = NotificationParams
