package registry

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"tepat"
	"tepat/audit"
	"tepat/auth"
	"tepat/db"
	"tepat/household"
)

// ImportOptions tune Import.
type ImportOptions struct {
	// Strict applies nothing when any row is rejected: the whole file runs in
	// one transaction that is rolled back at the end.
	Strict bool
	// Chunk is how many families are applied per transaction (default 20,000).
	// A crash leaves whole chunks applied or absent, never a part of one.
	Chunk int
	// Progress, if set, is called after each chunk with the rows read so far.
	Progress func(rows int64)
	// Step, if set, is told (in Bahasa Indonesia) what a bulk load does once
	// every row is read: the steps that no row count measures.
	Step func(what string)
	// Now is the reference date for birth dates in the future (default: now).
	Now time.Time
	// JobID, if not 0, is an import_job row already created (QUEUED) by the
	// caller, for example the web upload; otherwise Import creates one.
	JobID int64
	// FileName is the name shown in the job (default: the path's base name).
	FileName string
	// Chunked applies chunk by chunk even into an empty registry, where
	// Import otherwise makes one bulk load of the whole file (bulkLoad).
	Chunked bool
	// Log receives the timing of a bulk load's steps at debug level
	// (default: slog.Default()).
	Log *slog.Logger
}

// ImportSummary is what an import did; it is also the JSON the CLI prints.
type ImportSummary struct {
	JobID              int64 `json:"job_id"`
	Rows               int64 `json:"rows"`
	FamiliesAccepted   int64 `json:"families_accepted"`
	PersonsAccepted    int64 `json:"persons_accepted"`
	FamiliesRejected   int64 `json:"families_rejected"`
	RowsRejected       int64 `json:"rows_rejected"`
	PossibleDuplicates int64 `json:"possible_duplicates"`
	FamiliesUnchanged  int64 `json:"families_unchanged"`
	Applied            bool  `json:"applied"` // false only for a strict import with rejections
}

// Import imports the household file at path into the registry, as the
// actor in ctx (PermRegistryWrite; rows outside the actor's scope are
// rejected with WILAYAH_DI_LUAR_LINGKUP).
//
// A family is accepted or rejected whole, with every problem of every row
// recorded for the error report. A family already in the registry (same KK
// number) is replaced by the file's version; families not in the file are
// untouched. Importing the same file again changes nothing. The file is
// read twice: first to find NIKs shared by two families of the file and KK
// numbers split across the file (both families are rejected, each naming
// the other), then to validate and apply in chunks.
//
// Errors that make the file unusable as a whole (unreadable, missing
// column, wrong encoding) are returned before anything is applied, with
// the household package's problem codes: a bad header before the job is
// created, a break further in with the job recorded as failed.
//
// Into an empty registry, for a national user, the file is one bulk load
// (bulkLoad) instead of chunks.
func Import(ctx context.Context, d *db.DB, path string, opt ImportOptions) (ImportSummary, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermRegistryWrite); err != nil {
		return ImportSummary{}, err
	}
	if opt.Chunk <= 0 {
		opt.Chunk = 20000
	}
	if opt.FileName == "" {
		opt.FileName = filepath.Base(path)
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	r, err := openRows(path, opt)
	if err != nil {
		return ImportSummary{}, err
	}
	defer r.Close()
	one := startPassOne(ctx, path, opt)
	im := &importer{d: d, actor: a, opt: opt, path: path, one: one}
	if im.sum.JobID, err = im.startJob(ctx, opt, r.Header()); err != nil {
		one.wait()
		return ImportSummary{}, err
	}
	err = im.run(ctx, r)
	if ferr := im.finishJob(ctx, err); err == nil {
		err = ferr
	}
	return im.sum, err
}

// openRows opens the file for the second pass (and a bulk load's reading
// of the families the first pass names): every check but the file-wide
// ones the first pass makes, with each row's original cells.
func openRows(path string, opt ImportOptions) (*household.Reader, error) {
	return household.Open(path, household.Options{Now: opt.Now, DisableNIKCheck: true, DisableOrderCheck: true, KeepCells: true})
}

// newVersion starts the registry version an import's changes are written as.
func (im *importer) newVersion(ctx context.Context, tx *db.Tx) (int64, error) {
	return newVersion(ctx, tx, fmt.Sprintf("import:%d", im.sum.JobID), "impor "+clipName(im.opt.FileName))
}

// passOne is the first pass over the file (scanFile), run on its own
// goroutine.
type passOne struct {
	done  chan struct{}
	sha   string
	extra map[int][]household.Problem
	err   error
}

