package payout

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"tepat"
	"tepat/audit"
	"tepat/auth"
	"tepat/db"
	"tepat/program"
)

// PayoutHeader names the columns of a payout file; the file of families
// without an account has the same columns with nomor_rekening empty.
var PayoutHeader = []string{"reference", "nomor_rekening", "nik_kepala", "nama_kepala", "amount"}

// WithoutAccount names, in place of a bank, the file of entitled families
// that have no account at their bank: listed, not paid.
const WithoutAccount = "TANPA_REKENING"

// ManifestName is the name of an export's manifest, written last.
const ManifestName = "manifest.json"

// Manifest describes a cycle's payout files: what each holds, with its
// SHA-256, and the control totals. It holds no personal data, and an
// export repeated later gives the same manifest byte for byte.
type Manifest struct {
	Cycle                int64          `json:"cycle"`
	Program              string         `json:"program"`
	Year                 int            `json:"year"`
	Period               int            `json:"period"`
	ExportedBy           string         `json:"exported_by"`
	ExportedAt           time.Time      `json:"exported_at"` // the first export
	Entitlements         int64          `json:"entitlements"`
	Amount               int64          `json:"amount"`
	Instructions         int64          `json:"instructions"`
	InstructionsAmount   int64          `json:"instructions_amount"`
	WithoutAccount       int64          `json:"without_account"`
	WithoutAccountAmount int64          `json:"without_account_amount"`
	Files                []ManifestFile `json:"files"`
}

// ManifestFile is one file of an export. Rows do not count the header.
type ManifestFile struct {
	Name   string `json:"name"`
	Bank   string `json:"bank"` // WithoutAccount for the families without one
	Rows   int64  `json:"rows"`
	Amount int64  `json:"amount"`
	SHA256 string `json:"sha256"`
}

// FileName returns the name of a cycle's payout file for bank (or
// WithoutAccount): "<cycle>-<BANK>.csv".
func FileName(cycleID int64, bank string) string {
	return strconv.FormatInt(cycleID, 10) + "-" + bank + ".csv"
}

// Export writes a cycle's payout files to sink (PermPayoutManage): for each
// bank with payments FileName(cycle, bank), one line per entitlement paid
// into a family's AKTIF account at its routed bank; FileName(cycle,
// WithoutAccount) for entitled families without such an account; then
// ManifestName. Lines are ordered by family id. The cycle must be APPROVED
// or DISBURSING and pay money.
//
// The first export checks that every entitled family's village has a route
// (RUTE_BANK_BELUM_ADA names the regencies without one), records the
// payment instructions and moves the cycle to DISBURSING, in one
// transaction, audited as payout.export. Later exports write the recorded
// instructions again, byte for byte the same files whatever accounts or
// routes changed since: an instruction is what was sent. Every export is
// audited as data.export, also one cut short. The totals of the files are
// checked against the cycle's before the manifest is written.
func Export(ctx context.Context, d *db.DB, cycleID int64, sink Sink) (Manifest, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermPayoutManage); err != nil {
		return Manifest{}, err
	}
	var c cycle
	var m Manifest
	err := d.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if c, err = readCycle(ctx, tx, cycleID, true); err != nil {
			return err
		}
		if err := needState(c, "ekspor pembayaran", program.StateApproved, program.StateDisbursing); err != nil {
			return err
		}
		if c.Quantity > 0 {
			return tepat.Reasonf(tepat.ECONFLICT, "BUKAN_BANTUAN_TUNAI", "siklus %d menyalurkan barang, bukan uang: tidak ada pembayaran lewat bank", c.ID)
		}
		m, err = readBatch(ctx, tx, c)
		if tepat.ErrorCode(err) == tepat.ENOTFOUND {
			m, err = recordInstructions(ctx, tx, c)
		}
		return err
	})
	if err != nil {
		return Manifest{}, err
	}
	files, err := writeFiles(ctx, d, c, m, sink)
	summary := fmt.Sprintf("ekspor pembayaran siklus %d: %d file, %d instruksi, %d tanpa rekening", c.ID, len(files), m.Instructions, m.WithoutAccount)
	if err != nil {
		summary = fmt.Sprintf("ekspor pembayaran siklus %d terputus setelah %d file", c.ID, len(files))
	}
	m.Files = files
	return m, auditExport(ctx, d, fmt.Sprintf("cycle:%d", c.ID), summary, err)
}

