package registry

import (
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"

	"tepat/auth"
	"tepat/db"
	"tepat/household"
	"tepat/region"
)

// staged is one family of the file on its way into the registry.
type staged struct {
	fam      household.Family
	kk       int64
	village  int64
	alamat   string
	problems []household.Problem // errors: the family is rejected
	rows     []row               // the members as storage keeps them (memberRows)
	id       int64               // a bulk load's: its family id
	bulk     *bulkRows           // a bulk load's: its rows
}

// memberRows returns the family's members as storage keeps them, worked
// out once (name normalisation and the duplicate key are on the import's
// hot path). Call it only once the family's members are final.
func (s *staged) memberRows() []row {
	if s.rows == nil {
		s.rows = make([]row, len(s.fam.Members))
		for i := range s.fam.Members {
			s.rows[i] = memberRow(&s.fam.Members[i])
		}
	}
	return s.rows
}

// prepare sets the family's KK number, village and address (the head's)
// as storage keeps them.
func (s *staged) prepare() {
	s.kk, _ = strconv.ParseInt(s.fam.NoKK, 10, 64)
	s.village, _ = region.VillageNumber(s.fam.KodeWilayah)
	for i := range s.fam.Members {
		if s.fam.Members[i].Hubungan == household.Kepala {
			s.alamat = s.fam.Members[i].Alamat
		}
	}
}

// row is a member as storage keeps it.
type row struct {
	nik                       int64
	nama, nama_norm, jk       string
	dupkey                    int64
	born                      int64
	hubungan, sekolah, status string
	hamil, disabilitas        bool
}

func memberRow(m *household.Person) row {
	n, _ := strconv.ParseInt(m.NIK, 10, 64)
	norm, born := NormalizeName(m.Nama), dateInt(m.TanggalLahir)
	village, _ := region.VillageNumber(m.KodeWilayah)
	return row{nik: n, nama: m.Nama, nama_norm: norm, dupkey: dupKey(village/10000, born, norm), jk: string(m.JenisKelamin), born: born,
		hubungan: string(m.Hubungan), sekolah: string(m.Sekolah), status: string(m.Status), hamil: m.Hamil, disabilitas: m.DisabilitasBerat}
}

// dupKey is what makes two persons possible duplicates, in one integer:
// the district (six digits) in the high bits, then a 40-bit hash of the
// birth date and the normalised name. Leading with the district keeps one
// district's keys together in the index, and a NIK starts with a district
// too, so rows sorted by NIK insert into both indexes close together.
// Matches are confirmed on the fields themselves, so a hash collision
// finds nothing false.
func dupKey(district, born int64, norm string) int64 {
	h := fnv.New64a()
	var b [8]byte
	for i := range b {
		b[i] = byte(born >> (8 * i))
	}
	h.Write(b[:])
	h.Write([]byte(norm))
	return district<<40 | int64(h.Sum64()&(1<<40-1))
}

// existing is a family's current state in the registry.
type existing struct {
	id, village int64
	desil       int
	alamat      string
	members     map[int64]row
}

// stageDDL creates the per-connection scratch tables a chunk uses.
var stageDDL = []string{
	`CREATE TEMP TABLE IF NOT EXISTS stage_person (nik BIGINT NOT NULL, no_kk BIGINT NOT NULL, dupkey BIGINT NOT NULL, ok INTEGER NOT NULL)`,
	`CREATE TEMP TABLE IF NOT EXISTS stage_close (kind TEXT NOT NULL, id BIGINT NOT NULL)`,
	`DELETE FROM stage_person`,
	`DELETE FROM stage_close`,
}

