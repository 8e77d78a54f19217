package ledger

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"tepat"
	"tepat/audit"
	"tepat/auth"
	"tepat/db"
	"tepat/region"
)

// SettleGrace is how long after a day has ended everywhere (midnight WIB,
// the last of the three zones) its settlement may run, so that a batch
// accepted just before midnight is committed first.
const SettleGrace = 5 * time.Minute

// Settlement is a merchant's settlement of one day.
type Settlement struct {
	Day            int       `json:"day"` // YYYYMMDD, the merchant's date
	Merchant       string    `json:"merchant"`
	Name           string    `json:"name"`
	Bank           string    `json:"bank"`
	Purchases      int64     `json:"purchases"`
	PurchaseAmount int64     `json:"purchase_amount"`
	Voids          int64     `json:"voids"`
	VoidAmount     int64     `json:"void_amount"`
	Net            int64     `json:"net"`
	SettledBy      string    `json:"settled_by"`
	SettledAt      time.Time `json:"settled_at"`
}

// SettleResult says what settling a day did.
type SettleResult struct {
	Day     int              `json:"day"`
	New     int64            `json:"settled"` // settlements made now
	Already int64            `json:"already"` // made by an earlier run
	Banks   map[string]Tally `json:"banks"`   // every settlement of the day, per bank
	Files   []string         `json:"files,omitempty"`
}

// Tally is a count and an amount in whole rupiah.
type Tally struct {
	Count  int64 `json:"count"`
	Amount int64 `json:"amount"`
}

// ParseDay reads YYYY-MM-DD as YYYYMMDD.
func ParseDay(s string) (int, error) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return 0, tepat.Reasonf(tepat.EINVALID, "TANGGAL_TIDAK_VALID", "tanggal %q tidak valid: pakai YYYY-MM-DD", clip(s))
	}
	return t.Year()*10000 + int(t.Month())*100 + t.Day(), nil
}

// Settle closes day D for every merchant with purchases or voids on it:
// one settlement per merchant (and so per bank), purchases minus voids,
// posted from the merchant's account to its bank's settlement account.
// It is idempotent: a merchant settled for D is not settled again, and the
// files are written from what is stored, so a rerun writes the same bytes.
// With dir, one CSV per bank: settlement-<YYYYMMDD>-<BANK>.csv.
// PermLedgerManage; refused until D has ended everywhere (SettleGrace
// after midnight WIB). Audited as ledger.settle.
func Settle(ctx context.Context, d *db.DB, day int, dir string, clock func() time.Time) (SettleResult, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermLedgerManage); err != nil {
		return SettleResult{}, err
	}
	if clock == nil {
		clock = time.Now
	}
	start := time.Date(day/10000, time.Month(day/100%100), day%100, 0, 0, 0, 0, region.WIB.Location())
	if end := start.AddDate(0, 0, 1).Add(SettleGrace); clock().Before(end) {
		return SettleResult{}, tepat.Reasonf(tepat.ECONFLICT, "HARI_BELUM_SELESAI",
			"hari %s belum selesai di semua zona waktu; penyelesaian bisa mulai %s WIB", start.Format("2006-01-02"), end.Format("2006-01-02 15:04"))
	}
	res := SettleResult{Day: day, Banks: map[string]Tally{}}
	at := now()
	err := d.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM settlement WHERE day = $1`, day).Scan(&res.Already); err != nil {
			return err
		}
		r, err := tx.Exec(ctx, `INSERT INTO settlement (day, merchant_id, bank, purchases, purchase_amount, voids, void_amount, net, settled_by, settled_at)
			SELECT p.day, p.merchant_id, m.bank,
				SUM(CASE WHEN p.kind = 'PURCHASE' THEN 1 ELSE 0 END), SUM(CASE WHEN p.kind = 'PURCHASE' THEN p.total ELSE 0 END),
				SUM(CASE WHEN p.kind = 'VOID' THEN 1 ELSE 0 END), SUM(CASE WHEN p.kind = 'VOID' THEN p.total ELSE 0 END),
				SUM(CASE WHEN p.kind = 'PURCHASE' THEN p.total ELSE -p.total END), $2, $3
			FROM purchase p JOIN merchant m ON m.id = p.merchant_id
			WHERE p.day = $1 AND NOT EXISTS (SELECT 1 FROM settlement s WHERE s.day = p.day AND s.merchant_id = p.merchant_id)
			GROUP BY p.day, p.merchant_id, m.bank`, day, a.Username, at)
		if err != nil {
			return err
		}
		res.New, _ = r.RowsAffected()
		var n int64
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM settlement WHERE day = $1 AND txn_id IS NULL AND net > 0`, day).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			banks, err := collect(ctx, tx, scanString, `SELECT DISTINCT bank FROM settlement WHERE day = $1 AND txn_id IS NULL AND net > 0`, day)
			if err != nil {
				return err
			}
			for _, b := range banks {
				if _, err := ensureAccount(ctx, tx, "SETTLEMENT", "", b); err != nil {
					return err
				}
			}
			base, err := nextIDs(ctx, tx, "txn", n)
			if err != nil {
				return err
			}
			end := base + n
			const ref = `CAST(s.day AS TEXT) || ':' || s.merchant_id`
			if _, err := tx.Exec(ctx, `INSERT INTO ledger_txn (id, kind, ref, amount, at, actor)
				SELECT $2 + ROW_NUMBER() OVER (ORDER BY s.merchant_id) - 1, 'SETTLE', `+ref+`, s.net, $3, $4
				FROM settlement s WHERE s.day = $1 AND s.txn_id IS NULL AND s.net > 0`, day, base, at, a.Username); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE settlement SET txn_id = (SELECT t.id FROM ledger_txn t
				WHERE t.kind = 'SETTLE' AND t.ref = CAST(settlement.day AS TEXT) || ':' || settlement.merchant_id)
				WHERE day = $1 AND txn_id IS NULL AND net > 0`, day); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO ledger_posting (txn_id, account_id, amount)
				SELECT s.txn_id, ma.id, -s.net FROM settlement s
				JOIN ledger_account ma ON ma.kind = 'MERCHANT' AND ma.merchant_id = s.merchant_id AND ma.family_id = 0 AND ma.program = '' AND ma.bank = ''
				WHERE s.day = $1 AND s.txn_id >= $2 AND s.txn_id < $3
				UNION ALL
				SELECT s.txn_id, ba.id, s.net FROM settlement s
				JOIN ledger_account ba ON ba.kind = 'SETTLEMENT' AND ba.bank = s.bank AND ba.family_id = 0 AND ba.program = '' AND ba.merchant_id = ''
				WHERE s.day = $1 AND s.txn_id >= $2 AND s.txn_id < $3`, day, base, end); err != nil {
				return err
			}
			if err := applyPostings(ctx, tx, base, end); err != nil {
				return err
			}
		}
		if res.New > 0 {
			_, err = audit.Record(ctx, tx, "ledger.settle", fmt.Sprintf("day:%d", day), "",
				fmt.Sprintf("penyelesaian hari %d: %d e-Warong", day, res.New))
		}
		return err
	})
	if err != nil {
		return SettleResult{}, err
	}
	list, err := settlements(ctx, d, day, "", 0)
	if err != nil {
		return SettleResult{}, err
	}
	byBank := map[string][]Settlement{}
	for _, s := range list {
		t := res.Banks[s.Bank]
		t.Count++
		t.Amount += s.Net
		res.Banks[s.Bank] = t
		byBank[s.Bank] = append(byBank[s.Bank], s)
	}
	if dir != "" {
		for _, b := range Banks {
			if len(byBank[b]) == 0 {
				continue
			}
			name := filepath.Join(dir, fmt.Sprintf("settlement-%d-%s.csv", day, b))
			if err := writeSettlementFile(name, byBank[b]); err != nil {
				return SettleResult{}, err
			}
			res.Files = append(res.Files, name)
		}
	}
	return res, nil
}