// readBatch reads the recorded export of c into a manifest without files;
// ENOTFOUND when c has not been exported.
func readBatch(ctx context.Context, q db.Querier, c cycle) (Manifest, error) {
	m := Manifest{Cycle: c.ID, Program: c.Program, Year: c.Year, Period: c.Period, Entitlements: c.Families, Amount: c.Amount}
	err := q.QueryRow(ctx, `SELECT instructions, amount, without_account, without_amount, exported_by, exported_at FROM payout_batch WHERE cycle_id = $1`, c.ID).
		Scan(&m.Instructions, &m.InstructionsAmount, &m.WithoutAccount, &m.WithoutAccountAmount, &m.ExportedBy, &m.ExportedAt)
	m.ExportedAt = m.ExportedAt.UTC()
	return m, db.Translate(err)
}

// maxListed is how many regencies without a route an export names.
const maxListed = 20

// recordInstructions records the payment instructions of c's first
// export and moves it to DISBURSING. A family whose entitlement is
// reserved to an offline terminal (a CASH manifest, active or already
// paid from) gets no instruction: it is paid offline, never twice.
func recordInstructions(ctx context.Context, tx *db.Tx, c cycle) (Manifest, error) {
	joins, routed := routeJoins("$2", "e.village")
	rows, err := tx.Query(ctx, `SELECT e.village / 1000000, COUNT(*) FROM entitlement e`+joins+`
		WHERE e.cycle_id = $1 AND e.reserve = 0 AND `+routed+` IS NULL
		GROUP BY e.village / 1000000 ORDER BY 1`, c.ID, c.Program)
	if err != nil {
		return Manifest{}, err
	}
	var missing []string
	var families int64
	for rows.Next() {
		var regency, n int64
		if err := rows.Scan(&regency, &n); err != nil {
			rows.Close()
			return Manifest{}, err
		}
		missing = append(missing, regencyCode(regency*1000000))
		families += n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Manifest{}, err
	}
	if len(missing) > 0 {
		list := strings.Join(missing[:min(len(missing), maxListed)], ", ")
		if len(missing) > maxListed {
			list += fmt.Sprintf(" dan %d lainnya", len(missing)-maxListed)
		}
		return Manifest{}, tepat.Reasonf(tepat.ECONFLICT, "RUTE_BANK_BELUM_ADA",
			"siklus %d: %d keluarga di %d kabupaten/kota belum punya rute bank %s: %s; tetapkan dengan tepat bank route set",
			c.ID, families, len(missing), c.Program, list)
	}
	a := tepat.ActorFrom(ctx)
	now := time.Now().UTC().Truncate(time.Microsecond)
	if _, err := tx.Exec(ctx, `INSERT INTO payout (reference, cycle_id, family_id, bank, account_id, nomor_rekening, amount, exported_by, exported_at)
		SELECT CAST(e.cycle_id AS TEXT) || '-' || CAST(e.family_id AS TEXT), e.cycle_id, e.family_id, a.bank, a.id, a.nomor_rekening, e.amount, $3, $4
		FROM entitlement e`+joins+`
		JOIN account a ON a.family_id = e.family_id AND a.bank = `+routed+` AND a.status = 'AKTIF'
		WHERE e.cycle_id = $1 AND e.reserve = 0
			AND NOT EXISTS (SELECT 1 FROM reservation r JOIN manifest mf ON mf.id = r.manifest_id
				WHERE r.cycle_id = e.cycle_id AND r.family_id = e.family_id AND mf.kind = 'CASH' AND (r.active OR r.spent > 0))
		ORDER BY e.family_id`, c.ID, c.Program, a.Username, now); err != nil {
		return Manifest{}, fmt.Errorf("export cycle %d: instructions: %w", c.ID, err)
	}
	m := Manifest{Cycle: c.ID, Program: c.Program, Year: c.Year, Period: c.Period, ExportedBy: a.Username, ExportedAt: now,
		Entitlements: c.Families, Amount: c.Amount}
	if err := tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM payout WHERE cycle_id = $1`, c.ID).
		Scan(&m.Instructions, &m.InstructionsAmount); err != nil {
		return Manifest{}, err
	}
	m.WithoutAccount, m.WithoutAccountAmount = c.Families-m.Instructions, c.Amount-m.InstructionsAmount
	if _, err := tx.Exec(ctx, `INSERT INTO payout_batch (cycle_id, instructions, amount, without_account, without_amount, exported_by, exported_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, c.ID, m.Instructions, m.InstructionsAmount, m.WithoutAccount, m.WithoutAccountAmount, m.ExportedBy, now); err != nil {
		return Manifest{}, err
	}
	if _, err := program.StartDisbursing(ctx, tx, c.ID); err != nil {
		return Manifest{}, err
	}
	_, err = audit.Record(ctx, tx, "payout.export", fmt.Sprintf("cycle:%d", c.ID), "",
		fmt.Sprintf("instruksi pembayaran siklus %d: %d keluarga Rp%s ke bank, %d tanpa rekening Rp%s",
			c.ID, m.Instructions, program.Rupiah(m.InstructionsAmount), m.WithoutAccount, program.Rupiah(m.WithoutAccountAmount)))
	return m, err
}

