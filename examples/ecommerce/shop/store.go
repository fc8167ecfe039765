package shop

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"
)

// Store is the shop's database: SQLite or PostgreSQL behind database/sql.
type Store struct {
	db *sql.DB
	d  dialect
}

// DefaultDSN is the database the example uses without --db: a SQLite file in the user's cache directory
// (the temporary directory when there is none), kept between runs.
func DefaultDSN() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return "sqlite:" + filepath.Join(dir, "mcpkit-ecommerce", "shop.db")
}

// Open connects to the database dsn names and brings its schema up to date:
//
//   - sqlite:PATH — a SQLite file (created with its directory when missing), in WAL mode, writers taking
//     turns (BEGIN IMMEDIATE, waiting up to 10 s for the lock);
//   - sqlite::memory: — a private in-memory SQLite database, gone when the process ends (one connection:
//     every connection to :memory: would be a database of its own);
//   - postgres://… or postgresql://… — PostgreSQL, a pgx connection string.
func Open(ctx context.Context, dsn string) (*Store, error) {
	var (
		s   Store
		err error
	)
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		s.d = postgresDialect
		if s.db, err = sql.Open("pgx", dsn); err != nil {
			return nil, err
		}
		s.db.SetMaxOpenConns(20)
	case dsn == "sqlite::memory:":
		s.d = sqliteDialect
		if s.db, err = sql.Open("sqlite", "file::memory:?_pragma=foreign_keys(1)"); err != nil {
			return nil, err
		}
		s.db.SetMaxOpenConns(1)
		s.db.SetMaxIdleConns(1)
		s.db.SetConnMaxLifetime(0)
		s.db.SetConnMaxIdleTime(0)
	case strings.HasPrefix(dsn, "sqlite:"):
		s.d = sqliteDialect
		path := strings.TrimPrefix(dsn, "sqlite:")
		if path == "" || strings.ContainsAny(path, "?#") {
			return nil, fmt.Errorf("shop: %q: want sqlite:PATH with a plain file path (no ? or #), or sqlite::memory: for a database in memory", dsn)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("shop: %w", err)
		}
		// _txlock=immediate: every transaction takes the write lock at BEGIN, so two purchases never both
		// read the stock and then both fail to upgrade (SQLITE_BUSY without waiting).
		conn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
		if s.db, err = sql.Open("sqlite", conn); err != nil {
			return nil, err
		}
		s.db.SetMaxOpenConns(8)
	default:
		return nil, fmt.Errorf("shop: unknown database %q: want sqlite:PATH, sqlite::memory: or postgres://…", redact(dsn))
	}
	if err := s.db.PingContext(ctx); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("shop: connecting to %s: %w", redact(dsn), err)
	}
	if err := s.migrate(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	return &s, nil
}

// Dialect names the database: "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.d.name }

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// redact hides the password of a URL-shaped dsn in messages.
func redact(dsn string) string {
	scheme, rest, ok := strings.Cut(dsn, "://")
	if !ok {
		return dsn
	}
	at := strings.LastIndex(rest, "@")
	if slash := strings.Index(rest, "/"); slash >= 0 && at > slash {
		at = -1
	}
	if at < 0 {
		return dsn
	}
	user, _, hasPw := strings.Cut(rest[:at], ":")
	if !hasPw {
		return dsn
	}
	return scheme + "://" + user + ":xxxxx" + rest[at:]
}

// inTx runs fn in a transaction and commits it, or rolls it back when fn fails.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return errors.Join(err, ignoreDone(tx.Rollback()))
	}
	return tx.Commit()
}

func ignoreDone(err error) error {
	if errors.Is(err, sql.ErrTxDone) {
		return nil
	}
	return err
}
