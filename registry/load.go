package registry

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"tepat"
	"tepat/audit"
	"tepat/auth"
	"tepat/db"
	"tepat/household"
	"tepat/region"
)

// LoadStats counts what Load did.
type LoadStats struct {
	Families int64 `json:"families"`
	Persons  int64 `json:"persons"`
	Rejected int64 `json:"families_rejected"`
}

// Load bulk-loads the valid families read from r into an empty-for-them
// registry, in chunks of about chunk families, each chunk one transaction
// (COPY on PostgreSQL). It is the fast path for demo and benchmark data: a
// family whose KK number or NIKs already exist fails its chunk. The regular
// import with replacement, history and deduplication is built on top of
// this store (see issue #4). Invalid families and families outside the
// actor's scope are skipped and counted. Requires PermRegistryWrite; each
// chunk is audited.
func Load(ctx context.Context, d *db.DB, r *household.Reader, chunk int) (LoadStats, error) {
	var st LoadStats
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermRegistryWrite); err != nil {
		return st, err
	}
	if chunk <= 0 {
		chunk = 10000
	}
	var nextID int64
	if err := d.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM family`).Scan(&nextID); err != nil {
		return st, err
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	var fams, persons [][]any
	flush := func() error {
		if len(fams) == 0 {
			return nil
		}
		err := copyChunk(ctx, d, fams, persons)
		if err != nil {
			return err
		}
		st.Families += int64(len(fams))
		st.Persons += int64(len(persons))
		fams, persons = fams[:0], persons[:0]
		return nil
	}
	for r.Next() {
		f := r.Family()
		if !f.Valid() || !a.InRegion(f.KodeWilayah) {
			st.Rejected++
			continue
		}
		kk, _ := strconv.ParseInt(f.NoKK, 10, 64)
		village, err := region.VillageNumber(f.KodeWilayah)
		if err != nil {
			st.Rejected++
			continue
		}
		alamat := ""
		for _, m := range f.Members {
			if m.Hubungan == household.Kepala {
				alamat = m.Alamat
			}
		}
		fams = append(fams, []any{nextID, kk, village, f.Desil, alamat, now, now})
		for _, m := range f.Members {
			n, _ := strconv.ParseInt(m.NIK, 10, 64)
			persons = append(persons, []any{n, nextID, m.Nama, string(m.JenisKelamin), dateInt(m.TanggalLahir),
				string(m.Hubungan), m.Hamil, m.DisabilitasBerat, string(m.Sekolah), string(m.Status)})
		}
		nextID++
		if len(fams) >= chunk {
			if err := flush(); err != nil {
				return st, err
			}
		}
	}
	if err := r.Err(); err != nil {
		return st, err
	}
	if err := flush(); err != nil {
		return st, err
	}
	err := d.InTx(ctx, func(tx *db.Tx) error {
		_, err := audit.Record(ctx, tx, "registry.load", "registry", "",
			fmt.Sprintf("muat massal: %d keluarga, %d jiwa diterima; %d keluarga ditolak", st.Families, st.Persons, st.Rejected))
		return err
	})
	return st, err
}

// copyChunk writes one chunk of families and their members in one
// transaction: a crash leaves the chunk wholly loaded or wholly absent.
func copyChunk(ctx context.Context, d *db.DB, fams, persons [][]any) error {
	return d.InBulk(ctx, func(b *db.Bulk) error {
		if _, err := b.Copy(ctx, "family", []string{"id", "no_kk", "village", "desil", "alamat", "created_at", "updated_at"}, pgx.CopyFromRows(fams)); err != nil {
			return fmt.Errorf("load families: %w", err)
		}
		if _, err := b.Copy(ctx, "person", []string{"nik", "family_id", "nama", "jenis_kelamin", "tanggal_lahir", "hubungan", "hamil", "disabilitas_berat", "sekolah", "status"}, pgx.CopyFromRows(persons)); err != nil {
			return fmt.Errorf("load persons: %w", err)
		}
		return nil
	})
}
