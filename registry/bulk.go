package registry

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"tepat/db"
)

// bulkLoad is a first load into an empty registry: the whole file in one
// transaction, the secondary indexes of family, person and family_change
// dropped at its start and built again at its end, where building an index
// sorts its keys once instead of inserting them one by one at random places
// (the cost that bounds a chunked import). An empty registry has nothing to
// check a family against — no NIK of another family, no current version of
// the family — so families are written as they are read, without looking
// anything up: the reader gives each its id and rows (stage), the writer
// only copies them (apply). The first pass runs beside it; what it finds —
// NIKs and KK numbers repeated across families — is settled at the end by
// taking those families out again (settle), before the indexes are built.
// Possible duplicates are found once, over the whole load (finish).
//
// The transaction makes it all or nothing: a crash or kill leaves the
// registry empty and its indexes as they were, and running the import again
// does it all. Other writers wait for it (on SQLite every writer, up to the
// busy timeout); on PostgreSQL readers of family and person wait too (DROP
// INDEX locks the tables), which costs nothing on an empty registry.
type bulkLoad struct {
	indexes [][2]string // each dropped index: name, how to build it again
	version int64       // the load's registry version
	first   int64       // the first family id of the load
	// On the reader's goroutine until the second pass ends:
	next    int64   // the next family id
	seen    int     // family ordinals staged or passed over so far
	skipped []int32 // the ordinals below seen not written (rejected while reading), ascending
}

// written returns the id of the family of ordinal ord, if the load wrote
// it: ids follow the written families in file order.
func (b *bulkLoad) written(ord int) (int64, bool) {
	if ord >= b.seen {
		return 0, false
	}
	before, skipped := slices.BinarySearch(b.skipped, int32(ord))
	if skipped {
		return 0, false
	}
	return b.first + int64(ord-before), true
}

// liveIndexes are kept during a bulk load: their keys arrive in order (new
// family ids ascend), so appending to them costs what building them would,
// and settle finds a family's persons through person_family.
var liveIndexes = map[string]bool{"person_family": true}

// bulkRows are a staged family's rows, for Copy.
type bulkRows struct {
	family, change []any
	persons        [][]any
}

