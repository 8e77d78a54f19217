package payout

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"tepat"
	"tepat/audit"
	"tepat/auth"
	"tepat/db"
	"tepat/program"
)

// ReissueReference returns the reference of the seq-th re-issue of a
// family's entitlement in a cycle, "<cycle>-<family>-U<seq>"; seq 0 gives
// the original instruction's, program.Reference.
func ReissueReference(cycleID, familyID int64, seq int) string {
	if seq == 0 {
		return program.Reference(cycleID, familyID)
	}
	return program.Reference(cycleID, familyID) + "-U" + strconv.Itoa(seq)
}

// ParseReference splits a payment reference, original or re-issued, into
// cycle, family and re-issue number (0 for the original); ok is false
// unless ref is written exactly as ReissueReference writes it.
func ParseReference(ref string) (cycleID, familyID int64, seq int, ok bool) {
	base, u, reissued := strings.Cut(ref, "-U")
	if reissued {
		n, err := strconv.Atoi(u)
		if err != nil || n < 1 {
			return 0, 0, 0, false
		}
		seq = n
	}
	cycleID, familyID, ok = program.ParseReference(base)
	if !ok || ReissueReference(cycleID, familyID, seq) != ref {
		return 0, 0, 0, false
	}
	return cycleID, familyID, seq, true
}

// ReissueFileName returns the name of a re-issue batch's payout file for
// bank: "<cycle>-U<batch>-<BANK>.csv".
func ReissueFileName(cycleID int64, batch int, bank string) string {
	return fmt.Sprintf("%d-U%d-%s.csv", cycleID, batch, bank)
}

// ReissueManifest describes a batch of re-issued payments, like Manifest
// an export: each file with its SHA-256, and the control totals. Writing a
// batch again gives the same manifest byte for byte.
type ReissueManifest struct {
	Cycle        int64          `json:"cycle"`
	Program      string         `json:"program"`
	Year         int            `json:"year"`
	Period       int            `json:"period"`
	Batch        int            `json:"batch"`
	ExportedBy   string         `json:"exported_by"`
	ExportedAt   time.Time      `json:"exported_at"`
	Instructions int64          `json:"instructions"`
	Amount       int64          `json:"amount"`
	Files        []ManifestFile `json:"files"`
}

// Reissued is what Reissue wrote: a new batch (Created), or an earlier one
// again.
type Reissued struct {
	Manifest ReissueManifest `json:"manifest"`
	Created  bool            `json:"created"`
}

// ReissueOptions narrows a re-issue. Families names the entitlements to
// re-issue, all or nothing; without it every entitlement that can be is.
// Batch, instead, writes an earlier batch again and re-issues nothing.
type ReissueOptions struct {
	Families []int64
	Batch    int
}

// Why an entitlement cannot be re-issued, as named in a refusal.
var notReissuable = map[string]string{
	"BUKAN_PENERIMA":          "bukan penerima siklus ini",
	"TIDAK_DIEKSPOR":          "tidak pernah dikirim ke bank (tanpa rekening)",
	"SUDAH_DIKREDITKAN":       "sudah dikreditkan bank pada salah satu instruksinya",
	"MENUNGGU_LAPORAN":        "instruksinya belum dilaporkan bank",
	"BELUM_ADA_REKENING_BARU": "belum punya rekening AKTIF lain di bank rutenya",
}

var errNothingToReissue = errors.New("payout: nothing to re-issue")

