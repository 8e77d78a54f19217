package payout

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"tepat"
	"tepat/audit"
	"tepat/auth"
	"tepat/db"
	"tepat/nik"
	"tepat/region"
)

// Account statuses: at most one AKTIF account per family and bank; a
// replaced one is TUTUP and stays for the record.
const (
	AccountActive = "AKTIF"
	AccountClosed = "TUTUP"
)

// AccountRequestHeader and AccountFileHeader are the columns of the
// account-opening request sent to a bank and of the bank's answer.
var (
	AccountRequestHeader = []string{"no_kk", "nik_kepala", "nama_kepala", "kode_wilayah", "alamat"}
	AccountFileHeader    = []string{"no_kk", "nomor_rekening", "nomor_kartu", "tanggal_buka"}
)

// AccountRequest is one family in a collective account-opening request.
type AccountRequest struct {
	FamilyID    int64  `json:"-"`
	NoKK        string `json:"no_kk"`
	NIKKepala   string `json:"nik_kepala"`
	NamaKepala  string `json:"nama_kepala"`
	KodeWilayah string `json:"kode_wilayah"`
	Alamat      string `json:"alamat"`
}

// Record returns the request as a CSV record in AccountRequestHeader order.
func (r AccountRequest) Record() []string {
	return []string{r.NoKK, r.NIKKepala, r.NamaKepala, r.KodeWilayah, r.Alamat}
}

// RequestAccounts streams to fn, by family id, the families a bank must
// open a KKS account for (PermAccountManage; a bank user for their own bank
// only): entitled (not reserve) in an APPROVED or DISBURSING cycle whose
// program routes the family's village to the bank, and without an AKTIF
// account there. In-kind cycles pay no money and need no account. A
// family in several cycles appears once, with its KK, head
// and address as of the newest cycle's snapshot. The request holds full
// numbers and names: it is audited as data.export with its line count, also
// when it stops part way.
func RequestAccounts(ctx context.Context, d *db.DB, bank string, fn func(AccountRequest) error) (int64, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermAccountManage); err != nil {
		return 0, err
	}
	if err := checkBank(a, bank); err != nil {
		return 0, err
	}
	joins, routed := routeJoins("c.program", "e.village")
	// CROSS JOIN keeps SQLite reading the live cycles' entitlements by
	// cycle, not every entitlement ever generated in family order.
	rows, err := d.Query(ctx, `SELECT w.family_id, w.no_kk, w.head_nik, COALESCE(p.nama, ''), w.village, COALESCE(f.alamat, '')
		FROM (
			SELECT e.family_id, e.no_kk, e.head_nik, e.village, c.snapshot_version AS v,
				ROW_NUMBER() OVER (PARTITION BY e.family_id ORDER BY e.cycle_id DESC) AS newest
			FROM cycle c CROSS JOIN entitlement e`+joins+`
			WHERE e.cycle_id = c.id AND c.state IN ('APPROVED', 'DISBURSING') AND c.quantity = 0 AND e.reserve = 0 AND `+routed+` = $1
				AND NOT EXISTS (SELECT 1 FROM account a WHERE a.family_id = e.family_id AND a.bank = $1 AND a.status = 'AKTIF')
		) w
		LEFT JOIN person p ON p.family_id = w.family_id AND p.nik = w.head_nik AND p.ver_from <= w.v AND (p.ver_to IS NULL OR p.ver_to > w.v)
		LEFT JOIN family f ON f.id = w.family_id AND f.ver_from <= w.v AND (f.ver_to IS NULL OR f.ver_to > w.v)
		WHERE w.newest = 1
		ORDER BY w.family_id`, bank)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var n int64
	err = func() error {
		for rows.Next() {
			var r AccountRequest
			var kk, head, village int64
			if err := rows.Scan(&r.FamilyID, &kk, &head, &r.NamaKepala, &village, &r.Alamat); err != nil {
				return err
			}
			r.NoKK, r.NIKKepala = strconv.FormatInt(kk, 10), strconv.FormatInt(head, 10)
			r.KodeWilayah = region.VillageCode(village)
			if err := fn(r); err != nil {
				return err
			}
			n++
		}
		return rows.Err()
	}()
	summary := fmt.Sprintf("permintaan pembukaan rekening %s: %d keluarga", bank, n)
	if err != nil {
		summary = fmt.Sprintf("permintaan pembukaan rekening %s terputus setelah %d keluarga", bank, n)
	}
	return n, auditExport(ctx, d, "accounts:"+bank, summary, err)
}

