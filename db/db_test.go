package db_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"tepat"
	"tepat/db"
	"tepat/db/dbtest"
)

func TestMigrateIsIdempotent(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		v, err := d.SchemaVersion(ctx)
		if err != nil || v != len(db.Migrations()) {
			t.Fatalf("version after open = %d, %v; want %d", v, err, len(db.Migrations()))
		}
		n, err := d.Migrate(ctx)
		if err != nil || n != 0 {
			t.Fatalf("second migrate applied %d, %v", n, err)
		}
	})
}

func TestRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	for _, e := range dbtest.Engines {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			dsn := dbtest.DSN(t, e)
			d, err := db.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := d.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'future', $2)`,
				len(db.Migrations())+1, time.Now().UTC()); err != nil {
				t.Fatal(err)
			}
			d.Close()
			_, err = db.Open(ctx, dsn)
			if tepat.ErrorReason(err) != "SKEMA_LEBIH_BARU" {
				t.Fatalf("open of a newer database: %v", err)
			}
		})
	}
}

func TestOpenRejectsBadDSN(t *testing.T) {
	t.Parallel()
	for name, dsn := range map[string]string{
		"UnknownScheme": "mysql://x", "Memory": "sqlite::memory:", "MissingDir": "sqlite:/nonexistent/dir/x.db",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := db.Open(context.Background(), dsn); tepat.ErrorCode(err) != tepat.EINVALID {
				t.Fatalf("Open(%q) = %v", dsn, err)
			}
		})
	}
}

func TestErrorsTranslate(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Now().UTC()
		if _, err := d.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)`, "k", "v", now); err != nil {
			t.Fatal(err)
		}
		_, err := d.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)`, "k", "w", now)
		if tepat.ErrorCode(err) != tepat.ECONFLICT {
			t.Errorf("duplicate key: %v", err)
		}
		var v string
		err = db.Translate(d.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1`, "nope").Scan(&v))
		if tepat.ErrorCode(err) != tepat.ENOTFOUND {
			t.Errorf("missing row: %v", err)
		}
	})
}

func TestPlaceholdersBindByNumber(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		var s string
		// $2 appears before $1: SQLite must still bind by number.
		err := d.QueryRow(context.Background(), `SELECT $2 || '-$1-' || $1`, "a", "b").Scan(&s)
		if err != nil || s != "b-$1-a" {
			t.Fatalf("got %q, %v", s, err)
		}
	})
}

func TestTimesRoundTripInUTC(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		in := time.Date(2019, 11, 25, 8, 30, 15, 123456000, time.UTC)
		if _, err := d.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ('t', '', $1)`, in); err != nil {
			t.Fatal(err)
		}
		var out time.Time
		if err := d.QueryRow(ctx, `SELECT updated_at FROM settings WHERE key = 't'`).Scan(&out); err != nil {
			t.Fatal(err)
		}
		if !out.Equal(in) {
			t.Fatalf("time %v came back as %v", in, out)
		}
	})
}

func TestTransactionRollsBackOnError(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := d.InTx(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ('x', '1', $1)`, time.Now().UTC()); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx = %v", err)
		}
		var n int
		d.QueryRow(ctx, `SELECT COUNT(*) FROM settings`).Scan(&n)
		if n != 0 {
			t.Fatalf("rolled-back row is visible: %d rows", n)
		}
	})
}

func TestConcurrentWritersAllCommit(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		errs := make(chan error, 8)
		for w := 0; w < 8; w++ {
			go func(w int) {
				var err error
				for i := 0; i < 25 && err == nil; i++ {
					err = d.InTx(ctx, func(tx *db.Tx) error {
						_, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, '', $2)`,
							fmt.Sprintf("w%d-%d", w, i), time.Now().UTC())
						return err
					})
				}
				errs <- err
			}(w)
		}
		for w := 0; w < 8; w++ {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		var n int
		d.QueryRow(ctx, `SELECT COUNT(*) FROM settings`).Scan(&n)
		if n != 200 {
			t.Fatalf("rows = %d, want 200", n)
		}
	})
}

func TestCopyFromLoadsEveryRow(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Now().UTC()
		rows := make([][]any, 1234)
		for i := range rows {
			rows[i] = []any{fmt.Sprintf("k%05d", i), strings.Repeat("v", i%7), now}
		}
		n, err := d.CopyFrom(ctx, "settings", []string{"key", "value", "updated_at"}, db.Rows(rows))
		if err != nil || n != 1234 {
			t.Fatalf("CopyFrom = %d, %v", n, err)
		}
		var count int
		d.QueryRow(ctx, `SELECT COUNT(*) FROM settings WHERE key LIKE 'k%'`).Scan(&count)
		if count != 1234 {
			t.Fatalf("count = %d", count)
		}
		// A failing batch leaves nothing behind.
		_, err = d.CopyFrom(ctx, "settings", []string{"key", "value", "updated_at"},
			db.Rows([][]any{{"new", "", now}, {"k00001", "", now}}))
		if err == nil {
			t.Fatal("duplicate key loaded")
		}
		d.QueryRow(ctx, `SELECT COUNT(*) FROM settings WHERE key = 'new'`).Scan(&count)
		if count != 0 {
			t.Fatal("failed load left rows behind")
		}
	})
}

func TestCopyJoinsTheTransaction(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Now().UTC()
		boom := errors.New("boom")
		err := d.InTx(ctx, func(tx *db.Tx) error {
			if _, err := tx.Copy(ctx, "settings", []string{"key", "value", "updated_at"}, db.Rows([][]any{{"a", "1", now}, {"b", "2", now}})); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM settings`).Scan(&n); err != nil || n != 2 {
				return fmt.Errorf("copied rows not visible in the transaction: %d %v", n, err)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		var n int
		d.QueryRow(ctx, `SELECT COUNT(*) FROM settings`).Scan(&n)
		if n != 0 {
			t.Fatalf("copy survived the rollback: %d rows", n)
		}
	})
}

// TestSnapshotTxSeesOneMoment: a row committed by someone else while a
// snapshot transaction runs is not seen by its later statements.
func TestSnapshotTxSeesOneMoment(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.Exec(ctx, `CREATE TABLE snap (n INTEGER NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		err := d.InSnapshotTx(ctx, func(tx *db.Tx) error {
			var before, after int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM snap`).Scan(&before); err != nil {
				return err
			}
			go func() {
				_, err := d.Exec(ctx, `INSERT INTO snap (n) VALUES (1)`)
				done <- err
			}()
			select { // PostgreSQL commits it now; SQLite waits for the lock
			case err := <-done:
				done <- err
			case <-time.After(300 * time.Millisecond):
			}
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM snap`).Scan(&after); err != nil {
				return err
			}
			if before != 0 || after != 0 {
				return fmt.Errorf("counts %d then %d inside one snapshot", before, after)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
}