func startPassOne(ctx context.Context, path string, opt ImportOptions) *passOne {
	p := &passOne{done: make(chan struct{})}
	go func() {
		defer close(p.done)
		p.sha, p.extra, p.err = scanFile(ctx, path, opt)
	}()
	return p
}

// wait returns the first pass's problems per family ordinal once it is done.
func (p *passOne) wait() (map[int][]household.Problem, error) {
	<-p.done
	return p.extra, p.err
}

// scanFile is the first pass: it checks the file as a whole and finds
// cross-family problems, returned per family ordinal. The file's SHA-256
// is taken at the same time, on another core.
//
// Memory is 16 bytes per person and per family up to keySet's limit, and
// bounded beyond it (the keys spill to temporary files).
func scanFile(ctx context.Context, path string, opt ImportOptions) (string, map[int][]household.Problem, error) {
	type hashed struct {
		sum string
		err error
	}
	hash := make(chan hashed, 1)
	go func() {
		sum, err := fileSHA256(ctx, path)
		hash <- hashed{sum, err}
	}()
	extra, err := scanKeys(ctx, path, opt)
	h := <-hash
	if err == nil {
		err = h.err
	}
	return h.sum, extra, err
}

func scanKeys(ctx context.Context, path string, opt ImportOptions) (map[int][]household.Problem, error) {
	r, err := household.Open(path, household.Options{Now: opt.Now, DisableNIKCheck: true, DisableOrderCheck: true, KeysOnly: true})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var niks, kks keySet
	defer niks.close()
	defer kks.close()
	for ord := int32(0); r.Next(); ord++ {
		if ord%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		fam := r.Family()
		if kk, ok := key16(fam.NoKK); ok {
			if err := kks.add(seenKey{kk, ord, int32(fam.Line)}); err != nil {
				return nil, err
			}
		}
		for _, m := range fam.Members {
			if n, ok := key16(m.NIK); ok {
				if err := niks.add(seenKey{n, ord, int32(m.Line)}); err != nil {
					return nil, err
				}
			}
		}
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	extra := map[int][]household.Problem{}
	add := func(ord int32, p household.Problem) { extra[int(ord)] = append(extra[int(ord)], p) }
	// A KK number met again: both parts of the family are rejected.
	err = kks.repeats(func(first, again seenKey) {
		add(first.ord, problemAt(int(first.line), 1, "no_kk", household.CodeNotContiguous,
			fmt.Sprintf("baris keluarga ini terpisah: nomor KK yang sama muncul lagi di baris %d; kedua bagian ditolak", again.line)))
		add(again.ord, problemAt(int(again.line), 1, "no_kk", household.CodeNotContiguous,
			fmt.Sprintf("baris keluarga ini terpisah: nomor KK yang sama sudah muncul di baris %d; kedua bagian ditolak", first.line)))
	})
	if err != nil {
		return nil, err
	}
	kks.close()
	// A NIK in two families: both are rejected. Twice inside one family is
	// the reader's to report.
	err = niks.repeats(func(first, again seenKey) {
		if first.ord == again.ord {
			return
		}
		add(first.ord, problemAt(int(first.line), 2, "nik", household.CodeDuplicateNIK,
			fmt.Sprintf("NIK ini juga tercantum pada keluarga lain di baris %d; kedua keluarga ditolak", again.line)))
		add(again.ord, problemAt(int(again.line), 2, "nik", household.CodeDuplicateNIK,
			fmt.Sprintf("NIK ini sudah tercantum pada keluarga lain di baris %d; kedua keluarga ditolak", first.line)))
	})
	if err != nil {
		return nil, err
	}
	for _, ps := range extra {
		slices.SortStableFunc(ps, func(a, b household.Problem) int { return cmp.Compare(a.Line, b.Line) })
	}
	return extra, nil
}

// key16 reads a 16-digit KK number or NIK as a key.
func key16(s string) (uint64, bool) {
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil && len(s) == 16
}

func fileSHA256(ctx context.Context, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, ctxReader{ctx, f}); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// ctxReader stops reading once its context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func problemAt(line, col int, field, code, msg string) household.Problem {
	return household.Problem{Line: line, Column: col, Field: field, Code: code, Message: msg, Severity: household.SeverityError}
}

// importer is the second pass.
type importer struct {
	d       *db.DB
	actor   *tepat.Actor
	opt     ImportOptions
	path    string
	one     *passOne
	extra   map[int][]household.Problem // the first pass's, once known
	sum     ImportSummary
	probs   int     // problems recorded so far (sequence in import_problem)
	pending [][]any // a strict import's problems, stored after its rollback
	// analyzedAt is PersonsAccepted when statistics were last refreshed.
	analyzedAt int64
	bulk       *bulkLoad // a first load into an empty registry
}

