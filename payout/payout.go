// Package payout pays a cycle's entitlements through the Himbara banks
// (BRI, BNI, Mandiri, BTN) and reconciles what they report: which bank pays
// a program's families where (routes), the families' KKS accounts, the
// payout files sent to each bank with their frozen instructions, the banks'
// crediting reports, and one outcome per entitlement.
//
// Every function checks the acting user's permission itself; bank users act
// only for their own bank and dinsos users only within their region. State
// changes and exports are audited in the transaction of the change. Amounts
// are whole rupiah; times are stored in UTC. Files are read whole and
// checked before anything is applied: a refused file changes nothing and
// its problems name line and column (FileError).
package payout

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"tepat"
	"tepat/auth"
	"tepat/db"
)

// Sink stores one named file of an export whole or not at all: fill writes
// its content, and the sink keeps the file only if fill succeeds. The CLI's
// sink writes into a directory through a temporary file and a rename.
type Sink func(name string, fill func(w io.Writer) error) error

// checkBank refuses an unknown bank (BANK_TIDAK_DIKENAL) and a bank user
// acting for another bank than their own (TIDAK_BERWENANG).
func checkBank(a *tepat.Actor, bank string) error {
	if !slices.Contains(auth.Banks, bank) {
		return tepat.Reasonf(tepat.EINVALID, "BANK_TIDAK_DIKENAL", "bank %q tidak dikenal: %s", clip(bank), strings.Join(auth.Banks, ", "))
	}
	if a.Role == tepat.RoleBank && a.Bank != bank {
		return tepat.Reasonf(tepat.EFORBIDDEN, "TIDAK_BERWENANG", "pengguna bank %s hanya dapat bertindak untuk bank %s", a.Bank, a.Bank)
	}
	return nil
}

// cycle is what payouts need of a program cycle; the cycle table belongs to
// package program and is only read here.
type cycle struct {
	ID              int64
	Program         string
	Year, Period    int
	State           string
	SnapshotVersion int64
	Families        int64 // entitled, not the reserve
	Amount          int64
	Quantity        int64 // goods, for in-kind programs
}

// readCycle reads a cycle; lock takes its row until tx ends, so that
// exports of one cycle happen one after another.
func readCycle(ctx context.Context, q db.Querier, id int64, lock bool) (cycle, error) {
	if lock {
		if _, err := q.Exec(ctx, `UPDATE cycle SET state = state WHERE id = $1`, id); err != nil {
			return cycle{}, err
		}
	}
	var c cycle
	err := q.QueryRow(ctx, `SELECT id, program, year, period, state, snapshot_version, families, amount, quantity FROM cycle WHERE id = $1`, id).
		Scan(&c.ID, &c.Program, &c.Year, &c.Period, &c.State, &c.SnapshotVersion, &c.Families, &c.Amount, &c.Quantity)
	if err != nil {
		if tepat.ErrorCode(db.Translate(err)) == tepat.ENOTFOUND {
			return cycle{}, tepat.Reasonf(tepat.ENOTFOUND, "SIKLUS_TIDAK_DITEMUKAN", "siklus %d tidak ditemukan", id)
		}
		return cycle{}, err
	}
	return c, nil
}

// needState refuses a cycle whose state is not one of want, as package
// program does (STATUS_SIKLUS_TIDAK_SESUAI).
func needState(c cycle, action string, want ...string) error {
	for _, s := range want {
		if c.State == s {
			return nil
		}
	}
	return tepat.Reasonf(tepat.ECONFLICT, "STATUS_SIKLUS_TIDAK_SESUAI",
		"siklus %d berstatus %s; %s hanya dapat dilakukan pada siklus berstatus %s", c.ID, c.State, action, strings.Join(want, " atau "))
}

// regencyCode returns the dotted regency code of a village number.
func regencyCode(village int64) string {
	return fmt.Sprintf("%02d.%02d", village/100000000, village/1000000%100)
}

// validNumber reports whether s can be an account or card number: 5 to
// 30 ASCII digits.
func validNumber(s string) bool {
	if len(s) < 5 || len(s) > 30 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// clip shortens input echoed in a message.
func clip(s string) string { return tepat.Clip(s, 40) }
