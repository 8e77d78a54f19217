package db

import (
	"context"
	"database/sql"
	"fmt"
)

// Tx is a transaction on one dedicated connection. It is not safe for
// concurrent use.
type Tx struct {
	tx   *sql.Tx
	conn *sql.Conn
	db   *DB
}

// Exec runs a statement in the transaction.
func (tx *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := tx.tx.ExecContext(ctx, tx.db.q(query), args...)
	return res, Translate(err)
}

// Query runs a query in the transaction.
func (tx *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := tx.tx.QueryContext(ctx, tx.db.q(query), args...)
	return rows, Translate(err)
}

// QueryRow runs a single-row query in the transaction.
func (tx *Tx) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return tx.tx.QueryRowContext(ctx, tx.db.q(query), args...)
}

// Prepare prepares a statement for repeated use in the transaction; the
// caller closes it. For row-by-row updates that no set-based statement
// does well on both engines.
func (tx *Tx) Prepare(ctx context.Context, query string) (*sql.Stmt, error) {
	st, err := tx.tx.PrepareContext(ctx, tx.db.q(query))
	return st, Translate(err)
}

// Engine reports the engine of the transaction's database.
func (tx *Tx) Engine() Engine { return tx.db.engine }

// InTx runs fn in a read-write transaction and commits if fn returns nil;
// otherwise, or if fn panics, it rolls back. On SQLite the transaction takes
// the write lock at BEGIN (IMMEDIATE), so writers queue instead of failing
// half-way with SQLITE_BUSY.
func (db *DB) InTx(ctx context.Context, fn func(*Tx) error) (err error) {
	return db.inTx(ctx, nil, fn)
}

// InReadTx runs fn in a read-only transaction: one consistent snapshot
// (REPEATABLE READ on PostgreSQL, where a read-only transaction never
// fails to serialize; SQLite's transactions already are).
func (db *DB) InReadTx(ctx context.Context, fn func(*Tx) error) error {
	if db.engine == Postgres {
		return db.inTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead}, fn)
	}
	return db.inTx(ctx, &sql.TxOptions{ReadOnly: true}, fn)
}

// InSnapshotTx is InTx for work that reads the same tables in several
// statements and must see them as of one moment: PostgreSQL runs it at
// REPEATABLE READ (a concurrent change to a row it also writes fails it
// with a serialization error); SQLite's write transactions already are.
func (db *DB) InSnapshotTx(ctx context.Context, fn func(*Tx) error) error {
	if db.engine == Postgres {
		return db.inTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead}, fn)
	}
	return db.inTx(ctx, nil, fn)
}

func (db *DB) inTx(ctx context.Context, opts *sql.TxOptions, fn func(*Tx) error) (err error) {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	stx, err := conn.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{tx: stx, conn: conn, db: db}
	defer func() {
		if p := recover(); p != nil {
			stx.Rollback()
			panic(p)
		}
		if err != nil {
			stx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = stx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", Translate(err))
	}
	return nil
}
