package ledger

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"tepat"
	"tepat/audit"
	"tepat/auth"
	"tepat/db"
	"tepat/payout"
	"tepat/program"
	"tepat/region"
)

// PriceColumns is the header of a reference price file: province code,
// food category, unit, price per unit in whole rupiah.
var PriceColumns = []string{"provinsi", "kategori", "satuan", "harga"}

// Price is a reference price of a food category and unit in a province.
type Price struct {
	Province string    `json:"province"`
	Category string    `json:"category"`
	Unit     string    `json:"unit"`
	Price    int64     `json:"price"`
	LoadedBy string    `json:"loaded_by"`
	LoadedAt time.Time `json:"loaded_at"`
}

// LoadPrices loads reference prices from a CSV file (PriceColumns), all
// or nothing: any bad line refuses the file with every problem named by
// line and column. A price already known for the same province, category
// and unit is replaced. PermLedgerManage; audited as price.load. Returns
// the number of prices loaded.
func LoadPrices(ctx context.Context, d *db.DB, name string, r io.Reader) (int, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermLedgerManage); err != nil {
		return 0, err
	}
	f, err := payout.OpenCSV(name, r, PriceColumns)
	if err != nil {
		return 0, err
	}
	var list []Price
	seen := map[priceKey]int{}
	for {
		rec, line, ok, err := f.Next()
		if err != nil {
			return 0, err
		}
		if !ok {
			break
		}
		p := Price{Province: rec[0], Category: rec[1], Unit: rec[2]}
		if reg, err := region.Lookup(p.Province); err != nil || reg.Level != region.Province {
			f.Problem(line, 0, "PROVINSI_TIDAK_DIKENAL", "kode provinsi %q tidak dikenal", clip(p.Province))
		}
		if _, ok := program.FoodCategories[p.Category]; !ok {
			f.Problem(line, 1, "KATEGORI_TIDAK_DIKENAL", "kategori %q tidak dikenal", clip(p.Category))
		} else if !program.KnownUnit(p.Category, p.Unit) {
			f.Problem(line, 2, "SATUAN_TIDAK_DIKENAL", "satuan %q tidak dikenal untuk %s", clip(p.Unit), p.Category)
		}
		v, err := strconv.ParseInt(rec[3], 10, 64)
		if err != nil || v <= 0 {
			f.Problem(line, 3, "HARGA_TIDAK_VALID", "harga harus bilangan bulat rupiah lebih dari 0")
		}
		p.Price = v
		k := priceKey{p.Province, p.Category, p.Unit}
		if first, dup := seen[k]; dup {
			f.Problem(line, -1, "BARIS_GANDA", "harga %s/%s provinsi %s sudah ada di baris %d", p.Category, p.Unit, p.Province, first)
		}
		seen[k] = line
		list = append(list, p)
	}
	if err := f.Err(); err != nil {
		return 0, err
	}
	at := now()
	err = d.InTx(ctx, func(tx *db.Tx) error {
		for _, p := range list {
			if _, err := tx.Exec(ctx, `INSERT INTO price_reference (province, category, unit, price, loaded_by, loaded_at)
				VALUES ($1, $2, $3, $4, $5, $6)
				ON CONFLICT (province, category, unit) DO UPDATE SET price = excluded.price, loaded_by = excluded.loaded_by, loaded_at = excluded.loaded_at`,
				p.Province, p.Category, p.Unit, p.Price, a.Username, at); err != nil {
				return err
			}
		}
		_, err := audit.Record(ctx, tx, "price.load", "prices:"+clip(name), "", fmt.Sprintf("harga acuan: %d baris", len(list)))
		return err
	})
	return len(list), err
}

// Prices lists the reference prices of a province (all when empty).
// PermStatsRead: prices hold no personal data.
func Prices(ctx context.Context, d *db.DB, province string) ([]Price, error) {
	if err := auth.Require(tepat.ActorFrom(ctx), auth.PermStatsRead); err != nil {
		return nil, err
	}
	return collect(ctx, d, func(scan func(...any) error) (Price, error) {
		var p Price
		err := scan(&p.Province, &p.Category, &p.Unit, &p.Price, &p.LoadedBy, &p.LoadedAt)
		p.LoadedAt = p.LoadedAt.UTC()
		return p, err
	}, `SELECT province, category, unit, price, loaded_by, loaded_at FROM price_reference
		WHERE province = $1 OR $1 = '' ORDER BY province, category, unit`, province)
}

// PriceFlag is a purchase line above its reference price.
type PriceFlag struct {
	Purchase  int64  `json:"purchase"`
	Line      int    `json:"line"`
	Merchant  string `json:"merchant"`
	Village   string `json:"village"`
	Category  string `json:"category"`
	Unit      string `json:"unit"`
	Quantity  int64  `json:"quantity"`
	UnitPrice int64  `json:"unit_price"`
	Reference int64  `json:"reference"`
	Excess    int64  `json:"excess"` // (unit_price − reference) × quantity, whole rupiah
	Day       int    `json:"day"`
}

// PriceFlags lists the flagged lines of merchants in the actor's scope
// (PermLedgerRead), newest first, at most limit; of one merchant when given.
func PriceFlags(ctx context.Context, d *db.DB, merchantID string, limit int) ([]PriceFlag, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermLedgerRead); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	cond, args := merchantScope(a, 3)
	return collect(ctx, d, func(scan func(...any) error) (PriceFlag, error) {
		var f PriceFlag
		err := scan(&f.Purchase, &f.Line, &f.Merchant, &f.Village, &f.Category, &f.Unit, &f.Quantity, &f.UnitPrice, &f.Reference, &f.Excess, &f.Day)
		return f, err
	}, `SELECT f.purchase_id, f.line, f.merchant_id, f.village, f.category, f.unit, f.quantity, f.unit_price,
		f.reference, f.excess, f.day FROM price_flag f JOIN merchant m ON m.id = f.merchant_id
		WHERE (f.merchant_id = $1 OR $1 = '') AND `+cond+` ORDER BY f.purchase_id DESC, f.line LIMIT $2`,
		append([]any{merchantID, limit}, args...)...)
}
