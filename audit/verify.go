package audit

import (
	"context"
	"fmt"

	"tepat"
	"tepat/db"
)

// Result is the outcome of Verify.
type Result struct {
	Entries int64  `json:"entries"`           // entries checked
	OK      bool   `json:"ok"`                // the whole chain is intact
	BadSeq  int64  `json:"bad_seq,omitempty"` // the first entry found wrong (0 if OK)
	Problem string `json:"problem,omitempty"` // what is wrong with it, in Bahasa Indonesia
}

// Verify walks the whole chain in order, streaming, and reports the first
// entry whose content or link was altered, or that is missing. It reads in
// one snapshot so that concurrent appends do not disturb it.
func Verify(ctx context.Context, d *db.DB) (Result, error) {
	var res Result
	err := d.InReadTx(ctx, func(tx *db.Tx) error {
		var headSeq int64
		var headHash string
		if err := tx.QueryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
			return db.Translate(err)
		}
		rows, err := tx.Query(ctx, `SELECT seq, at, actor, role, action, object, region, summary, prev_hash, hash
			FROM audit_log ORDER BY seq`)
		if err != nil {
			return err
		}
		defer rows.Close()
		prev, want := Genesis, int64(1)
		fail := func(seq int64, format string, args ...any) {
			res.BadSeq, res.Problem = seq, fmt.Sprintf(format, args...)
		}
		for rows.Next() {
			var e Entry
			if err := rows.Scan(&e.Seq, &e.At, &e.Actor, &e.Role, &e.Action, &e.Object, &e.Region, &e.Summary, &e.PrevHash, &e.Hash); err != nil {
				return err
			}
			switch {
			case e.Seq != want:
				fail(want, "entri %d hilang (setelahnya langsung entri %d)", want, e.Seq)
			case e.PrevHash != prev:
				fail(e.Seq, "entri %d: tautan ke entri sebelumnya putus (prev_hash tidak cocok)", e.Seq)
			case e.ComputeHash() != e.Hash:
				fail(e.Seq, "entri %d: isi entri telah diubah (hash tidak cocok)", e.Seq)
			}
			if res.BadSeq != 0 {
				return nil
			}
			res.Entries++
			prev, want = e.Hash, want+1
		}
		if err := rows.Err(); err != nil {
			return err
		}
		switch {
		case headSeq >= want:
			fail(want, "entri %d sampai %d hilang dari ujung log", want, headSeq)
		case headSeq != want-1 || headHash != prev:
			fail(want-1, "kepala rantai tidak cocok dengan entri terakhir %d", want-1)
		}
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("audit verify: %w", err)
	}
	res.OK = res.BadSeq == 0 && res.Problem == ""
	return res, nil
}

// Filter selects entries for List. Zero fields do not filter.
type Filter struct {
	Actor  string
	Action string // exact, or a prefix ending in "." ("user.")
	Since  int64  // entries after this sequence number
	From   string // RFC 3339 time: entries at or after it
	Limit  int    // default 100, at most 1000
}

// List returns entries matching f in sequence order.
func List(ctx context.Context, d *db.DB, f Filter) ([]Entry, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	if f.Limit > 1000 {
		f.Limit = 1000
	}
	q := `SELECT seq, at, actor, role, action, object, region, summary, prev_hash, hash FROM audit_log
		WHERE ($1 = '' OR actor = $1)
		  AND ($2 = '' OR action = $2 OR ($3 <> '' AND action LIKE $3))
		  AND seq > $4`
	args := []any{f.Actor, f.Action, "", f.Since}
	if len(f.Action) > 0 && f.Action[len(f.Action)-1] == '.' {
		args[2] = f.Action + "%"
	}
	if f.From != "" {
		t, err := parseTime(f.From)
		if err != nil {
			return nil, err
		}
		q += ` AND at >= $6`
		args = append(args, f.Limit, t)
	} else {
		args = append(args, f.Limit)
	}
	q += ` ORDER BY seq LIMIT $5`
	rows, err := d.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		if err := rows.Scan(&e.Seq, &e.At, &e.Actor, &e.Role, &e.Action, &e.Object, &e.Region, &e.Summary, &e.PrevHash, &e.Hash); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

var errBadTime = tepat.Reasonf(tepat.EINVALID, "WAKTU_TIDAK_VALID", "waktu harus RFC 3339 (2019-11-25T08:00:00Z) atau tanggal (2019-11-25)")