// auditExport records a data.export entry in its own transaction, also
// after a failed or cut-short export (err), and returns err or the audit's
// failure.
func auditExport(ctx context.Context, d *db.DB, object, summary string, err error) error {
	actx := context.WithoutCancel(ctx)
	aerr := d.InTx(actx, func(tx *db.Tx) error {
		_, err := audit.Record(actx, tx, "data.export", object, "", summary)
		return err
	})
	if err != nil {
		return err
	}
	return aerr
}

// AccountLoad says what loading a bank's account file did. Opened counts
// accounts made AKTIF (new, or a closed one of the same family reopened),
// Closed the AKTIF accounts a different number replaced, Updated the
// accounts whose card number or opening date changed.
type AccountLoad struct {
	Bank      string `json:"bank"`
	File      string `json:"file"`
	Lines     int64  `json:"lines"`
	Opened    int64  `json:"opened"`
	Closed    int64  `json:"closed"`
	Updated   int64  `json:"updated"`
	Unchanged int64  `json:"unchanged"`
}

// LoadAccounts loads a bank's answer to an account-opening request, the
// CSV file at path with AccountFileHeader (PermAccountManage; a bank user
// for their own bank only). The whole file is checked first: a wrong
// header, or any bad line (unknown KK, bad date, empty or malformed number,
// a number another family holds at the bank, a KK listed twice) refuses it
// and nothing is applied (a *tepat.Error carrying a FileError). A KK whose
// AKTIF account at the bank has another number gets that one closed and the
// new one AKTIF; loading the same file again changes nothing. Audited as
// account.load.
func LoadAccounts(ctx context.Context, d *db.DB, bank, path string) (AccountLoad, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermAccountManage); err != nil {
		return AccountLoad{}, err
	}
	if err := checkBank(a, bank); err != nil {
		return AccountLoad{}, err
	}
	name := filepath.Base(path)
	file, err := os.Open(path)
	if err != nil {
		return AccountLoad{}, errUnreadable(path, err)
	}
	defer file.Close()
	probs := &problems{}
	f, err := openCSV(name, file, AccountFileHeader, probs)
	if err != nil {
		return AccountLoad{}, err
	}
	out := AccountLoad{Bank: bank, File: name}
	now := time.Now().UTC().Truncate(time.Microsecond)
	err = d.InTx(ctx, func(tx *db.Tx) error {
		for _, q := range []string{
			`DROP TABLE IF EXISTS stage_account`,
			`CREATE TEMP TABLE stage_account (line BIGINT NOT NULL, no_kk BIGINT NOT NULL, nomor_rekening TEXT NOT NULL,
				nomor_kartu TEXT NOT NULL, opened INTEGER NOT NULL, family_id BIGINT)`,
		} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return fmt.Errorf("stage accounts: %w", err)
			}
		}
		src := &accountSource{f: f}
		n, err := tx.Copy(ctx, "stage_account", []string{"line", "no_kk", "nomor_rekening", "nomor_kartu", "opened"}, src)
		if err != nil {
			return err
		}
		out.Lines = n
		if tx.Engine() == db.Postgres {
			if _, err := tx.Exec(ctx, `ANALYZE stage_account`); err != nil {
				return err
			}
		}
		if err := checkAccounts(ctx, tx, bank, probs); err != nil {
			return err
		}
		if err := probs.err(name); err != nil {
			return err
		}
		if out, err = applyAccounts(ctx, tx, out, a.Username, now); err != nil {
			return err
		}
		if _, err := audit.Record(ctx, tx, "account.load", "accounts:"+bank, "",
			fmt.Sprintf("rekening %s dari %s: %d baris, %d dibuka, %d ditutup, %d diubah, %d tidak berubah",
				bank, clip(name), out.Lines, out.Opened, out.Closed, out.Updated, out.Unchanged)); err != nil {
			return err
		}
		// The scratch table goes with the work: a pooled connection keeps
		// no account numbers.
		_, err = tx.Exec(ctx, `DROP TABLE stage_account`)
		return err
	})
	if err != nil {
		return AccountLoad{}, err
	}
	return out, nil
}