// Reissue sends again the money of entitlements whose payment failed
// (PermPayoutManage): a new batch of instructions, written through sink as
// ReissueFileName(cycle, batch, bank) per bank (PayoutHeader, by family)
// and then ManifestName, for a DISBURSING cycle.
//
// An entitlement is re-issued only when every instruction sent for it so
// far has a GAGAL line as its latest usable bank line — none is credited
// and none still awaits the bank's report — and its family now has an
// AKTIF account at the bank of its route (as routed now) other than the
// account of its latest instruction. A failed payment into the same
// account is the bank's to retry under the same reference. The new
// instruction is "<cycle>-<family>-U<n>", linked to the one it follows
// (reissue_of), for the entitled amount. It is decided in one transaction
// that holds the cycle and, on PostgreSQL, keeps bank reports from loading
// meanwhile, so one entitlement never has two payments out at once.
//
// With opt.Families, a family that cannot be re-issued refuses the whole
// batch (PEMBAYARAN_ULANG_DITOLAK, naming each family and why). Without
// it, when nothing can be re-issued, the latest batch is written again
// byte for byte (Created false), or TIDAK_ADA_PEMBAYARAN_ULANG if there is
// none. A new batch is audited as payout.reissue; every writing as
// data.export, also one cut short.
func Reissue(ctx context.Context, d *db.DB, cycleID int64, opt ReissueOptions, sink Sink) (Reissued, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermPayoutManage); err != nil {
		return Reissued{}, err
	}
	if opt.Batch < 0 || opt.Batch > 0 && len(opt.Families) > 0 {
		return Reissued{}, tepat.Reasonf(tepat.EINVALID, "PARAMETER_TIDAK_VALID",
			"batch harus bilangan positif, dan menulis ulang batch lama tidak dapat digabung dengan daftar keluarga")
	}
	var c cycle
	var out Reissued
	err := d.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if c, err = readCycle(ctx, tx, cycleID, true); err != nil {
			return err
		}
		if opt.Batch > 0 {
			out.Manifest, err = readReissueBatch(ctx, tx, c, opt.Batch)
			return err
		}
		if err := needState(c, "pembayaran ulang", program.StateDisbursing); err != nil {
			return err
		}
		if tx.Engine() == db.Postgres {
			// A report loaded while we decide could credit what we send
			// again; SQLite's writers already take turns.
			if _, err := tx.Exec(ctx, `LOCK TABLE bank_line IN SHARE MODE`); err != nil {
				return err
			}
		}
		out.Manifest, err = recordReissues(ctx, tx, c, opt.Families)
		if err == nil {
			out.Created = true
		} else if errors.Is(err, errNothingToReissue) {
			if out.Manifest, err = readReissueBatch(ctx, tx, c, 0); tepat.ErrorCode(err) == tepat.ENOTFOUND {
				return tepat.Reasonf(tepat.ECONFLICT, "TIDAK_ADA_PEMBAYARAN_ULANG",
					"siklus %d: tidak ada pembayaran gagal yang dapat dikirim ulang (keluarga yang gagal belum punya rekening AKTIF lain di bank rutenya)", c.ID)
			}
		}
		return err
	})
	if err != nil {
		return Reissued{}, err
	}
	files, err := writeReissueFiles(ctx, d, c, out.Manifest, sink)
	summary := fmt.Sprintf("pembayaran ulang siklus %d batch U%d: %d file, %d instruksi", c.ID, out.Manifest.Batch, len(files), out.Manifest.Instructions)
	if err != nil {
		summary = fmt.Sprintf("pembayaran ulang siklus %d batch U%d terputus setelah %d file", c.ID, out.Manifest.Batch, len(files))
	}
	out.Manifest.Files = files
	return out, auditExport(ctx, d, fmt.Sprintf("cycle:%d", c.ID), summary, err)
}

// readReissueBatch reads batch (0: the latest) of c into a manifest
// without files; BATCH_TIDAK_DITEMUKAN (ENOTFOUND) when there is none.
func readReissueBatch(ctx context.Context, q db.Querier, c cycle, batch int) (ReissueManifest, error) {
	m := ReissueManifest{Cycle: c.ID, Program: c.Program, Year: c.Year, Period: c.Period}
	err := q.QueryRow(ctx, `SELECT batch, instructions, amount, exported_by, exported_at FROM reissue_batch
		WHERE cycle_id = $1 AND (batch = $2 OR $2 = 0) ORDER BY batch DESC LIMIT 1`, c.ID, batch).
		Scan(&m.Batch, &m.Instructions, &m.Amount, &m.ExportedBy, &m.ExportedAt)
	if tepat.ErrorCode(db.Translate(err)) == tepat.ENOTFOUND {
		return m, tepat.Reasonf(tepat.ENOTFOUND, "BATCH_TIDAK_DITEMUKAN", "siklus %d belum punya batch pembayaran ulang U%d", c.ID, batch)
	}
	m.ExportedAt = m.ExportedAt.UTC()
	return m, err
}

