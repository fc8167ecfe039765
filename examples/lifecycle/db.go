package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	_ "modernc.org/sqlite" // registers "sqlite": pure Go, no cgo
)

// Notes is the example's database: a SQLite file (or memory) holding notes.
type Notes struct {
	db *sql.DB
	// beforeList, when set, runs at the start of List (tests hold a call in flight with it).
	beforeList func()
}

// OpenNotes opens the database at path (":memory:" for a private in-memory one), creates its table and
// the first note when new, and checks it answers.
func OpenNotes(ctx context.Context, path string) (*Notes, error) {
	if path == "" {
		return nil, errors.New("notes: no database path (give --db PATH or :memory:)")
	}
	dsn := "file:" + path + "?_pragma=busy_timeout(5000)"
	if path == ":memory:" {
		dsn = "file::memory:"
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("notes: %w", err)
	}
	if path == ":memory:" {
		db.SetMaxOpenConns(1) // every connection would have its own memory database
	}
	n := &Notes{db: db}
	if err := n.init(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("notes: %s: %w", path, err)
	}
	return n, nil
}

func (n *Notes) init(ctx context.Context) error {
	if _, err := n.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS notes (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		text TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 1000))`); err != nil {
		return err
	}
	_, err := n.db.ExecContext(ctx, `INSERT INTO notes (text) SELECT 'The database was opened at start.' WHERE NOT EXISTS (SELECT 1 FROM notes)`)
	return err
}

// Note is one row.
type Note struct {
	ID   int64  `json:"id"`
	Text string `json:"text"`
}

// List returns every note, oldest first.
func (n *Notes) List(ctx context.Context) ([]Note, error) {
	if n.beforeList != nil {
		n.beforeList()
	}
	rows, err := n.db.QueryContext(ctx, `SELECT id, text FROM notes ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Note{}
	for rows.Next() {
		var nt Note
		if err := rows.Scan(&nt.ID, &nt.Text); err != nil {
			return nil, err
		}
		out = append(out, nt)
	}
	return out, rows.Err()
}

// Add stores a note and returns it.
func (n *Notes) Add(ctx context.Context, text string) (Note, error) {
	res, err := n.db.ExecContext(ctx, `INSERT INTO notes (text) VALUES (?)`, text)
	if err != nil {
		return Note{}, err
	}
	id, err := res.LastInsertId()
	return Note{ID: id, Text: text}, err
}

// Ping reports whether the database still answers (an error once it is closed).
func (n *Notes) Ping(ctx context.Context) error { return n.db.PingContext(ctx) }

// Close closes the database.
func (n *Notes) Close() error { return n.db.Close() }
