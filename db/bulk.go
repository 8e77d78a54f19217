package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// RowSource yields rows for CopyFrom, one at a time, like pgx.CopyFromSource:
// Next advances, Values returns the current row, Err reports a failure.
type RowSource = pgx.CopyFromSource

// CopyFrom loads rows into table in one transaction and returns how many it
// loaded: PostgreSQL's COPY protocol, or on SQLite prepared multi-row inserts
// of up to 500 rows (well under SQLite's 32,766 bound-parameter limit). The
// table and column names must be constants of the caller, never input.
func (db *DB) CopyFrom(ctx context.Context, table string, columns []string, src RowSource) (int64, error) {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	if db.engine == Postgres {
		var n int64
		err := conn.Raw(func(dc any) error {
			pc := dc.(*stdlib.Conn).Conn()
			tx, err := pc.Begin(ctx)
			if err != nil {
				return err
			}
			defer tx.Rollback(ctx)
			if n, err = tx.CopyFrom(ctx, pgx.Identifier{table}, columns, src); err != nil {
				return err
			}
			return tx.Commit(ctx)
		})
		return n, Translate(err)
	}
	return copySQLite(ctx, conn, table, columns, src)
}

func copySQLite(ctx context.Context, conn *sql.Conn, table string, columns []string, src RowSource) (n int64, err error) {
	const batch = 500
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
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
	return n, tx.Commit()
}