// beginBulk takes the registry's writer lock and, if the registry has never
// held a family or a person, drops the secondary indexes of family, person
// and family_change (but liveIndexes) and returns the load with its
// version; nil if the registry is not empty.
func beginBulk(ctx context.Context, im *importer, tx *db.Tx) (*bulkLoad, error) {
	if err := lockRegistry(ctx, tx); err != nil {
		return nil, err
	}
	var used bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM family) OR EXISTS (SELECT 1 FROM person)`).Scan(&used); err != nil || used {
		return nil, err
	}
	q := `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('family', 'person', 'family_change') AND sql IS NOT NULL
		ORDER BY name`
	if tx.Engine() == db.Postgres {
		// Not the indexes behind a constraint (the primary keys): those stay.
		q = `SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
			WHERE i.indrelid IN ('family'::regclass, 'person'::regclass, 'family_change'::regclass)
				AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
			ORDER BY c.relname`
	}
	rows, err := tx.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	b := &bulkLoad{}
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			rows.Close()
			return nil, err
		}
		if !liveIndexes[name] {
			b.indexes = append(b.indexes, [2]string{name, def})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, ix := range b.indexes {
		if _, err := tx.Exec(ctx, `DROP INDEX "`+ix[0]+`"`); err != nil {
			return nil, fmt.Errorf("bulk load: %w", err)
		}
	}
	if err := tx.QueryRow(ctx, `SELECT next FROM family_seq WHERE id = 1`).Scan(&b.first); err != nil {
		return nil, err
	}
	b.next = b.first
	b.version, err = im.newVersion(ctx, tx)
	return b, err
}

// stage gives an accepted family of the file's ordinal ord its id and rows;
// it runs on the reader's goroutine.
func (b *bulkLoad) stage(ord int, s *staged) {
	for o := b.seen; o < ord; o++ {
		b.skipped = append(b.skipped, int32(o))
	}
	b.seen = ord + 1
	s.id = b.next
	b.next++
	id, village, version := any(s.id), any(s.village), any(b.version) // boxed once for all rows
	rows := &bulkRows{
		family:  []any{id, s.kk, village, s.fam.Desil, s.alamat, version},
		change:  []any{version, id, "ADDED", village, addedSummary(len(s.fam.Members))},
		persons: make([][]any, len(s.fam.Members)),
	}
	for i, r := range s.memberRows() {
		rows.persons[i] = append(personValues(r, id), version)
	}
	s.bulk = rows
}

// apply writes a chunk's staged families.
func (b *bulkLoad) apply(ctx context.Context, im *importer, tx *db.Tx, chunk []*staged) error {
	fams := make([][]any, len(chunk))
	changes := make([][]any, len(chunk))
	var persons [][]any
	for i, s := range chunk {
		im.sum.FamiliesAccepted++
		im.sum.PersonsAccepted += int64(len(s.fam.Members))
		fams[i], changes[i] = s.bulk.family, s.bulk.change
		persons = append(persons, s.bulk.persons...)
	}
	if _, err := tx.Copy(ctx, "family", familyCols, db.Rows(fams)); err != nil {
		return fmt.Errorf("write families: %w", err)
	}
	if _, err := tx.Copy(ctx, "person", personCols, db.Rows(persons)); err != nil {
		return fmt.Errorf("write persons: %w", err)
	}
	_, err := tx.Copy(ctx, "family_change", changeCols, db.Rows(changes))
	return err
}

// settle takes the first pass's findings once it is done: a family that
// shares a NIK or its KK number with another family of the file is
// rejected — taken out again if it was written — with its problems and
// rows read from the file once more (only when there are such families).
func (b *bulkLoad) settle(ctx context.Context, im *importer, tx *db.Tx) error {
	im.log().DebugContext(ctx, "bulk load: rows written", "families", b.next-b.first, "persons", im.sum.PersonsAccepted)
	im.step("memeriksa NIK dan KK ganda dalam file")
	extra, err := im.one.wait()
	if err != nil || len(extra) == 0 {
		return err
	}
	r, err := openRows(im.path, im.opt)
	if err != nil {
		return err
	}
	defer r.Close()
	// In batches, so that a file with many such families is never held
	// whole.
	var written, rejected []*staged
	flush := func() error {
		if err := unwrite(ctx, tx, written); err != nil {
			return err
		}
		for _, s := range written {
			im.sum.FamiliesAccepted--
			im.sum.PersonsAccepted -= int64(len(s.fam.Members))
		}
		if err := im.recordRejected(ctx, tx, written); err != nil {
			return err
		}
		err := im.recordProblems(ctx, tx, rejected)
		written, rejected = nil, nil
		return err
	}
	for ord := 0; r.Next(); ord++ {
		ps, ok := extra[ord]
		if !ok {
			continue
		}
		s := &staged{fam: r.Family(), problems: ps}
		if id, ok := b.written(ord); ok {
			s.id = id
			written = append(written, s)
		} else {
			rejected = append(rejected, s) // its own problems are recorded
		}
		if len(written)+len(rejected) == 1000 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := r.Err(); err != nil {
		return err
	}
	return flush()
}

// unwrite deletes the rows a bulk load wrote for fams.
func unwrite(ctx context.Context, tx *db.Tx, fams []*staged) error {
	for len(fams) > 0 {
		n := min(len(fams), 500)
		ids := make([]any, n)
		marks := make([]string, n)
		for i, s := range fams[:n] {
			ids[i], marks[i] = s.id, fmt.Sprintf("$%d", i+1)
		}
		in := " IN (" + strings.Join(marks, ", ") + ")"
		for _, q := range []string{`DELETE FROM person WHERE family_id`, `DELETE FROM family_change WHERE family_id`, `DELETE FROM family WHERE id`} {
			if _, err := tx.Exec(ctx, q+in, ids...); err != nil {
				return err
			}
		}
		fams = fams[n:]
	}
	return nil
}

// finish builds the dropped indexes again — a unique one would refuse the
// load if a repeated NIK or KK number had got through — and queues the
// load's possible duplicates. A load that wrote nothing gives its version
// back.
func (b *bulkLoad) finish(ctx context.Context, im *importer, tx *db.Tx) error {
	if _, err := tx.Exec(ctx, `UPDATE family_seq SET next = $1 WHERE id = 1`, b.next); err != nil {
		return err
	}
	if im.sum.FamiliesAccepted == 0 {
		if _, err := tx.Exec(ctx, `DELETE FROM registry_change WHERE version = $1`, b.version); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE registry_head SET version = version - 1 WHERE id = 1`); err != nil {
			return err
		}
	}
	if tx.Engine() == db.Postgres {
		// Raise, never lower, the memory for sorting index keys.
		if _, err := tx.Exec(ctx, `SELECT set_config('maintenance_work_mem', '256MB', true)
			WHERE pg_size_bytes(current_setting('maintenance_work_mem')) < 256 * 1024 * 1024`); err != nil {
			return err
		}
	}
	im.step("membangun indeks")
	for _, ix := range b.indexes {
		start := time.Now()
		if _, err := tx.Exec(ctx, ix[1]); err != nil {
			return fmt.Errorf("bulk load: build index %s again: %w", ix[0], err)
		}
		im.log().DebugContext(ctx, "bulk load: index built", "index", ix[0], "seconds", time.Since(start).Seconds())
	}
	if tx.Engine() == db.Postgres {
		if _, err := tx.Exec(ctx, `ANALYZE family, person, family_change`); err != nil {
			return err
		}
	}
	im.step("mencari kemungkinan data ganda")
	start := time.Now()
	n, err := findAllDuplicates(ctx, tx, time.Now().UTC())
	im.sum.PossibleDuplicates += n
	im.log().DebugContext(ctx, "bulk load: possible duplicates found", "pairs", n, "seconds", time.Since(start).Seconds())
	return err
}

// findAllDuplicates queues every possible duplicate among the current
// persons, as findDuplicates does for a chunk's: the duplicate keys held
// more than once are read in index order (no lookups for the keys held
// once, nearly all of them), and only their persons are joined.
func findAllDuplicates(ctx context.Context, tx *db.Tx, now time.Time) (int64, error) {
	return queueDuplicates(ctx, tx, now, `(SELECT dupkey FROM person WHERE ver_to IS NULL GROUP BY dupkey HAVING COUNT(*) > 1) k
		JOIN person pa ON pa.dupkey = k.dupkey AND pa.ver_to IS NULL
		JOIN person pb ON pb.dupkey = k.dupkey AND pb.ver_to IS NULL AND pb.nik > pa.nik
			AND pb.tanggal_lahir = pa.tanggal_lahir AND pb.nama_norm = pa.nama_norm`, "TRUE")
}
