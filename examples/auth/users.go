package main

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/mcpkit/mcpkit/auth"
	"github.com/mcpkit/mcpkit/server"
)

// The scopes of the book's chapter 11, one per kind of access.
const (
	scopeUserRead  = "User.Read"
	scopeUserWrite = "User.Write"
	scopeAdminRead = "Admin.Read"
)

// GetUserArgs are the arguments of get_user.
type GetUserArgs struct {
	ID string `json:"id" jsonschema:"the user's id"`
}

// UpdateUserArgs are the arguments of update_user.
type UpdateUserArgs struct {
	ID   string `json:"id" jsonschema:"the user's id"`
	Name string `json:"name" jsonschema:"the new display name"`
}

// User is a user record.
type User struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	Time    time.Time `json:"time"`
	Subject string    `json:"subject"`
	Action  string    `json:"action"`
}

// AuditLog is the answer of list_audit_log.
type AuditLog struct {
	Entries []AuditEntry `json:"entries"`
}

// directory is the example's in-memory user store and audit log.
type directory struct {
	mu    sync.Mutex
	users map[string]User
	audit []AuditEntry
}

// record appends an audit entry for the caller of ctx (its principal's subject).
func (d *directory) record(ctx context.Context, action string) {
	subject := "(anonymous)"
	if p, ok := auth.PrincipalFrom(ctx); ok {
		subject = p.Subject
	}
	d.audit = append(d.audit, AuditEntry{Time: time.Now().UTC(), Subject: subject, Action: action})
	if len(d.audit) > 1000 {
		d.audit = d.audit[len(d.audit)-1000:]
	}
}

// newServer returns the MCP server of the example: three tools, each needing its own scope. hide leaves out
// of tools/list what the caller's token may not call (server.Options.HideForbidden).
func newServer(hide bool) *server.Server {
	d := &directory{users: map[string]User{
		"1": {ID: "1", Name: "Ada"},
		"2": {ID: "2", Name: "Grace"},
	}}
	s := server.New("users-example", "1.0.0", &server.Options{HideForbidden: hide})
	server.Tool(s, "get_user", "Read a user by id", func(ctx context.Context, in GetUserArgs) (User, error) {
		d.mu.Lock()
		defer d.mu.Unlock()
		u, ok := d.users[in.ID]
		if !ok {
			return User{}, fmt.Errorf("no user %q", in.ID)
		}
		return u, nil
	})
	server.Tool(s, "update_user", "Change a user's display name", func(ctx context.Context, in UpdateUserArgs) (User, error) {
		d.mu.Lock()
		defer d.mu.Unlock()
		u, ok := d.users[in.ID]
		if !ok {
			return User{}, fmt.Errorf("no user %q", in.ID)
		}
		u.Name = in.Name
		d.users[in.ID] = u
		d.record(ctx, "update_user "+in.ID)
		return u, nil
	})
	server.Tool(s, "list_audit_log", "List who changed what", func(ctx context.Context, _ struct{}) (AuditLog, error) {
		d.mu.Lock()
		defer d.mu.Unlock()
		out := AuditLog{Entries: append([]AuditEntry{}, d.audit...)}
		sort.SliceStable(out.Entries, func(i, j int) bool { return out.Entries[i].Time.Before(out.Entries[j].Time) })
		return out, nil
	})
	// The book's PermissionToolMapping: one declaration per tool.
	s.RequireToolScopes("get_user", scopeUserRead)
	s.RequireToolScopes("update_user", scopeUserWrite)
	s.RequireToolScopes("list_audit_log", scopeAdminRead)
	return s
}