// recordReissues decides which entitlements of c to re-issue (families,
// or all that can be), records their instructions as a new batch and
// audits it; errNothingToReissue when there are none.
func recordReissues(ctx context.Context, tx *db.Tx, c cycle, families []int64) (ReissueManifest, error) {
	for _, q := range []string{
		`DROP TABLE IF EXISTS reissue_want`,
		`CREATE TEMP TABLE reissue_want (family_id BIGINT PRIMARY KEY)`,
		`DROP TABLE IF EXISTS reissue_check`,
		`CREATE TEMP TABLE reissue_check (family_id BIGINT PRIMARY KEY, amount BIGINT NOT NULL, exported INTEGER NOT NULL,
			latest_seq INTEGER NOT NULL, latest_ref TEXT NOT NULL, account_id BIGINT, bank TEXT, nomor_rekening TEXT, state TEXT NOT NULL)`,
		`DROP TABLE IF EXISTS reissue_status`,
		`CREATE TEMP TABLE reissue_status (family_id BIGINT NOT NULL, seq INTEGER NOT NULL, status TEXT, PRIMARY KEY (family_id, seq))`,
	} {
		if _, err := tx.Exec(ctx, q); err != nil {
			return ReissueManifest{}, fmt.Errorf("reissue cycle %d: %w", c.ID, err)
		}
	}
	named := len(families) > 0
	join, only := "JOIN", "p.family_id IS NOT NULL"
	if named {
		seen := map[int64]bool{}
		var want [][]any
		for _, f := range families {
			if !seen[f] {
				seen[f] = true
				want = append(want, []any{f})
			}
		}
		if _, err := tx.Copy(ctx, "reissue_want", []string{"family_id"}, db.Rows(want)); err != nil {
			return ReissueManifest{}, err
		}
		join, only = "LEFT JOIN", "e.family_id IN (SELECT family_id FROM reissue_want)"
	}
	// Each entitlement's latest instruction and the account a new one
	// would go to: AKTIF, at the bank of the family's route, not the
	// latest instruction's.
	joins, routed := routeJoins("$2", "e.village")
	cyc, both := []any{c.ID}, []any{c.ID, c.Program}
	steps := []struct {
		query string
		args  []any
	}{{`INSERT INTO reissue_check (family_id, amount, exported, latest_seq, latest_ref, account_id, bank, nomor_rekening, state)
		SELECT e.family_id, e.amount, CASE WHEN p.family_id IS NULL THEN 0 ELSE 1 END, COALESCE(u.seq, 0), COALESCE(u.reference, p.reference, ''),
			a.id, a.bank, a.nomor_rekening, ''
		FROM entitlement e
		LEFT JOIN payout p ON p.cycle_id = e.cycle_id AND p.family_id = e.family_id
		LEFT JOIN (SELECT family_id, MAX(seq) AS seq FROM payout_reissue WHERE cycle_id = $1 GROUP BY family_id) m ON m.family_id = e.family_id
		LEFT JOIN payout_reissue u ON u.cycle_id = e.cycle_id AND u.family_id = e.family_id AND u.seq = m.seq` + joins + `
		` + join + ` account a ON a.family_id = e.family_id AND a.bank = ` + routed + ` AND a.status = 'AKTIF'
			AND a.id <> COALESCE(u.account_id, p.account_id)
		WHERE e.cycle_id = $1 AND e.reserve = 0 AND ` + only, both},
		// The latest usable line of every instruction sent for them.
		{`INSERT INTO reissue_status (family_id, seq, status)
		SELECT k.family_id, 0, (SELECT bl.status FROM bank_line bl
			WHERE bl.cycle_id = p.cycle_id AND bl.family_id = p.family_id AND bl.reissue = 0 AND bl.nomor_rekening = p.nomor_rekening
			ORDER BY bl.report_id DESC, bl.line DESC LIMIT 1)
		FROM reissue_check k JOIN payout p ON p.cycle_id = $1 AND p.family_id = k.family_id`, cyc},
		{`INSERT INTO reissue_status (family_id, seq, status)
		SELECT k.family_id, u.seq, (SELECT bl.status FROM bank_line bl
			WHERE bl.cycle_id = u.cycle_id AND bl.family_id = u.family_id AND bl.reissue = u.seq AND bl.nomor_rekening = u.nomor_rekening
			ORDER BY bl.report_id DESC, bl.line DESC LIMIT 1)
		FROM reissue_check k JOIN payout_reissue u ON u.cycle_id = $1 AND u.family_id = k.family_id`, cyc},
		{`UPDATE reissue_check SET state = CASE
			WHEN exported = 0 THEN 'TIDAK_DIEKSPOR'
			WHEN EXISTS (SELECT 1 FROM reissue_status s WHERE s.family_id = reissue_check.family_id AND s.status = 'BERHASIL') THEN 'SUDAH_DIKREDITKAN'
			WHEN EXISTS (SELECT 1 FROM reissue_status s WHERE s.family_id = reissue_check.family_id AND s.status IS NULL) THEN 'MENUNGGU_LAPORAN'
			WHEN account_id IS NULL THEN 'BELUM_ADA_REKENING_BARU'
			ELSE 'OK' END`, nil},
	}
	for _, st := range steps {
		if _, err := tx.Exec(ctx, st.query, st.args...); err != nil {
			return ReissueManifest{}, fmt.Errorf("reissue cycle %d: %w", c.ID, err)
		}
	}
	if named {
		if err := refuseNamed(ctx, tx, c); err != nil {
			return ReissueManifest{}, err
		}
	}
	a := tepat.ActorFrom(ctx)
	m := ReissueManifest{Cycle: c.ID, Program: c.Program, Year: c.Year, Period: c.Period, ExportedBy: a.Username,
		ExportedAt: time.Now().UTC().Truncate(time.Microsecond)}
	if err := tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM reissue_check WHERE state = 'OK'`).
		Scan(&m.Instructions, &m.Amount); err != nil {
		return m, err
	}
	if m.Instructions == 0 {
		return m, dropTemp(ctx, tx, errNothingToReissue)
	}
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(batch), 0) + 1 FROM reissue_batch WHERE cycle_id = $1`, c.ID).Scan(&m.Batch); err != nil {
		return m, err
	}
	res, err := tx.Exec(ctx, `INSERT INTO payout_reissue (reference, cycle_id, family_id, seq, reissue_of, batch, bank, account_id, nomor_rekening, amount)
		SELECT CAST($3 AS TEXT) || CAST(family_id AS TEXT) || '-U' || CAST(latest_seq + 1 AS TEXT), CAST($1 AS BIGINT), family_id,
			latest_seq + 1, latest_ref, CAST($2 AS INTEGER), bank, account_id, nomor_rekening, amount
		FROM reissue_check WHERE state = 'OK' ORDER BY family_id`, c.ID, m.Batch, strconv.FormatInt(c.ID, 10)+"-")
	if err != nil {
		return m, fmt.Errorf("reissue cycle %d: instructions: %w", c.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != m.Instructions {
		return m, fmt.Errorf("reissue cycle %d: %d instructions recorded, %d decided: %v", c.ID, n, m.Instructions, err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO reissue_batch (cycle_id, batch, instructions, amount, exported_by, exported_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, c.ID, m.Batch, m.Instructions, m.Amount, m.ExportedBy, m.ExportedAt); err != nil {
		return m, err
	}
	if err := dropTemp(ctx, tx, nil); err != nil {
		return m, err
	}
	_, err = audit.Record(ctx, tx, "payout.reissue", fmt.Sprintf("cycle:%d", c.ID), "",
		fmt.Sprintf("pembayaran ulang siklus %d batch U%d: %d keluarga Rp%s ke bank", c.ID, m.Batch, m.Instructions, program.Rupiah(m.Amount)))
	return m, err
}

// dropTemp drops the scratch tables of a re-issue, so that a pooled
// connection keeps no account numbers, and returns err.
func dropTemp(ctx context.Context, tx *db.Tx, err error) error {
	for _, t := range []string{"reissue_want", "reissue_check", "reissue_status"} {
		if _, derr := tx.Exec(ctx, `DROP TABLE `+t); derr != nil {
			return derr
		}
	}
	return err
}

// refuseNamed refuses the batch if a family asked for cannot be re-issued,
// naming at most maxListed of them with the reason.
func refuseNamed(ctx context.Context, tx *db.Tx, c cycle) error {
	rows, err := tx.Query(ctx, `SELECT w.family_id, COALESCE(k.state, 'BUKAN_PENERIMA') FROM reissue_want w
		LEFT JOIN reissue_check k ON k.family_id = w.family_id
		WHERE k.state IS NULL OR k.state <> 'OK' ORDER BY w.family_id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var list []string
	n := 0
	for rows.Next() {
		var fam int64
		var state string
		if err := rows.Scan(&fam, &state); err != nil {
			return err
		}
		if n++; n <= maxListed {
			list = append(list, fmt.Sprintf("keluarga %d: %s (%s)", fam, notReissuable[state], state))
		}
	}
	if err := rows.Err(); err != nil || n == 0 {
		return err
	}
	msg := strings.Join(list, "; ")
	if n > maxListed {
		msg += fmt.Sprintf("; dan %d lainnya", n-maxListed)
	}
	return tepat.Reasonf(tepat.ECONFLICT, "PEMBAYARAN_ULANG_DITOLAK", "siklus %d: %d keluarga tidak dapat dibayar ulang, tidak ada yang dikirim: %s", c.ID, n, msg)
}

// writeReissueFiles writes a batch's files from its recorded instructions,
// checks their totals against the batch's, then writes the manifest. It
// returns the files written.
func writeReissueFiles(ctx context.Context, d *db.DB, c cycle, m ReissueManifest, sink Sink) ([]ManifestFile, error) {
	banks, err := banksOf(ctx, d, `SELECT DISTINCT bank FROM payout_reissue WHERE cycle_id = $1 AND batch = $2`, c.ID, m.Batch)
	if err != nil {
		return nil, err
	}
	var files []ManifestFile
	var sum ManifestFile
	for _, bank := range auth.Banks {
		if !banks[bank] {
			continue
		}
		f, err := writePayoutFile(ctx, d, sink, ManifestFile{Name: ReissueFileName(c.ID, m.Batch, bank), Bank: bank},
			`SELECT u.reference, u.nomor_rekening, e.head_nik, COALESCE(n.nama, ''), u.amount
			FROM payout_reissue u JOIN entitlement e ON e.cycle_id = u.cycle_id AND e.family_id = u.family_id
			LEFT JOIN person n ON n.family_id = e.family_id AND n.nik = e.head_nik
				AND n.ver_from <= $2 AND (n.ver_to IS NULL OR n.ver_to > $2)
			WHERE u.cycle_id = $1 AND u.batch = $3 AND u.bank = $4 ORDER BY u.family_id`, c.ID, c.SnapshotVersion, m.Batch, bank)
		if err != nil {
			return files, err
		}
		files = append(files, f)
		sum.Rows += f.Rows
		sum.Amount += f.Amount
	}
	if sum.Rows != m.Instructions || sum.Amount != m.Amount {
		return files, tepat.Reasonf(tepat.EINTERNAL, "JUMLAH_TIDAK_COCOK",
			"pembayaran ulang siklus %d batch U%d tidak cocok: file %d baris Rp%s, batch %d instruksi Rp%s",
			c.ID, m.Batch, sum.Rows, program.Rupiah(sum.Amount), m.Instructions, program.Rupiah(m.Amount))
	}
	m.Files = files
	return files, writeManifest(sink, m)
}

// reissued makes the scratch table recon_reissue of the latest re-issue of
// each of the cycle's entitlements that has one, and gives those
// entitlements as effective line the latest usable line of that
// instruction, or none yet: an entitlement's outcome follows its latest
// instruction. Without re-issues it adds nothing to a reconciliation but
// an empty table.
func (rc *reconciler) reissued(ctx context.Context) error {
	for _, q := range []string{
		`DROP TABLE IF EXISTS recon_reissue`,
		`CREATE TEMP TABLE recon_reissue (family_id BIGINT PRIMARY KEY, seq INTEGER NOT NULL, bank TEXT NOT NULL, nomor_rekening TEXT NOT NULL)`,
	} {
		if _, err := rc.tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("reconcile cycle %d: %w", rc.c.ID, err)
		}
	}
	res, err := rc.tx.Exec(ctx, `INSERT INTO recon_reissue (family_id, seq, bank, nomor_rekening)
		SELECT u.family_id, u.seq, u.bank, u.nomor_rekening FROM payout_reissue u
		WHERE u.cycle_id = $1 AND NOT EXISTS (SELECT 1 FROM payout_reissue v WHERE v.cycle_id = u.cycle_id AND v.family_id = u.family_id AND v.seq > u.seq)`,
		rc.c.ID)
	if err != nil {
		return fmt.Errorf("reconcile cycle %d: re-issues: %w", rc.c.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err
	}
	if _, err := rc.tx.Exec(ctx, `DELETE FROM recon_effective WHERE family_id IN (SELECT family_id FROM recon_reissue)`); err != nil {
		return fmt.Errorf("reconcile cycle %d: re-issued lines: %w", rc.c.ID, err)
	}
	if _, err := rc.tx.Exec(ctx, `INSERT INTO recon_effective (family_id, report_id, line, amount, status, reason)
		SELECT family_id, report_id, line, amount, status, reason FROM (
			SELECT bl.family_id, bl.report_id, bl.line, bl.amount, bl.status, bl.reason,
				LEAD(bl.line) OVER (PARTITION BY bl.family_id ORDER BY bl.report_id, bl.line) AS later
			FROM recon_reissue x
			JOIN bank_line bl ON bl.cycle_id = $1 AND bl.family_id = x.family_id AND bl.reissue = x.seq AND bl.nomor_rekening = x.nomor_rekening
		) w WHERE later IS NULL`, rc.c.ID); err != nil {
		return fmt.Errorf("reconcile cycle %d: re-issued lines: %w", rc.c.ID, err)
	}
	return nil
}

// reissueOpenSQL is a condition on a stored FAILED outcome r (columns
// cycle_id, family_id, village, report_id, line) of the program in prog:
// its money goes out again rather than back — a re-issue was made since
// the line that failed, or can be made now, the family having an AKTIF
// account at the bank of its route other than its latest instruction's.
// Otherwise the failed amount is returned funds (dana retur).
func reissueOpenSQL(prog string) string {
	joins, routed := routeJoins(prog, "r.village")
	return `(EXISTS (SELECT 1 FROM payout_reissue ru WHERE ru.cycle_id = r.cycle_id AND ru.family_id = r.family_id
			AND ru.seq > COALESCE((SELECT rl.reissue FROM bank_line rl WHERE rl.report_id = r.report_id AND rl.line = r.line), 0))
		OR EXISTS (SELECT 1 FROM account ra` + joins + `
			WHERE ra.family_id = r.family_id AND ra.status = 'AKTIF' AND ra.bank = ` + routed + `
				AND ra.id <> COALESCE(
					(SELECT ru.account_id FROM payout_reissue ru WHERE ru.cycle_id = r.cycle_id AND ru.family_id = r.family_id ORDER BY ru.seq DESC LIMIT 1),
					(SELECT rp.account_id FROM payout rp WHERE rp.cycle_id = r.cycle_id AND rp.family_id = r.family_id))))`
}