// applyChunk checks the chunk's families against the registry and applies
// the accepted ones in tx as one new registry version. Families it rejects
// get problems.
func (im *importer) applyChunk(ctx context.Context, tx *db.Tx, chunk []*staged) error {
	if len(chunk) == 0 {
		return nil
	}
	if im.bulk != nil {
		return im.bulk.apply(ctx, im, tx, chunk)
	}
	if err := lockRegistry(ctx, tx); err != nil {
		return err
	}
	if err := stageFamilies(ctx, tx, chunk); err != nil {
		return err
	}
	byKK := make(map[int64]*staged, len(chunk))
	for _, s := range chunk {
		byKK[s.kk] = s
	}
	if err := im.rejectForeignNIKs(ctx, tx, byKK); err != nil {
		return err
	}
	cur, err := loadExisting(ctx, tx)
	if err != nil {
		return err
	}
	w := &writer{now: time.Now().UTC()}
	for _, s := range chunk {
		if len(s.problems) > 0 {
			continue
		}
		old, ok := cur[s.kk]
		if ok && !im.actor.InRegion(region.VillageCode(old.village)) {
			for _, m := range s.fam.Members {
				s.problems = append(s.problems, problemAt(m.Line, 1, "no_kk", CodeOutOfScope,
					"keluarga dengan nomor KK ini terdaftar di wilayah di luar kewenangan Anda"))
			}
			continue
		}
		im.sum.FamiliesAccepted++
		im.sum.PersonsAccepted += int64(len(s.fam.Members))
		if !ok {
			w.add(s)
		} else if !w.change(s, old) {
			im.sum.FamiliesUnchanged++
		}
	}
	for _, s := range chunk {
		if len(s.problems) > 0 {
			if _, err := tx.Exec(ctx, `UPDATE stage_person SET ok = 0 WHERE no_kk = $1`, s.kk); err != nil {
				return err
			}
		}
	}
	if !w.empty() {
		v, err := im.newVersion(ctx, tx)
		if err != nil {
			return err
		}
		if err := w.write(ctx, tx, v); err != nil {
			return err
		}
	}
	if err := im.analyze(ctx, tx); err != nil {
		return err
	}
	n, err := findDuplicates(ctx, tx, w.now)
	im.sum.PossibleDuplicates += n
	return err
}

// stageFamilies fills the connection's scratch table stage_person with the
// members of fams (setting each family's kk, village and alamat), which the
// checks and the duplicate search read.
func stageFamilies(ctx context.Context, tx *db.Tx, fams []*staged) error {
	for _, q := range stageDDL {
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("stage: %w", err)
		}
	}
	var stage [][]any
	for _, s := range fams { // prepared by the reader
		for _, r := range s.memberRows() {
			stage = append(stage, []any{r.nik, s.kk, r.dupkey, 1})
		}
	}
	if _, err := tx.Copy(ctx, "stage_person", []string{"nik", "no_kk", "dupkey", "ok"}, db.Rows(stage)); err != nil {
		return fmt.Errorf("stage: %w", err)
	}
	if tx.Engine() == db.Postgres {
		// Without statistics on the scratch table the planner may scan the
		// whole registry instead of looking each NIK up in its index.
		if _, err := tx.Exec(ctx, `ANALYZE stage_person`); err != nil {
			return err
		}
	}
	return nil
}

// rejectForeignNIKs rejects families of the chunk with a NIK that belongs
// to another family in the registry (NIK_GANDA), naming that family.
func (im *importer) rejectForeignNIKs(ctx context.Context, tx *db.Tx, byKK map[int64]*staged) error {
	rows, err := tx.Query(ctx, `SELECT s.nik, s.no_kk, f.no_kk, f.village FROM stage_person s
		JOIN person p ON p.nik = s.nik AND p.ver_to IS NULL
		JOIN family f ON f.id = p.family_id AND f.ver_to IS NULL
		WHERE f.no_kk <> s.no_kk`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var n, kk, otherKK, otherVillage int64
		if err := rows.Scan(&n, &kk, &otherKK, &otherVillage); err != nil {
			return err
		}
		s := byKK[kk]
		if s == nil {
			continue
		}
		other := region.VillageCode(otherVillage)
		reveal := im.actor.InRegion(other) && auth.Can(im.actor, auth.PermRevealPII)
		for _, m := range s.fam.Members {
			if mn, _ := strconv.ParseInt(m.NIK, 10, 64); mn == n {
				s.problems = append(s.problems, problemAt(m.Line, 2, "nik", household.CodeDuplicateNIK, fmt.Sprintf(
					"NIK ini sudah terdaftar pada keluarga lain (KK %s, desa %s)", number16(otherKK, reveal), other)))
			}
		}
	}
	return rows.Err()
}

