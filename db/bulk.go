package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// RowSource yields rows for Copy, one at a time, like pgx.CopyFromSource:
// Next advances, Values returns the current row, Err reports a failure.
type RowSource = pgx.CopyFromSource

// Bulk is a transaction made for loading many rows: Copy uses PostgreSQL's
// COPY protocol, or on SQLite prepared multi-row inserts of up to 500 rows
// (well under SQLite's bound-parameter limit). Exec runs set-based SQL in
// the same transaction.
type Bulk struct {
	db *DB
	pg pgx.Tx
	sq *sql.Tx
}

// InBulk runs fn in one bulk transaction and commits if fn returns nil.
func (db *DB) InBulk(ctx context.Context, fn func(*Bulk) error) error {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if db.engine == Postgres {
		return Translate(conn.Raw(func(dc any) error {
			pc := dc.(*stdlib.Conn).Conn()
			tx, err := pc.Begin(ctx)
			if err != nil {
				return err
			}
			defer tx.Rollback(ctx)
			if err := fn(&Bulk{db: db, pg: tx}); err != nil {
				return err
			}
			return tx.Commit(ctx)
		}))
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(&Bulk{db: db, sq: tx}); err != nil {
		tx.Rollback()
		return err
	}
	return Translate(tx.Commit())
}

// Exec runs a statement inside the bulk transaction.
func (b *Bulk) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	if b.pg != nil {
		tag, err := b.pg.Exec(ctx, query, args...)
		return tag.RowsAffected(), Translate(err)
	}
	res, err := b.sq.ExecContext(ctx, b.db.q(query), args...)
	if err != nil {
		return 0, Translate(err)
	}
	return res.RowsAffected()
}

// CopyFrom loads rows into table in one transaction and returns how many.
// The table and column names must be constants of the caller, never input.
func (db *DB) CopyFrom(ctx context.Context, table string, columns []string, src RowSource) (n int64, err error) {
	err = db.InBulk(ctx, func(b *Bulk) error {
		n, err = b.Copy(ctx, table, columns, src)
		return err
	})
	return n, err
}

// Copy loads rows into table and returns how many. The table and column
// names must be constants of the caller, never input.
func (b *Bulk) Copy(ctx context.Context, table string, columns []string, src RowSource) (int64, error) {
	if b.pg != nil {
		n, err := b.pg.CopyFrom(ctx, pgx.Identifier{table}, columns, src)
		return n, Translate(err)
	}
	return copySQLite(ctx, b.sq, table, columns, src)
}

func copySQLite(ctx context.Context, tx *sql.Tx, table string, columns []string, src RowSource) (n int64, err error) {
	const batch = 500
	insert := func(rows int) string {
		one := "(" + strings.TrimSuffix(strings.Repeat("?,", len(columns)), ",") + ")"
		return fmt.Sprintf("INSERT INTO %s (%s) VALUES %s", table, strings.Join(columns, ","),
			strings.TrimSuffix(strings.Repeat(one+",", rows), ","))
	}
	full, err := tx.PrepareContext(ctx, insert(batch))
	if err != nil {
		return 0, err
	}
	defer full.Close()
	args := make([]any, 0, batch*len(columns))
	flush := func(stmt *sql.Stmt) error {
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return Translate(err)
		}
		args = args[:0]
		return nil
	}
	rows := 0
	for src.Next() {
		vals, err := src.Values()
		if err != nil {
			return n, err
		}
		if len(vals) != len(columns) {
			return n, fmt.Errorf("copy %s: row has %d values for %d columns", table, len(vals), len(columns))
		}
		args = append(args, vals...)
		rows++
		n++
		if rows == batch {
			if err := flush(full); err != nil {
				return n, err
			}
			rows = 0
		}
	}
	if err := src.Err(); err != nil {
		return n, err
	}
	if rows > 0 {
		last, err := tx.PrepareContext(ctx, insert(rows))
		if err != nil {
			return n, err
		}
		defer last.Close()
		if err := flush(last); err != nil {
			return n, err
		}
	}
	return n, nil
}