// accountSource reads the lines of an account file for Copy, checking each
// on its own; lines with problems are not staged.
type accountSource struct {
	f    *csvFile
	vals []any
	err  error
}

func (s *accountSource) Next() bool {
	for {
		rec, line, ok, err := s.f.next()
		if err != nil {
			s.err = err
		}
		if !ok {
			return false
		}
		before := s.f.probs.total
		if err := nik.ParseKK(rec[0]); err != nil {
			s.f.problem(line, 0, tepat.ErrorReason(err), "%s", tepat.ErrorMessage(err))
		}
		for i, what := range map[int]string{1: "rekening", 2: "kartu"} {
			code := "NOMOR_" + strings.ToUpper(what)
			if rec[i] == "" {
				s.f.problem(line, i, code+"_KOSONG", "nomor %s kosong", what)
			} else if !validNumber(rec[i]) {
				s.f.problem(line, i, code+"_TIDAK_VALID", "nomor %s harus 5–30 angka", what)
			}
		}
		opened, dateOK := parseDay(rec[3])
		if !dateOK {
			s.f.problem(line, 3, "TANGGAL_TIDAK_VALID", "tanggal buka harus tanggal yang ada, ditulis YYYY-MM-DD")
		}
		if s.f.probs.total > before {
			continue
		}
		kk, _ := strconv.ParseInt(rec[0], 10, 64)
		s.vals = []any{int64(line), kk, rec[1], rec[2], opened}
		return true
	}
}

func (s *accountSource) Values() ([]any, error) { return s.vals, nil }
func (s *accountSource) Err() error             { return s.err }

// parseDay parses YYYY-MM-DD into YYYYMMDD.
func parseDay(s string) (int, bool) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return 0, false
	}
	return t.Year()*10000 + int(t.Month())*100 + t.Day(), true
}