// loadExisting reads the current state of the chunk's families that are
// already in the registry, keyed by KK number.
func loadExisting(ctx context.Context, tx *db.Tx) (map[int64]*existing, error) {
	cur := map[int64]*existing{}
	byID := map[int64]*existing{}
	rows, err := tx.Query(ctx, `SELECT f.id, f.no_kk, f.village, f.desil, f.alamat FROM family f
		WHERE f.ver_to IS NULL AND f.no_kk IN (SELECT no_kk FROM stage_person)`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		e := &existing{members: map[int64]row{}}
		var kk int64
		if err := rows.Scan(&e.id, &kk, &e.village, &e.desil, &e.alamat); err != nil {
			rows.Close()
			return nil, err
		}
		cur[kk], byID[e.id] = e, e
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(cur) == 0 {
		return cur, err
	}
	rows, err = tx.Query(ctx, `SELECT p.family_id, p.nik, p.nama, p.nama_norm, p.dupkey, p.jenis_kelamin, p.tanggal_lahir, p.hubungan,
			p.hamil, p.disabilitas_berat, p.sekolah, p.status
		FROM person p JOIN family f ON f.id = p.family_id AND f.ver_to IS NULL
		WHERE p.ver_to IS NULL AND f.no_kk IN (SELECT no_kk FROM stage_person)`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var fid int64
		var r row
		if err := rows.Scan(&fid, &r.nik, &r.nama, &r.nama_norm, &r.dupkey, &r.jk, &r.born, &r.hubungan, &r.hamil, &r.disabilitas, &r.sekolah, &r.status); err != nil {
			return nil, err
		}
		if e := byID[fid]; e != nil {
			e.members[r.nik] = r
		}
	}
	return cur, rows.Err()
}

// writer collects the rows one registry version writes.
type writer struct {
	now                     time.Time
	newFams                 []*staged
	newIdx                  []int // index in changes of each new family
	famRows, personRows     [][]any
	closeFams, closePersons []int64
	changes                 []change
}

type change struct {
	fam     *staged
	id      int64 // 0: a new family, id assigned at write
	kind    string
	summary string
}

func (w *writer) empty() bool { return len(w.changes) == 0 }

// add queues a family new to the registry.
func (w *writer) add(s *staged) {
	w.newFams = append(w.newFams, s)
	w.newIdx = append(w.newIdx, len(w.changes))
	w.changes = append(w.changes, change{fam: s, kind: "ADDED", summary: addedSummary(len(s.fam.Members))})
}

// addedSummary is the history's note on a family new to the registry.
func addedSummary(members int) string { return fmt.Sprintf("keluarga baru, %d anggota", members) }

// change queues what differs between the file's family and its current
// state, and reports whether anything does.
func (w *writer) change(s *staged, old *existing) bool {
	var parts []string
	famChanged := old.village != s.village || old.desil != s.fam.Desil || old.alamat != s.alamat
	if old.village != s.village {
		parts = append(parts, "pindah desa "+region.VillageCode(old.village)+" → "+s.fam.KodeWilayah)
	}
	if old.desil != s.fam.Desil {
		parts = append(parts, fmt.Sprintf("desil %d → %d", old.desil, s.fam.Desil))
	}
	if old.alamat != s.alamat {
		parts = append(parts, "alamat berubah")
	}
	var added, changed, removed int
	seen := make(map[int64]bool, len(s.fam.Members))
	for _, r := range s.memberRows() {
		seen[r.nik] = true
		prev, ok := old.members[r.nik]
		switch {
		case !ok:
			added++
			w.personRows = append(w.personRows, personValues(r, old.id))
		case prev != r:
			changed++
			w.closePersons = append(w.closePersons, r.nik)
			w.personRows = append(w.personRows, personValues(r, old.id))
		}
	}
	for n := range old.members {
		if !seen[n] {
			removed++
			w.closePersons = append(w.closePersons, n)
		}
	}
	if added+changed+removed > 0 {
		parts = append(parts, fmt.Sprintf("anggota +%d ~%d −%d", added, changed, removed))
	}
	if len(parts) == 0 {
		return false
	}
	if famChanged {
		w.closeFams = append(w.closeFams, old.id)
		w.famRows = append(w.famRows, []any{old.id, s.kk, s.village, s.fam.Desil, s.alamat})
	}
	w.changes = append(w.changes, change{fam: s, id: old.id, kind: "CHANGED", summary: strings.Join(parts, "; ")})
	return true
}

// personValues is a person row for Copy, without its version (added at
// write, in room left for it).
func personValues(r row, familyID any) []any {
	return append(make([]any, 0, len(personCols)), r.nik, familyID, r.nama, r.nama_norm, r.dupkey, boxEnum(r.jk), r.born,
		boxEnum(r.hubungan), r.hamil, r.disabilitas, boxEnum(r.sekolah), boxEnum(r.status))
}

// boxedEnums holds each value of the enumerated columns as an interface
// value once, so that rows for Copy do not allocate one per person and
// column (a bulk load makes tens of millions).
var boxedEnums = func() map[string]any {
	m := map[string]any{}
	for _, s := range []string{"L", "P", string(household.Kepala), string(household.Pasangan), string(household.Anak),
		string(household.Orangtua), string(household.Famili), string(household.Lainnya), string(household.SchoolNone),
		string(household.SchoolSD), string(household.SchoolSMP), string(household.SchoolSMA), string(household.Hidup),
		string(household.Meninggal), string(household.Pindah)} {
		m[s] = s
	}
	return m
}()

func boxEnum(s string) any {
	if v, ok := boxedEnums[s]; ok {
		return v
	}
	return s
}

var (
	familyCols = []string{"id", "no_kk", "village", "desil", "alamat", "ver_from"}
	changeCols = []string{"version", "family_id", "kind", "village", "summary"}
	personCols = []string{"nik", "family_id", "nama", "nama_norm", "dupkey", "jenis_kelamin", "tanggal_lahir", "hubungan", "hamil", "disabilitas_berat", "sekolah", "status", "ver_from"}
)

// write applies the queued rows as version v: close what changed, then
// insert the new rows (the unique index on current NIKs needs that order).
func (w *writer) write(ctx context.Context, tx *db.Tx, v int64) error {
	if len(w.newFams) > 0 {
		first, err := allocFamilyIDs(ctx, tx, len(w.newFams))
		if err != nil {
			return err
		}
		for i, s := range w.newFams {
			id := first + int64(i)
			w.famRows = append(w.famRows, []any{id, s.kk, s.village, s.fam.Desil, s.alamat})
			for _, r := range s.memberRows() {
				w.personRows = append(w.personRows, personValues(r, id))
			}
			w.changes[w.newIdx[i]].id = id
		}
	}
	var closes [][]any
	for _, id := range w.closeFams {
		closes = append(closes, []any{"F", id})
	}
	for _, n := range w.closePersons {
		closes = append(closes, []any{"P", n})
	}
	if len(closes) > 0 {
		if _, err := tx.Copy(ctx, "stage_close", []string{"kind", "id"}, db.Rows(closes)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE family SET ver_to = $1 WHERE ver_to IS NULL AND id IN (SELECT id FROM stage_close WHERE kind = 'F')`, v); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE person SET ver_to = $1 WHERE ver_to IS NULL AND nik IN (SELECT id FROM stage_close WHERE kind = 'P')`, v); err != nil {
			return err
		}
	}
	fams := appendVersion(w.famRows, v)
	if _, err := tx.Copy(ctx, "family", familyCols, db.Rows(fams)); err != nil {
		return fmt.Errorf("write families: %w", err)
	}
	// In NIK order, inserts into the NIK index touch neighbouring pages.
	slices.SortFunc(w.personRows, func(a, b []any) int { return cmp.Compare(a[0].(int64), b[0].(int64)) })
	if _, err := tx.Copy(ctx, "person", personCols, db.Rows(appendVersion(w.personRows, v))); err != nil {
		return fmt.Errorf("write persons: %w", err)
	}
	changes := make([][]any, len(w.changes))
	for i, c := range w.changes {
		changes[i] = []any{v, c.id, c.kind, c.fam.village, c.summary}
	}
	_, err := tx.Copy(ctx, "family_change", changeCols, db.Rows(changes))
	return err
}

func appendVersion(rows [][]any, v int64) [][]any {
	for i := range rows {
		rows[i] = append(rows[i], v)
	}
	return rows
}

// findDuplicates queues possible duplicates of the chunk's accepted
// persons: another current person with the same normalised name and birth
// date in the same district under a different NIK (or twice in one family).
// Pairs already queued are not queued again. Returns how many are new.
func findDuplicates(ctx context.Context, tx *db.Tx, now time.Time) (int64, error) {
	return queueDuplicates(ctx, tx, now, `stage_person s
		JOIN person p0 ON p0.nik = s.nik AND p0.ver_to IS NULL
		JOIN person px ON px.dupkey = p0.dupkey AND px.ver_to IS NULL AND px.nik <> p0.nik
			AND px.tanggal_lahir = p0.tanggal_lahir AND px.nama_norm = p0.nama_norm
		JOIN person pa ON pa.nik = CASE WHEN p0.nik < px.nik THEN p0.nik ELSE px.nik END AND pa.ver_to IS NULL
		JOIN person pb ON pb.nik = CASE WHEN p0.nik < px.nik THEN px.nik ELSE p0.nik END AND pb.ver_to IS NULL`, "s.ok = 1")
}

// queueDuplicates queues the pairs of current persons pa (the lower NIK)
// and pb that the joins pairs and the condition where name, when their
// families are in one district; pairs already queued are not queued again.
// Returns how many are new.
func queueDuplicates(ctx context.Context, tx *db.Tx, now time.Time, pairs, where string) (int64, error) {
	res, err := tx.Exec(ctx, `INSERT INTO duplicate (kind, nik_a, nik_b, family_a, family_b, village, found_at, status)
		SELECT DISTINCT
			CASE WHEN pa.family_id = pb.family_id THEN 'DALAM_KELUARGA' ELSE 'NAMA_TANGGAL_SAMA' END,
			pa.nik, pb.nik, pa.family_id, pb.family_id, fa.village, `+db.TimeParam(tx.Engine(), 1)+`, 'TERBUKA'
		FROM `+pairs+`
		JOIN family fa ON fa.id = pa.family_id AND fa.ver_to IS NULL
		JOIN family fb ON fb.id = pb.family_id AND fb.ver_to IS NULL
		WHERE `+where+` AND fa.village / 10000 = fb.village / 10000
		ON CONFLICT (nik_a, nik_b) DO NOTHING`, now.Truncate(time.Microsecond))
	if err != nil {
		return 0, fmt.Errorf("duplicates: %w", err)
	}
	return res.RowsAffected()
}

// recordRejected counts rejected families and stores their problems with
// the original rows, for the error report.
func (im *importer) recordRejected(ctx context.Context, tx *db.Tx, rejected []*staged) error {
	for _, s := range rejected {
		im.sum.FamiliesRejected++
		im.sum.RowsRejected += int64(len(s.fam.Members))
	}
	return im.recordProblems(ctx, tx, rejected)
}

// recordProblems stores the errors of families with their original rows.
func (im *importer) recordProblems(ctx context.Context, tx *db.Tx, fams []*staged) error {
	var rows [][]any
	for _, s := range fams {
		cells := map[int][]string{}
		for i, m := range s.fam.Members {
			if i < len(s.fam.Cells) {
				cells[m.Line] = s.fam.Cells[i]
			}
		}
		for _, p := range s.problems {
			if p.Severity != household.SeverityError {
				continue
			}
			im.probs++
			rows = append(rows, []any{im.sum.JobID, im.probs, p.Line, p.Column, p.Field, p.Code, p.Message, csvLine(cells[p.Line])})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	if im.opt.Strict {
		im.pending = append(im.pending, rows...)
		return nil
	}
	_, err := tx.Copy(ctx, "import_problem", problemCols, db.Rows(rows))
	return err
}

var problemCols = []string{"job_id", "seq", "line", "kolom", "field", "kode", "pesan", "row_csv"}

// recordProblemsAfterRollback stores a strict import's problems once its
// transaction has been rolled back.
func (im *importer) recordProblemsAfterRollback(ctx context.Context) error {
	for len(im.pending) > 0 {
		n := min(len(im.pending), 10000)
		if _, err := im.d.CopyFrom(ctx, "import_problem", problemCols, db.Rows(im.pending[:n])); err != nil {
			return err
		}
		im.pending = im.pending[n:]
	}
	return nil
}

// csvLine encodes cells as one CSV line without its line break.
func csvLine(cells []string) string {
	if cells == nil {
		return ""
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(cells)
	w.Flush()
	return strings.TrimRight(b.String(), "\r\n")
}