// SettlementColumns is the header of a bank's settlement file.
var SettlementColumns = []string{"tanggal", "ewarong", "nama", "bank", "pembelian", "nilai_pembelian", "pembatalan", "nilai_pembatalan", "neto"}

func writeSettlementFile(name string, list []Settlement) error {
	tmp := name + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return tepat.Reasonf(tepat.EINVALID, "BERKAS_TIDAK_DAPAT_DITULIS", "berkas %s tidak dapat ditulis: %v", name, err)
	}
	w := csv.NewWriter(f)
	w.Write(SettlementColumns)
	for _, s := range list {
		w.Write([]string{strconv.Itoa(s.Day), s.Merchant, s.Name, s.Bank, strconv.FormatInt(s.Purchases, 10), strconv.FormatInt(s.PurchaseAmount, 10),
			strconv.FormatInt(s.Voids, 10), strconv.FormatInt(s.VoidAmount, 10), strconv.FormatInt(s.Net, 10)})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}

// Settlements lists the settlements of the merchants in the actor's scope
// (PermLedgerRead): of one day (0: all days), of one merchant when given;
// newest day first, then by merchant; at most limit (1..1000, else 1000).
func Settlements(ctx context.Context, d *db.DB, day int, merchantID string, limit int) ([]Settlement, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	return settlements(ctx, d, day, merchantID, limit)
}

// settlements lists at most limit settlements (0: all).
func settlements(ctx context.Context, d *db.DB, day int, merchantID string, limit int) ([]Settlement, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermLedgerRead); err != nil {
		return nil, err
	}
	cond, args := merchantScope(a, 4)
	if limit <= 0 {
		limit = 1 << 62
	}
	return collect(ctx, d, func(scan func(...any) error) (Settlement, error) {
		var s Settlement
		err := scan(&s.Day, &s.Merchant, &s.Name, &s.Bank, &s.Purchases, &s.PurchaseAmount, &s.Voids, &s.VoidAmount, &s.Net,
			&s.SettledBy, &s.SettledAt)
		s.SettledAt = s.SettledAt.UTC()
		return s, err
	}, `SELECT s.day, s.merchant_id, m.name, s.bank, s.purchases, s.purchase_amount, s.voids, s.void_amount, s.net,
		s.settled_by, s.settled_at FROM settlement s JOIN merchant m ON m.id = s.merchant_id
		WHERE (s.day = $1 OR $1 = 0) AND (s.merchant_id = $2 OR $2 = '') AND `+cond+` ORDER BY s.day DESC, s.merchant_id LIMIT $3`,
		append([]any{day, merchantID, limit}, args...)...)
}