// writeFiles writes the payout files of c from the recorded instructions,
// checks their totals against the cycle's and then writes the manifest.
// It returns the files written.
func writeFiles(ctx context.Context, d *db.DB, c cycle, m Manifest, sink Sink) ([]ManifestFile, error) {
	banks, err := banksOf(ctx, d, `SELECT DISTINCT bank FROM payout WHERE cycle_id = $1`, c.ID)
	if err != nil {
		return nil, err
	}
	const person = ` LEFT JOIN person n ON n.family_id = e.family_id AND n.nik = e.head_nik
		AND n.ver_from <= $2 AND (n.ver_to IS NULL OR n.ver_to > $2)`
	var files []ManifestFile
	var paid ManifestFile
	for _, bank := range auth.Banks {
		if !banks[bank] {
			continue
		}
		f, err := writePayoutFile(ctx, d, sink, ManifestFile{Name: FileName(c.ID, bank), Bank: bank}, `SELECT p.reference, p.nomor_rekening, e.head_nik, COALESCE(n.nama, ''), p.amount
			FROM payout p JOIN entitlement e ON e.cycle_id = p.cycle_id AND e.family_id = p.family_id`+person+`
			WHERE p.cycle_id = $1 AND p.bank = $3 ORDER BY p.family_id`, c.ID, c.SnapshotVersion, bank)
		if err != nil {
			return files, err
		}
		files = append(files, f)
		paid.Rows += f.Rows
		paid.Amount += f.Amount
	}
	// program.Reference, spelled in SQL for families that have no payout row.
	f, err := writePayoutFile(ctx, d, sink, ManifestFile{Name: FileName(c.ID, WithoutAccount), Bank: WithoutAccount},
		`SELECT CAST(e.cycle_id AS TEXT) || '-' || CAST(e.family_id AS TEXT), '', e.head_nik, COALESCE(n.nama, ''), e.amount
		FROM entitlement e`+person+`
		WHERE e.cycle_id = $1 AND e.reserve = 0
			AND NOT EXISTS (SELECT 1 FROM payout p WHERE p.cycle_id = e.cycle_id AND p.family_id = e.family_id)
		ORDER BY e.family_id`, c.ID, c.SnapshotVersion)
	if err != nil {
		return files, err
	}
	files = append(files, f)
	// Money is checked against its parts before the manifest vouches for
	// the files.
	if paid.Rows != m.Instructions || paid.Amount != m.InstructionsAmount || f.Rows != m.WithoutAccount || f.Amount != m.WithoutAccountAmount ||
		paid.Rows+f.Rows != c.Families || paid.Amount+f.Amount != c.Amount {
		return files, tepat.Reasonf(tepat.EINTERNAL, "JUMLAH_TIDAK_COCOK",
			"ekspor siklus %d tidak cocok: file %d baris Rp%s + %d tanpa rekening Rp%s, siklus %d keluarga Rp%s, instruksi %d Rp%s",
			c.ID, paid.Rows, program.Rupiah(paid.Amount), f.Rows, program.Rupiah(f.Amount), c.Families, program.Rupiah(c.Amount),
			m.Instructions, program.Rupiah(m.InstructionsAmount))
	}
	m.Files = files
	return files, writeManifest(sink, m)
}

