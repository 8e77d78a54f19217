// Package db opens Tepat's database on either engine — embedded SQLite
// (the default) or PostgreSQL — applies the embedded migrations, and offers
// the small surface every store is written against: Exec, Query, QueryRow
// and transactions, with SQL written once in PostgreSQL's `$N` style.
//
// Per-engine code lives here and only here: connection setup, placeholder
// translation, type spelling in migrations, and bulk load (COPY on
// PostgreSQL, batched prepared inserts on SQLite).
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "github.com/ncruces/go-sqlite3/driver"

	"tepat"
)

// Engine names the database engine behind a DB.
type Engine string

// The two engines Tepat runs on.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// DefaultDSN is used when neither --db nor TEPAT_DB is given.
const DefaultDSN = "sqlite:tepat.db"

// sqliteTimeFormat is fixed-width so that stored times sort as text.
const sqliteTimeFormat = "2006-01-02T15:04:05.000000Z07:00"

// DB is an open database. It is safe for concurrent use.
type DB struct {
	engine Engine
	sql    *sql.DB
	rebind sync.Map // query → engine-specific query
}

// Open connects to dsn ("sqlite:PATH", "sqlite::memory:" is not supported
// because every connection would see its own database; or a postgres:// URL),
// checks the connection and applies pending migrations. It refuses a database
// whose schema is newer than this binary knows.
func Open(ctx context.Context, dsn string) (*DB, error) {
	db, err := OpenNoMigrate(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// OpenNoMigrate connects to dsn without touching the schema.
func OpenNoMigrate(ctx context.Context, dsn string) (*DB, error) {
	if dsn == "" {
		dsn = DefaultDSN
	}
	var (
		db  = &DB{}
		err error
	)
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		db.engine = SQLite
		path := strings.TrimPrefix(dsn, "sqlite:")
		path = strings.TrimPrefix(path, "//")
		if path == "" || strings.HasPrefix(path, ":memory:") {
			return nil, tepat.Errorf(tepat.EINVALID, "database SQLite butuh path file, mis. sqlite:tepat.db")
		}
		if dir := filepath.Dir(path); dir != "." {
			if _, statErr := os.Stat(dir); statErr != nil {
				return nil, tepat.Errorf(tepat.EINVALID, "folder database %q tidak ada", dir)
			}
		}
		q := url.Values{}
		q.Set("_txlock", "immediate")
		q.Set("_timefmt", sqliteTimeFormat)
		// 16 KiB pages: shallower B-trees for 10^8-row tables (applies to new files).
		q.Add("_pragma", "page_size(16384)")
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "journal_mode(wal)")
		q.Add("_pragma", "foreign_keys(1)")
		// FULL: a transaction acknowledged is on disk even after power loss.
		q.Add("_pragma", "synchronous(full)")
		q.Add("_pragma", "cache_size(-65536)")
		db.sql, err = sql.Open("sqlite3", "file:"+(&url.URL{Path: path}).EscapedPath()+"?"+q.Encode())
		if err == nil {
			db.sql.SetMaxOpenConns(8)
			db.sql.SetMaxIdleConns(8)
			db.sql.SetConnMaxIdleTime(5 * time.Minute)
		}
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		db.engine = Postgres
		db.sql, err = sql.Open("pgx", dsn)
		if err == nil {
			db.sql.SetMaxOpenConns(16)
			db.sql.SetMaxIdleConns(16)
			db.sql.SetConnMaxIdleTime(5 * time.Minute)
		}
	default:
		return nil, tepat.Errorf(tepat.EINVALID,
			"alamat database tidak dikenal: pakai sqlite:PATH atau postgres://… (diberikan: %q)", redact(dsn))
	}
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := db.sql.PingContext(pctx); err != nil {
		db.sql.Close()
		return nil, &tepat.Error{Code: tepat.EINTERNAL, Reason: "DATABASE_TIDAK_TERBUKA",
			Message: fmt.Sprintf("database %s tidak dapat dibuka", redact(dsn)), Err: err}
	}
	return db, nil
}

