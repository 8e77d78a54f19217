package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/ncruces/go-sqlite3"
	sqlitedriver "github.com/ncruces/go-sqlite3/driver"
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
// bound-parameter limit) on the transaction's connection. The table and column names must be constants of
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
	return copySQLite(ctx, tx.conn, table, columns, src)
}

// copySQLite inserts through the driver's own statement API, binding each
// value by its type: database/sql's per-argument conversion was a fifth
// of a bulk load's insert time.
func copySQLite(ctx context.Context, conn *sql.Conn, table string, columns []string, src RowSource) (n int64, err error) {
	const batch = 500
	insert := func(rows int) string {
		one := "(" + strings.TrimSuffix(strings.Repeat("?,", len(columns)), ",") + ")"
		return fmt.Sprintf("INSERT INTO %s (%s) VALUES %s", table, strings.Join(columns, ","),
			strings.TrimSuffix(strings.Repeat(one+",", rows), ","))
	}
	err = conn.Raw(func(dc any) error {
		c := dc.(sqlitedriver.Conn).Raw()
		var full *sqlite3.Stmt
		defer func() {
			if full != nil {
				full.Close()
			}
		}()
		args := make([]any, 0, batch*len(columns))
		flush := func(rows int) error {
			st := full
			if rows < batch {
				last, _, err := c.Prepare(insert(rows))
				if err != nil {
					return err
				}
				defer last.Close()
				st = last
			}
			for i, v := range args {
				if err := bind(st, i+1, v); err != nil {
					return fmt.Errorf("copy %s: %w", table, err)
				}
			}
			args = args[:0]
			return Translate(st.Exec())
		}
		rows := 0
		for src.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			vals, err := src.Values()
			if err != nil {
				return err
			}
			if len(vals) != len(columns) {
				return fmt.Errorf("copy %s: row has %d values for %d columns", table, len(vals), len(columns))
			}
			args = append(args, vals...)
			rows++
			n++
			if rows == batch {
				if full == nil {
					if full, _, err = c.Prepare(insert(batch)); err != nil {
						return err
					}
				}
				if err := flush(rows); err != nil {
					return err
				}
				rows = 0
			}
		}
		if err := src.Err(); err != nil {
			return err
		}
		if rows > 0 {
			return flush(rows)
		}
		return nil
	})
	return n, err
}

// bind binds v to parameter i of st as the database/sql driver would,
// times in the database's text format.
func bind(st *sqlite3.Stmt, i int, v any) error {
	switch v := v.(type) {
	case int64:
		return st.BindInt64(i, v)
	case string:
		return st.BindText(i, v)
	case bool:
		return st.BindBool(i, v)
	case int:
		return st.BindInt64(i, int64(v))
	case int32:
		return st.BindInt64(i, int64(v))
	case nil:
		return st.BindNull(i)
	case float64:
		return st.BindFloat(i, v)
	case []byte:
		return st.BindBlob(i, v)
	case time.Time:
		return st.BindTime(i, v, sqlite3.TimeFormat(sqliteTimeFormat))
	}
	// Other kinds (named types, pointers, Valuers) as database/sql converts them.
	c, err := driver.DefaultParameterConverter.ConvertValue(v)
	if err != nil {
		return err
	}
	switch c.(type) {
	case int64, string, bool, nil, float64, []byte, time.Time:
		return bind(st, i, c)
	}
	return fmt.Errorf("cannot bind %T", v)
}