// writePayoutFile writes one payout file (mf names it) through sink from
// query, whose rows are (reference, account number, head's NIK, head's
// name, amount), counting and hashing what it writes.
func writePayoutFile(ctx context.Context, d *db.DB, sink Sink, mf ManifestFile, query string, args ...any) (ManifestFile, error) {
	err := sink(mf.Name, func(w io.Writer) error {
		mf.Rows, mf.Amount = 0, 0
		h := sha256.New()
		cw := csv.NewWriter(io.MultiWriter(w, h))
		if err := cw.Write(PayoutHeader); err != nil {
			return err
		}
		rows, err := d.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var head, amount int64
			var ref, account, nama string
			if err := rows.Scan(&ref, &account, &head, &nama, &amount); err != nil {
				return err
			}
			if err := cw.Write([]string{ref, account, strconv.FormatInt(head, 10), nama, strconv.FormatInt(amount, 10)}); err != nil {
				return err
			}
			mf.Rows++
			mf.Amount += amount
		}
		if err := rows.Err(); err != nil {
			return err
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		mf.SHA256 = hex.EncodeToString(h.Sum(nil))
		return nil
	})
	return mf, err
}

// Download writes one file of a cycle's recorded export to w: a bank's
// payout file, the file of families without an account, or the manifest,
// byte for byte what Export wrote. It never makes the first export: the
// cycle must have been exported (BELUM_DIEKSPOR) and be DISBURSING or
// CLOSED. Pusat (PermPayoutManage) may download any file; a bank user
// (PermPayoutReport) only their own bank's file and the manifest, which
// holds counts and totals, no personal data. Audited as data.export.
func Download(ctx context.Context, d *db.DB, cycleID int64, name string, w io.Writer) error {
	a := tepat.ActorFrom(ctx)
	if !auth.Can(a, auth.PermPayoutManage) {
		if err := auth.Require(a, auth.PermPayoutReport); err != nil {
			return err
		}
		if a.Bank == "" || name != FileName(cycleID, a.Bank) && name != ManifestName {
			return tepat.Reasonf(tepat.EFORBIDDEN, "TIDAK_BERWENANG", "pengguna bank hanya dapat mengunduh file pembayaran banknya sendiri dan manifest")
		}
	}
	c, err := readCycle(ctx, d, cycleID, false)
	if err != nil {
		return err
	}
	if err := needState(c, "unduhan file pembayaran", program.StateDisbursing, program.StateClosed); err != nil {
		return err
	}
	m, err := readBatch(ctx, d, c)
	if tepat.ErrorCode(err) == tepat.ENOTFOUND {
		return tepat.Reasonf(tepat.ENOTFOUND, "BELUM_DIEKSPOR", "siklus %d belum diekspor", cycleID)
	} else if err != nil {
		return err
	}
	found := false
	files, err := writeFiles(ctx, d, c, m, func(n string, fill func(io.Writer) error) error {
		if n != name {
			return fill(io.Discard)
		}
		found = true
		return fill(w)
	})
	if err == nil && !found {
		return tepat.Reasonf(tepat.ENOTFOUND, "FILE_PEMBAYARAN_TIDAK_DITEMUKAN", "ekspor siklus %d tidak memiliki file %s", cycleID, name)
	}
	summary := fmt.Sprintf("unduhan file pembayaran siklus %d: %s", c.ID, name)
	if err != nil {
		summary = fmt.Sprintf("unduhan file pembayaran siklus %d: %s terputus (%d file)", c.ID, name, len(files))
	}
	return auditExport(ctx, d, fmt.Sprintf("cycle:%d", c.ID), summary, err)
}

// banksOf returns the banks query lists (one bank per row).
func banksOf(ctx context.Context, d *db.DB, query string, args ...any) (map[string]bool, error) {
	rows, err := d.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	banks := map[string]bool{}
	for rows.Next() {
		var b string
		if err := rows.Scan(&b); err != nil {
			return nil, err
		}
		banks[b] = true
	}
	return banks, rows.Err()
}

// writeManifest writes m, indented JSON and a newline, as ManifestName
// through sink: the last file of an export or a re-issue batch.
func writeManifest(sink Sink, m any) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return sink(ManifestName, func(w io.Writer) error {
		_, err := w.Write(append(b, '\n'))
		return err
	})
}
