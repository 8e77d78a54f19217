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

// Rows adapts a slice of rows to a RowSource.
func Rows(rows [][]any) RowSource { return pgx.CopyFromRows(rows) }

// CopyFrom loads rows into table in one transaction and returns how many.
// The table and column names must be constants of the caller, never input.
func (db *DB) CopyFrom(ctx context.Context, table string, columns []string, src RowSource) (n int64, err error) {
	err = db.InTx(ctx, func(tx *Tx) error {
		n, err = tx.Copy(ctx, table, columns, src)
		return err
	})
	return n, err
}

// Copy loads rows into table inside the transaction and returns how many:
// PostgreSQL's COPY protocol on the transaction's own connection, or on
// SQLite prepared multi-row inserts of up to 500 rows (well under its
// bound-parameter limit). The table and column names must be constants of
// the caller, never input.
func (tx *Tx) Copy(ctx context.Context, table string, columns []string, src RowSource) (int64, error) {
	if tx.db.engine == Postgres {
		var n int64
		err := tx.conn.Raw(func(dc any) error {
			var err error
			n, err = dc.(*stdlib.Conn).Conn().CopyFrom(ctx, pgx.Identifier{table}, columns, src)
			return err
		})
		return n, Translate(err)
	}
	return copySQLite(ctx, tx.tx, table, columns, src)
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