// run is the second pass. A bulk load reads it beside the first pass and
// settles the first pass's findings at its end (bulkLoad.settle); chunks
// need them from the start.
func (im *importer) run(ctx context.Context, r *household.Reader) error {
	// A bulk load only for national users: a scoped user's rows outside
	// their region are rejected while reading, which must see the first
	// pass's findings first to report what a chunked import reports.
	bulk := !im.opt.Chunked && im.actor.National()
	if im.opt.Strict || bulk {
		// One transaction for the whole file: a strict import, rolled back
		// if anything is rejected, or a bulk load into an empty registry.
		err := im.d.InTx(ctx, func(tx *db.Tx) error {
			if bulk {
				var err error
				if im.bulk, err = beginBulk(ctx, im, tx); err != nil {
					return err
				}
				if im.bulk == nil && !im.opt.Strict {
					return errNotEmpty
				}
			}
			if im.bulk == nil {
				var err error
				if im.extra, err = im.one.wait(); err != nil {
					return err
				}
			}
			if err := im.pass(ctx, r, tx); err != nil {
				return err
			}
			if im.bulk != nil {
				if err := im.bulk.settle(ctx, im, tx); err != nil {
					return err
				}
			}
			if im.opt.Strict && im.sum.FamiliesRejected > 0 {
				return errStrict
			}
			if im.bulk != nil {
				return im.bulk.finish(ctx, im, tx)
			}
			return nil
		})
		switch err {
		case errNotEmpty: // nothing read yet: import chunk by chunk
		case errStrict:
			im.sum.Applied = false
			im.sum.FamiliesAccepted, im.sum.PersonsAccepted, im.sum.PossibleDuplicates, im.sum.FamiliesUnchanged = 0, 0, 0, 0
			return im.recordProblemsAfterRollback(ctx)
		default:
			return err
		}
	}
	var err error
	if im.extra, err = im.one.wait(); err != nil {
		return err
	}
	return im.pass(ctx, r, nil)
}

func (im *importer) step(what string) {
	if im.opt.Step != nil {
		im.opt.Step(what)
	}
}

func (im *importer) log() *slog.Logger {
	if im.opt.Log != nil {
		return im.opt.Log
	}
	return slog.Default()
}

var errNotEmpty = fmt.Errorf("registry not empty")

var errStrict = fmt.Errorf("strict import rejected")

// pass reads the families and applies them chunk by chunk, each chunk in
// its own transaction (or all in tx, when given). Reading and validating
// the next chunk (one goroutine) overlaps with applying the current one.
func (im *importer) pass(ctx context.Context, r *household.Reader, tx *db.Tx) error {
	im.sum.Applied = true
	type batch struct {
		chunk, rejected []*staged
		rows            int64
	}
	batches := make(chan batch, 1)
	stop := make(chan struct{})
	var readErr error
	go func() {
		defer close(batches)
		var b batch
		send := func() bool {
			select {
			case batches <- b:
				b = batch{}
				return true
			case <-stop:
				return false
			}
		}
		for ord := 0; r.Next(); ord++ {
			fam := r.Family()
			b.rows += int64(len(fam.Members))
			s := &staged{fam: fam, problems: append(fam.Problems, im.extra[ord]...)}
			switch {
			case hasError(s.problems):
			case !im.actor.InRegion(fam.KodeWilayah):
				for _, m := range fam.Members {
					s.problems = append(s.problems, problemAt(m.Line, 7, "kode_wilayah", CodeOutOfScope,
						"desa/kelurahan keluarga ini di luar wilayah kewenangan Anda"))
				}
			default:
				s.problems = nil // warnings only: the family is accepted
				s.prepare()
				s.memberRows() // here, beside the writer
				if im.bulk != nil {
					im.bulk.stage(ord, s)
				}
				b.chunk = append(b.chunk, s)
				if len(b.chunk) >= im.opt.Chunk && !send() {
					return
				}
				continue
			}
			b.rejected = append(b.rejected, s)
		}
		readErr = r.Err()
		if len(b.chunk) > 0 || len(b.rejected) > 0 {
			send()
		}
	}()
	defer func() {
		close(stop)
		for range batches { // let the reader goroutine end
		}
	}()
	for b := range batches {
		im.sum.Rows += b.rows
		if err := im.flush(ctx, tx, b.chunk, b.rejected); err != nil {
			return err
		}
	}
	return readErr // set before batches was closed
}

