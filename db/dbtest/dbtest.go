// Package dbtest gives tests a fresh, migrated database on each engine, so
// that one test body proves a storage behaviour on SQLite and PostgreSQL
// alike (the conformance suite).
//
// PostgreSQL tests use the server URL in TEPAT_TEST_POSTGRES, each in a
// schema of its own that is dropped afterwards. Without the variable they
// are skipped — unless TEPAT_TEST_POSTGRES_REQUIRED=1 (CI sets it), in which
// case they fail, so a CI run can never pass without PostgreSQL.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"tepat/db"
)

// Engines lists the engines in the order Run visits them.
var Engines = []db.Engine{db.SQLite, db.Postgres}

// Run calls fn once per engine in a subtest named after the engine, each with
// a new migrated database that is closed and removed at the end.
func Run(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	for _, e := range Engines {
		t.Run(string(e), func(t *testing.T) {
			fn(t, Open(t, e))
		})
	}
}

// Open returns a new migrated database on engine e.
func Open(t testing.TB, e db.Engine) *db.DB {
	t.Helper()
	dsn := DSN(t, e)
	d, err := db.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("open %s: %v", e, err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// DSN returns the address of a new, empty database on engine e, removed when
// the test ends. It skips (or fails, when required) without PostgreSQL.
func DSN(t testing.TB, e db.Engine) string {
	t.Helper()
	if e == db.SQLite {
		return "sqlite:" + filepath.Join(t.TempDir(), "tepat.db")
	}
	base := os.Getenv("TEPAT_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("TEPAT_TEST_POSTGRES_REQUIRED") == "1" {
			t.Fatal("TEPAT_TEST_POSTGRES is not set but TEPAT_TEST_POSTGRES_REQUIRED=1")
		}
		t.Skip("TEPAT_TEST_POSTGRES not set: PostgreSQL tests skipped")
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	admin, err := db.OpenNoMigrate(context.Background(), base)
	if err != nil {
		t.Fatalf("connect to TEPAT_TEST_POSTGRES: %v", err)
	}
	if _, err := admin.Exec(context.Background(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("TEPAT_TEST_POSTGRES: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