// checkAccounts finds the staged lines' families and adds the problems
// only the database can tell: unknown KK, a KK listed twice, a number that
// another family holds in the file or at the bank.
func checkAccounts(ctx context.Context, tx *db.Tx, bank string, probs *problems) error {
	if _, err := tx.Exec(ctx, `UPDATE stage_account SET family_id =
		(SELECT f.id FROM family f WHERE f.no_kk = stage_account.no_kk AND f.ver_to IS NULL)`); err != nil {
		return fmt.Errorf("stage accounts: families: %w", err)
	}
	checks := []struct {
		query string
		args  []any
		add   func(line, other int64)
	}{
		{`SELECT line, 0 FROM stage_account WHERE family_id IS NULL`, nil, func(line, _ int64) {
			probs.add(int(line), 1, "no_kk", "KK_TIDAK_DIKENAL", "nomor KK tidak terdaftar di registri")
		}},
		{`SELECT line, first FROM (SELECT line, MIN(line) OVER (PARTITION BY no_kk) AS first FROM stage_account) s
			WHERE first < line`, nil, func(line, first int64) {
			probs.add(int(line), 1, "no_kk", "BARIS_GANDA", "nomor KK ini sudah ada di baris %d", first)
		}},
		{`SELECT line, first FROM (
				SELECT line, no_kk, FIRST_VALUE(line) OVER w AS first, FIRST_VALUE(no_kk) OVER w AS first_kk
				FROM stage_account WINDOW w AS (PARTITION BY nomor_rekening ORDER BY line)
			) s WHERE first_kk <> no_kk`, nil, func(line, first int64) {
			probs.add(int(line), 2, "nomor_rekening", "NOMOR_REKENING_DIPAKAI", "nomor rekening ini dipakai keluarga lain di baris %d", first)
		}},
		{`SELECT s.line, 0 FROM stage_account s JOIN account a ON a.bank = $1 AND a.nomor_rekening = s.nomor_rekening
			WHERE a.family_id <> s.family_id`, []any{bank}, func(line, _ int64) {
			probs.add(int(line), 2, "nomor_rekening", "NOMOR_REKENING_DIPAKAI", "nomor rekening ini sudah dipakai keluarga lain di bank %s", bank)
		}},
	}
	for _, c := range checks {
		rows, err := tx.Query(ctx, c.query+` ORDER BY 1`, c.args...)
		if err != nil {
			return fmt.Errorf("check accounts: %w", err)
		}
		for rows.Next() {
			var line, other int64
			if err := rows.Scan(&line, &other); err != nil {
				rows.Close()
				return err
			}
			c.add(line, other)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// applyAccounts applies checked staged lines, set-based: close AKTIF
// accounts replaced by another number, reopen a family's closed account
// that comes back, update changed cards and dates, insert new numbers.
func applyAccounts(ctx context.Context, tx *db.Tx, out AccountLoad, by string, now time.Time) (AccountLoad, error) {
	steps := []struct {
		n     *int64
		query string
		args  []any
	}{
		{&out.Closed, `UPDATE account SET status = 'TUTUP', closed_by = $2, closed_at = $3
			FROM stage_account s
			WHERE account.bank = $1 AND account.status = 'AKTIF' AND account.family_id = s.family_id
				AND account.nomor_rekening <> s.nomor_rekening`, []any{out.Bank, by, now}},
		{&out.Opened, `UPDATE account SET status = 'AKTIF', nomor_kartu = s.nomor_kartu, opened = s.opened,
				loaded_by = $2, loaded_at = $3, closed_by = NULL, closed_at = NULL
			FROM stage_account s
			WHERE account.bank = $1 AND account.nomor_rekening = s.nomor_rekening AND account.family_id = s.family_id
				AND account.status = 'TUTUP'`, []any{out.Bank, by, now}},
		{&out.Updated, `UPDATE account SET nomor_kartu = s.nomor_kartu, opened = s.opened, loaded_by = $2, loaded_at = $3
			FROM stage_account s
			WHERE account.bank = $1 AND account.nomor_rekening = s.nomor_rekening AND account.family_id = s.family_id
				AND account.status = 'AKTIF' AND (account.nomor_kartu <> s.nomor_kartu OR account.opened <> s.opened)`, []any{out.Bank, by, now}},
	}
	for _, s := range steps {
		res, err := tx.Exec(ctx, s.query, s.args...)
		if err != nil {
			return out, fmt.Errorf("load accounts: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return out, err
		}
		*s.n += n
	}
	res, err := tx.Exec(ctx, `INSERT INTO account (family_id, bank, nomor_rekening, nomor_kartu, opened, status, loaded_by, loaded_at)
		SELECT s.family_id, $1, s.nomor_rekening, s.nomor_kartu, s.opened, 'AKTIF', $2, $3 FROM stage_account s
		WHERE NOT EXISTS (SELECT 1 FROM account a WHERE a.bank = $1 AND a.nomor_rekening = s.nomor_rekening)
		ORDER BY s.line`, out.Bank, by, now)
	if err != nil {
		return out, fmt.Errorf("load accounts: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return out, err
	}
	out.Opened += n
	out.Unchanged = out.Lines - out.Opened - out.Updated
	return out, nil
}