// flush applies one chunk and records its rejected families, in tx when
// given, else in a transaction of its own.
func (im *importer) flush(ctx context.Context, tx *db.Tx, chunk, rejected []*staged) error {
	apply := func(tx *db.Tx) error {
		if err := im.applyChunk(ctx, tx, chunk); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE import_job SET rows_read = $2 WHERE id = $1`, im.sum.JobID, im.sum.Rows); err != nil {
			return err
		}
		all := rejected
		for _, c := range chunk {
			if len(c.problems) > 0 {
				all = append(all, c)
			}
		}
		return im.recordRejected(ctx, tx, all)
	}
	var err error
	if tx != nil {
		err = apply(tx)
	} else {
		err = im.d.InTx(ctx, apply)
	}
	if err == nil && im.opt.Progress != nil {
		im.opt.Progress(im.sum.Rows)
	}
	return err
}

// analyze refreshes PostgreSQL's statistics on the registry tables after
// the first chunk and whenever this import has doubled what it had written
// at the last refresh (a few milliseconds on small tables, a sample on large
// ones). A first load into an empty registry otherwise leaves the planner
// believing the tables are empty, and its nested scans then take hours.
func (im *importer) analyze(ctx context.Context, tx *db.Tx) error {
	if im.d.Engine() != db.Postgres || im.sum.PersonsAccepted < 2*im.analyzedAt || im.sum.PersonsAccepted == 0 {
		return nil
	}
	im.analyzedAt = im.sum.PersonsAccepted
	// Inside the chunk's transaction, ANALYZE counts the rows it wrote.
	_, err := tx.Exec(ctx, `ANALYZE family, person`)
	return err
}

// CodeOutOfScope rejects rows outside the importing user's region scope.
const CodeOutOfScope = "WILAYAH_DI_LUAR_LINGKUP"

func hasError(ps []household.Problem) bool {
	for _, p := range ps {
		if p.Severity == household.SeverityError {
			return true
		}
	}
	return false
}

// startJob marks the job running; its file's SHA-256 is written when it
// finishes (the first pass takes it).
func (im *importer) startJob(ctx context.Context, opt ImportOptions, header []string) (int64, error) {
	sha := ""
	now := time.Now().UTC().Truncate(time.Microsecond)
	hdr := csvLine(header)
	if opt.JobID != 0 {
		_, err := im.d.Exec(ctx, `UPDATE import_job SET status = 'RUNNING', file_sha256 = $2, header_csv = $3 WHERE id = $1`, opt.JobID, sha, hdr)
		return opt.JobID, err
	}
	var id int64
	err := im.d.QueryRow(ctx, `INSERT INTO import_job (file_name, file_sha256, header_csv, actor, strict, status, created_at)
		VALUES ($1, $2, $3, $4, $5, 'RUNNING', $6) RETURNING id`, clipName(opt.FileName), sha, hdr, im.actor.Username, opt.Strict, now).Scan(&id)
	return id, err
}

// finishJob records the outcome and audits the import.
func (im *importer) finishJob(ctx context.Context, runErr error) error {
	status, msg := "DONE", ""
	if runErr != nil {
		status, msg = "FAILED", tepat.ErrorMessage(runErr)
	} else if !im.sum.Applied {
		status, msg = "FAILED", fmt.Sprintf("mode ketat: %d keluarga ditolak, tidak ada yang diterapkan", im.sum.FamiliesRejected)
	}
	s := im.sum
	im.one.wait() // its SHA-256 of the file
	return im.d.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE import_job SET status = $2, error = $3, rows_read = $4, families_accepted = $5,
			persons_accepted = $6, families_rejected = $7, rows_rejected = $8, possible_duplicates = $9, families_unchanged = $10,
			finished_at = $11, file_sha256 = COALESCE(NULLIF($12, ''), file_sha256) WHERE id = $1`, s.JobID, status, msg, s.Rows, s.FamiliesAccepted, s.PersonsAccepted,
			s.FamiliesRejected, s.RowsRejected, s.PossibleDuplicates, s.FamiliesUnchanged, time.Now().UTC().Truncate(time.Microsecond), im.one.sha); err != nil {
			return err
		}
		_, err := audit.Record(ctx, tx, "registry.import", fmt.Sprintf("import:%d", s.JobID), scopeRegion(im.actor),
			fmt.Sprintf("impor %s: %d baris; %d keluarga (%d jiwa) diterima, %d tidak berubah, %d ditolak (%d baris); %d kemungkinan ganda",
				status, s.Rows, s.FamiliesAccepted, s.PersonsAccepted, s.FamiliesUnchanged, s.FamiliesRejected, s.RowsRejected, s.PossibleDuplicates))
		return err
	})
}

func scopeRegion(a *tepat.Actor) string {
	if len(a.Regions) == 1 {
		return a.Regions[0]
	}
	return ""
}

func clipName(s string) string {
	if len(s) > 200 {
		return s[:200]
	}
	return s
}