// redact hides a password in a URL so a DSN can be shown to people.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// Close closes the database.
func (db *DB) Close() error { return db.sql.Close() }

// SQL returns the underlying *sql.DB for the few callers that need it (bulk
// load, tests).
func (db *DB) SQL() *sql.DB { return db.sql }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.sql.PingContext(ctx) }

// q returns the query in the engine's placeholder style. SQLite would bind
// `$1` by order of first appearance, not by number, so it gets `?1`.
func (db *DB) q(query string) string {
	if db.engine != SQLite {
		return query
	}
	if v, ok := db.rebind.Load(query); ok {
		return v.(string)
	}
	out := rebind(query)
	db.rebind.Store(query, out)
	return out
}

// rebind turns `$N` placeholders outside string literals into `?N`.
func rebind(query string) string {
	var b strings.Builder
	b.Grow(len(query))
	inStr := false
	for i := 0; i < len(query); i++ {
		c := query[i]
		if c == '\'' {
			inStr = !inStr
		}
		if c == '$' && !inStr && i+1 < len(query) && query[i+1] >= '0' && query[i+1] <= '9' {
			c = '?'
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Querier is what both *DB and *Tx offer, so that store functions can run
// inside or outside a transaction.
type Querier interface {
	Exec(ctx context.Context, query string, args ...any) (sql.Result, error)
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
	Engine() Engine
}

// Exec runs a statement.
func (db *DB) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := db.sql.ExecContext(ctx, db.q(query), args...)
	return res, Translate(err)
}

// Query runs a query returning rows.
func (db *DB) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := db.sql.QueryContext(ctx, db.q(query), args...)
	return rows, Translate(err)
}

// QueryRow runs a query returning at most one row. Use Translate on the
// error of Scan to turn sql.ErrNoRows into a domain error.
func (db *DB) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return db.sql.QueryRowContext(ctx, db.q(query), args...)
}

// Engine reports which engine the database runs on.
func (db *DB) Engine() Engine { return db.engine }

// Translate turns driver errors into domain errors at the storage edge:
// sql.ErrNoRows → ENOTFOUND, unique violations → ECONFLICT. Other errors are
// returned unchanged.
func Translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return &tepat.Error{Code: tepat.ENOTFOUND, Message: "data tidak ditemukan", Err: err}
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return &tepat.Error{Code: tepat.ECONFLICT, Message: "data sudah ada", Err: err}
	}
	if strings.Contains(err.Error(), "UNIQUE constraint failed") {
		return &tepat.Error{Code: tepat.ECONFLICT, Message: "data sudah ada", Err: err}
	}
	return err
}

// TimeParam returns placeholder $n written so that the engine knows it is
// a time where it could not infer it (in a SELECT list): PostgreSQL needs
// an explicit type there, SQLite takes the value as it comes.
func TimeParam(e Engine, n int) string {
	if e == Postgres {
		return fmt.Sprintf("$%d::timestamptz", n)
	}
	return fmt.Sprintf("$%d", n)
}

// Time scans a time that SQLite may return as text: computed columns
// (MAX(at), a subquery) carry no declared type there, so the driver gives
// the stored text rather than a time.Time. NULL leaves Valid false.
type Time struct {
	Time  time.Time
	Valid bool
}

// Ptr returns the time in UTC, or nil for NULL: the form optional times
// take in Tepat's structs.
func (t Time) Ptr() *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

// Scan implements sql.Scanner.
func (t *Time) Scan(src any) error {
	t.Valid = src != nil
	switch v := src.(type) {
	case nil:
		t.Time = time.Time{}
		return nil
	case time.Time:
		t.Time = v.UTC()
		return nil
	case string:
		return t.parse(v)
	case []byte:
		return t.parse(string(v))
	}
	return fmt.Errorf("db: cannot scan %T as a time", src)
}

func (t *Time) parse(s string) error {
	for _, layout := range []string{sqliteTimeFormat, time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05"} {
		if v, err := time.Parse(layout, s); err == nil {
			t.Time = v.UTC()
			return nil
		}
	}
	return fmt.Errorf("db: cannot parse time %q", s)
}
