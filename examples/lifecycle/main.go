// Command lifecycle is the MCP book's server with a resource opened at start and closed at shutdown: a
// SQLite database (modernc.org/sqlite, pure Go) opened before the server serves, read and written by its
// tools, and closed only after the server has stopped and its running calls have finished. SIGINT or
// SIGTERM starts the shutdown: HTTP stops taking requests and drains, the server closes, then the database.
//
//	go run ./examples/lifecycle                          # in-memory database, HTTP at 127.0.0.1:8000/mcp
//	go run ./examples/lifecycle --db /tmp/notes.db       # a file that outlives the process
//	go run ./examples/lifecycle --stdio                  # over stdin/stdout
//
// See README.md in this directory.
package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"

	"github.com/mcpkit/mcpkit/internal/exampleserve"
	"github.com/mcpkit/mcpkit/server"
)

// NoteArgs are the arguments of add_note.
type NoteArgs struct {
	Text string `json:"text" jsonschema:"description=the note,minLength=1,maxLength=1000"`
}

// NotesResult is what list_notes returns.
type NotesResult struct {
	Notes []Note `json:"notes"`
}

// New returns the server whose tools use notes; notes must stay open while the server serves.
func New(notes *Notes) *server.Server {
	s := server.New("lifecycle", "0.1.0", &server.Options{Instructions: "Notes kept in a SQLite database: list_notes and add_note."})
	server.Tool(s, "list_notes", "List the notes in the database", func(ctx context.Context, _ struct{}) (*NotesResult, error) {
		list, err := notes.List(ctx)
		if err != nil {
			return nil, err
		}
		return &NotesResult{Notes: list}, nil
	})
	server.Tool(s, "add_note", "Add a note to the database", func(ctx context.Context, in NoteArgs) (Note, error) {
		return notes.Add(ctx, in.Text)
	})
	return s
}

// run opens the database, serves until ctx ends, then closes in order: the transport drains and stops
// (Serve returns), the server closes, and only then the database. opened, when set, is given the
// database once it is open (tests watch it).
func run(ctx context.Context, f exampleserve.Flags, path string, opened func(*Notes)) (err error) {
	notes, err := OpenNotes(ctx, path)
	if err != nil {
		return err
	}
	slog.Info("lifecycle: database opened", "db", path)
	defer func() {
		err = errors.Join(err, notes.Close())
		slog.Info("lifecycle: database closed")
	}()
	if opened != nil {
		opened(notes)
	}
	s := New(notes)
	defer s.Close() // before the database: deferred calls run last-in first-out
	return exampleserve.Serve(ctx, s, f)
}

func main() {
	db := flag.String("db", ":memory:", "SQLite database file, or :memory:")
	exampleserve.Main("lifecycle", func(ctx context.Context, f exampleserve.Flags) error {
		return run(ctx, f, *db, nil)
	})
}
