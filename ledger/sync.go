package ledger

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"tepat"
	"tepat/db"
	"tepat/program"
	"tepat/terminal"
)

// SyncConfig tunes Sync.
type SyncConfig struct {
	// Skew is how far in the future an entry's time may be (default 5 min).
	Skew time.Duration
	// Clock gives the server's time (default time.Now).
	Clock func() time.Time
}

// received is one entry of an upload as the server reads it.
type received struct {
	raw     terminal.SignedEntry
	body    []byte
	e       terminal.Entry
	seq     int64 // from e, or read leniently from a body that does not decode
	hash    string
	sigOK   bool          // valid once ready is closed
	ready   chan struct{} // closed when sigOK is known
	decoded error         // nil when e is valid
}

// Sync takes a terminal's upload of offline entries. Every entry is
// verified (signature with the terminal's key — also a revoked terminal's
// — and fields), then taken in sequence order on the terminal's chain:
//
//   - a sequence number the server already holds with the same content is
//     a duplicate (harmless; the genuine entry in the place of an altered
//     copy is applied then), with other content signed by the terminal a
//     fork (CABANG_GANDA); with a failing signature it is only answered;
//   - the next number is taken: applied to the ledger if its chain link,
//     time, manifest, family and allowance are right, else queued as a
//     conflict with its code; either way the chain moves on, so one bad
//     entry never blocks the valid ones after it. An entry whose own
//     signature fails moves the chain only when the terminal's next entry,
//     correctly signed, vouches for its place; otherwise it is answered and
//     nothing is stored, so unauthenticated input changes nothing;
//   - entries after a gap wait (Pending): the answer's LastSeq tells the
//     terminal where to resume.
//
// Applying an entry posts it (CASH: program fund → merchant, and the
// entitlement is marked paid offline for reconciliation; WALLET: the
// manifest's reserve → merchant) and counts it against the family's
// allowance. It all happens in one transaction: an upload cut off or
// repeated applies nothing twice. Signatures are verified on all cores
// while the chain is walked and written.
func Sync(ctx context.Context, d *db.DB, up terminal.Upload, cfg SyncConfig) (terminal.SyncResult, error) {
	if cfg.Skew <= 0 {
		cfg.Skew = DefaultSkew
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	now := cfg.Clock().UTC().Truncate(time.Microsecond)
	var pub []byte
	var status, merchantID, village string
	var revoked db.Time
	err := d.QueryRow(ctx, `SELECT t.public_key, t.status, t.revoked_at, t.merchant_id, m.village FROM terminal t JOIN merchant m ON m.id = t.merchant_id
		WHERE t.id = $1`, up.Terminal).Scan(&pub, &status, &revoked, &merchantID, &village)
	if errors.Is(err, sql.ErrNoRows) {
		return terminal.SyncResult{}, terminal.Refuse(tepat.EUNAUTHORIZED, terminal.ReasonUnknownTerm, "terminal %s tidak dikenal", up.Terminal)
	} else if err != nil {
		return terminal.SyncResult{}, err
	}
	entries := prepareAll(up.Entries)
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].seq < entries[j].seq })
	verifyAsync(ed25519.PublicKey(pub), entries)
	defer func() {
		for _, r := range entries { // let the verifiers finish before returning
			<-r.ready
		}
	}()

	var res terminal.SyncResult
	err = d.InTx(ctx, func(tx *db.Tx) error {
		res = terminal.SyncResult{Terminal: up.Terminal, Conflicts: []terminal.EntryConflict{}}
		s := &syncer{tx: tx, terminal: up.Terminal, merchant: merchantID, village: village, now: now, skew: cfg.Skew,
			manifests: map[string]*syncManifest{}}
		if status == StatusRevoked {
			s.revokedAt = revoked.Ptr()
		}
		return s.run(ctx, entries, &res)
	})
	if err != nil {
		return terminal.SyncResult{}, err
	}
	return res, nil
}

// prepareAll decodes every entry and hashes it, on all cores; the
// signatures are checked by verifyAsync.
func prepareAll(in []terminal.SignedEntry) []*received {
	out := make([]*received, len(in))
	parallel(len(in), func(i int) {
		r := &received{raw: in[i], ready: make(chan struct{})}
		r.body, _ = base64.StdEncoding.DecodeString(in[i].Body)
		r.hash = terminal.HexHash(terminal.EntryHash(r.body))
		r.e, r.decoded = terminal.DecodeEntry(r.body)
		if r.decoded == nil {
			r.seq = r.e.Seq
		} else {
			var lenient struct {
				Seq int64 `json:"seq"`
			}
			json.Unmarshal(r.body, &lenient)
			r.seq = lenient.Seq
		}
		out[i] = r
	})
	return out
}

// verifyAsync checks the entries' signatures on all cores, in order, and
// closes each entry's ready when its result is in: the chain is walked
// (and written) while the later signatures are still being checked.
func verifyAsync(pub ed25519.PublicKey, entries []*received) {
	go parallel(len(entries), func(i int) {
		r := entries[i]
		r.sigOK = terminal.Verify(pub, terminal.EntryPrefix, r.body, r.raw.Signature) == nil
		close(r.ready)
	})
}

// parallel runs fn(0..n-1) on GOMAXPROCS goroutines, indexes in order.
func parallel(n int, fn func(int)) {
	var wg sync.WaitGroup
	next := make(chan int, 256)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

// heldEntry is an entry the server holds: placeholder when its hash is
// the one a later entry vouched for, its content unverified.
type heldEntry struct {
	hash        string
	placeholder bool
}

type syncManifest struct {
	id, kind, program, status string
	cycle                     int64
	validUntil                time.Time
	reserve                   int64 // RESERVE account (wallet manifests)
	prog                      *program.Program
}

type syncReservation struct {
	family, allowance, spent, delta int64
}

type syncer struct {
	tx        *db.Tx
	terminal  string
	merchant  string
	village   string
	now       time.Time
	skew      time.Duration
	revokedAt *time.Time

	manifests map[string]*syncManifest
	res       map[string]*syncReservation // manifest + "/" + kk

	entryRows, replaceRows, conflictRows, txnRows, postingRows []any
	nEntry, nTxn                                               int
	applied                                                    int
	paid                                                       map[[2]int64]int64 // (cycle, family) → cash paid now
}

func (s *syncer) run(ctx context.Context, entries []*received, res *terminal.SyncResult) error {
	tx := s.tx
	lock := ""
	if tx.Engine() == db.Postgres {
		lock = " FOR UPDATE"
	}
	if _, err := tx.Exec(ctx, `INSERT INTO offline_chain (terminal_id, last_seq, last_hash, synced_at) VALUES ($1, 0, $2, $3)
		ON CONFLICT (terminal_id) DO NOTHING`, s.terminal, terminal.HexHash(terminal.GenesisHash), s.now); err != nil {
		return err
	}
	var lastSeq int64
	var lastHash string
	if err := tx.QueryRow(ctx, `SELECT last_seq, last_hash FROM offline_chain WHERE terminal_id = $1`+lock, s.terminal).Scan(&lastSeq, &lastHash); err != nil {
		return err
	}
	// What the server already holds of the upload's sequence numbers (and
	// the one before, for a late entry's link).
	held := map[int64]heldEntry{}
	if len(entries) > 0 {
		lo, hi := entries[0].seq-1, entries[len(entries)-1].seq
		if lo <= lastSeq {
			rows, err := tx.Query(ctx, `SELECT seq, hash, status, code FROM offline_entry WHERE terminal_id = $1 AND seq BETWEEN $2 AND $3`,
				s.terminal, lo, min(hi, lastSeq))
			if err != nil {
				return err
			}
			for rows.Next() {
				var seq int64
				var h heldEntry
				var status, code string
				if err := rows.Scan(&seq, &h.hash, &status, &code); err != nil {
					rows.Close()
					return err
				}
				h.placeholder = status == "CONFLICT" && (code == terminal.ConflictSignature || code == terminal.ConflictMalformed)
				held[seq] = h
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
	}
	if err := s.load(ctx, entries); err != nil {
		return err
	}
	base, err := nextIDs(ctx, tx, "txn", int64(len(entries)))
	if err != nil {
		return err
	}
	merchantAcct, err := s.merchantAccount(ctx)
	if err != nil {
		return err
	}
	funds := map[string]int64{}
	s.paid = map[[2]int64]int64{}
	refuse := func(r *received, code, detail string) { // answered, not stored: nothing proves the terminal sent it
		res.Conflicts = append(res.Conflicts, terminal.EntryConflict{Seq: r.seq, Code: code, Detail: detail})
	}
	// apply posts an entry that passed check.
	apply := func(r *received, id int64) error {
		m := s.manifests[r.e.Manifest]
		rv := s.res[r.e.Manifest+"/"+r.e.KK]
		rv.spent += r.e.Amount
		rv.delta += r.e.Amount
		from := m.reserve
		if m.kind == terminal.ManifestCash {
			if _, ok := funds[m.program]; !ok {
				if funds[m.program], err = ensureAccount(ctx, tx, "FUND", m.program, ""); err != nil {
					return err
				}
			}
			from = funds[m.program]
			s.paid[[2]int64{m.cycle, rv.family}] += r.e.Amount
		}
		s.txnRows = append(s.txnRows, id, "OFFLINE", fmt.Sprintf("%s:%d", s.terminal, r.seq), r.e.Amount, s.now, s.terminal)
		s.postingRows = append(s.postingRows, id, from, -r.e.Amount, id, merchantAcct, r.e.Amount)
		s.nTxn++
		res.Applied++
		return nil
	}
	// take checks an entry (prev: the hash its link must name, "" when
	// unknown) and applies it as transaction id, or queues it.
	take := func(r *received, prev string, id int64) (string, *int64, error) {
		code, detail := s.check(r, prev)
		if code != "" {
			s.conflict(r, code, detail)
			res.Conflicts = append(res.Conflicts, terminal.EntryConflict{Seq: r.seq, Code: code, Detail: detail})
			return code, nil, nil
		}
		return "", &id, apply(r, id)
	}
	for i, r := range entries {
		if r.seq <= 0 {
			refuse(r, terminal.ConflictMalformed, "nomor urut tidak terbaca")
			continue
		}
		if r.seq > lastSeq+1 {
			res.Pending++
			continue
		}
		<-r.ready
		id := base + int64(i)
		if r.seq <= lastSeq {
			h := held[r.seq]
			switch {
			case r.hash == h.hash && h.placeholder && r.sigOK && r.decoded == nil:
				// The genuine entry whose place a later entry vouched for,
				// arriving after an altered or unreadable copy of it.
				prev := ""
				if p, ok := held[r.seq-1]; ok && !p.placeholder {
					prev = p.hash
				}
				code, txn, err := take(r, prev, id)
				if err != nil {
					return err
				}
				s.replaceEntry(r, code, txn)
				held[r.seq] = heldEntry{hash: r.hash}
			case r.hash == h.hash:
				res.Duplicates++
			case !r.sigOK:
				refuse(r, terminal.ConflictSignature, fmt.Sprintf("entri %d: tanda tangan tidak sah", r.seq))
			default:
				detail := fmt.Sprintf("nomor urut %d sudah diterima dengan isi lain", r.seq)
				s.conflict(r, terminal.ConflictFork, detail)
				res.Conflicts = append(res.Conflicts, terminal.EntryConflict{Seq: r.seq, Code: terminal.ConflictFork, Detail: detail})
			}
			continue
		}
		// The next entry of the chain.
		if !r.sigOK || r.decoded != nil {
			code, detail := terminal.ConflictSignature, "tanda tangan entri tidak sah"
			if r.sigOK {
				code, detail = terminal.ConflictMalformed, tepat.ErrorMessage(r.decoded)
			}
			// Another copy of this number may be the genuine one.
			if i+1 < len(entries) && entries[i+1].seq == r.seq {
				refuse(r, code, detail)
				continue
			}
			// Only a later entry signed by the terminal proves this one
			// was its: its prev gives this place's hash. Without one, the
			// entry is refused and nothing moves.
			var voucher *received
			for j := i + 1; j < len(entries) && entries[j].seq <= r.seq+1; j++ {
				if v := entries[j]; v.seq == r.seq+1 {
					<-v.ready
					if v.sigOK && v.decoded == nil && v.e.Terminal == s.terminal {
						voucher = v
						break
					}
				}
			}
			if voucher == nil {
				refuse(r, code, detail)
				res.Pending += len(entries) - i - 1
				break
			}
			s.conflict(r, code, detail)
			res.Conflicts = append(res.Conflicts, terminal.EntryConflict{Seq: r.seq, Code: code, Detail: detail})
			s.entry(r, voucher.e.Prev, code, nil)
			held[r.seq] = heldEntry{hash: voucher.e.Prev, placeholder: true}
			lastSeq, lastHash = r.seq, voucher.e.Prev
		} else {
			code, txn, err := take(r, lastHash, id)
			if err != nil {
				return err
			}
			s.entry(r, r.hash, code, txn)
			held[r.seq] = heldEntry{hash: r.hash}
			lastSeq, lastHash = r.seq, r.hash
		}
		if s.nEntry >= flushEvery {
			if err := s.flush(ctx); err != nil {
				return err
			}
		}
	}
	res.LastSeq = lastSeq
	return s.write(ctx, base, base+int64(len(entries)), lastSeq, lastHash)
}

// check returns the conflict code of the next entry of the chain, or ""
// when it can be applied.
func (s *syncer) check(r *received, lastHash string) (string, string) {
	if !r.sigOK {
		return terminal.ConflictSignature, "tanda tangan entri tidak sah"
	}
	if r.decoded != nil {
		return terminal.ConflictMalformed, tepat.ErrorMessage(r.decoded)
	}
	e := r.e
	switch {
	case e.Terminal != s.terminal:
		return terminal.ConflictWrongTerm, fmt.Sprintf("entri menyebut terminal %s", e.Terminal)
	case lastHash != "" && e.Prev != lastHash:
		return terminal.ConflictChain, fmt.Sprintf("prev entri %d bukan hash entri sebelumnya", e.Seq)
	case e.Time.After(s.now.Add(s.skew)):
		return terminal.ConflictFuture, fmt.Sprintf("waktu entri %s di masa depan", e.Time.Format(time.RFC3339))
	case s.revokedAt != nil && e.Time.After(*s.revokedAt):
		return terminal.ConflictRevoked, fmt.Sprintf("ditandatangani setelah terminal dicabut %s", s.revokedAt.Format(time.RFC3339))
	}
	m := s.manifests[e.Manifest]
	if m == nil {
		return terminal.ConflictManifest, fmt.Sprintf("manifes %s bukan untuk terminal ini", e.Manifest)
	}
	if e.Time.After(m.validUntil) {
		return terminal.ConflictExpired, fmt.Sprintf("ditandatangani setelah manifes berakhir %s", m.validUntil.Format(time.RFC3339))
	}
	if m.status != ManifestActive {
		return terminal.ConflictReleased, fmt.Sprintf("manifes %s sudah %s", m.id, m.status)
	}
	rv := s.res[e.Manifest+"/"+e.KK]
	if rv == nil {
		return terminal.ConflictNotListed, "keluarga tidak ada di manifes"
	}
	if m.kind == terminal.ManifestCash && len(e.Items) > 0 {
		return terminal.ConflictMalformed, "manifes tunai tidak memuat barang"
	}
	if m.kind == terminal.ManifestWallet {
		if len(e.Items) == 0 {
			return terminal.ConflictMalformed, "belanja dompet pangan harus memuat barang"
		}
		for _, it := range e.Items {
			if m.prog == nil || !m.prog.Permits(it.Category) || !program.KnownUnit(it.Category, it.Unit) {
				return terminal.ConflictItems, fmt.Sprintf("%s/%s tidak boleh dibeli dengan %s", it.Category, it.Unit, m.program)
			}
		}
	}
	if rv.spent+e.Amount > rv.allowance {
		return terminal.ConflictAllowance, fmt.Sprintf("sisa jatah %d, entri %d", rv.allowance-rv.spent, e.Amount)
	}
	return "", ""
}

// load reads the manifests and reservations the upload names.
func (s *syncer) load(ctx context.Context, entries []*received) error {
	ids := map[string]bool{}
	var keys []any
	seen := map[string]bool{}
	for _, r := range entries {
		if r.decoded != nil {
			continue
		}
		ids[r.e.Manifest] = true
		k := r.e.Manifest + "/" + r.e.KK
		if !seen[k] {
			seen[k] = true
			keys = append(keys, r.e.Manifest, r.e.KK)
		}
	}
	s.res = map[string]*syncReservation{}
	if len(ids) == 0 {
		return nil
	}
	args := keysOf(ids)
	rows, err := s.tx.Query(ctx, `SELECT mf.id, mf.kind, mf.program, mf.status, mf.cycle_id, mf.valid_until,
			COALESCE((SELECT a.id FROM ledger_account a WHERE a.kind = 'RESERVE' AND a.merchant_id = mf.id), 0), v.definition
		FROM manifest mf JOIN cycle c ON c.id = mf.cycle_id JOIN program_version v ON v.id = c.program_version_id
		WHERE mf.terminal_id = $1 AND mf.id IN (`+placeholders(2, len(args))+`)`, append([]any{s.terminal}, args...)...)
	if err != nil {
		return err
	}
	for rows.Next() {
		m := &syncManifest{}
		var def string
		if err := rows.Scan(&m.id, &m.kind, &m.program, &m.status, &m.cycle, &m.validUntil, &m.reserve, &def); err != nil {
			rows.Close()
			return err
		}
		m.validUntil = m.validUntil.UTC()
		if p, err := program.Decode(def); err == nil {
			m.prog = &p
		}
		s.manifests[m.id] = m
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	// Reservations by (manifest, KK), in chunks.
	for len(keys) > 0 {
		n := min(len(keys), 2*500)
		chunk := keys[:n]
		keys = keys[n:]
		vals := make([]any, 0, len(chunk))
		for i := 0; i < len(chunk); i += 2 {
			var kk int64
			fmt.Sscan(chunk[i+1].(string), &kk)
			vals = append(vals, chunk[i], kk)
		}
		lock := ""
		if s.tx.Engine() == db.Postgres {
			lock = " FOR UPDATE"
		}
		rows, err := s.tx.Query(ctx, `SELECT manifest_id, no_kk, family_id, allowance, spent FROM reservation
			WHERE (manifest_id, no_kk) IN (VALUES `+valuesList(len(vals)/2, 2, []string{"TEXT", "BIGINT"})+`)`+lock, vals...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var mid string
			var kk int64
			rv := &syncReservation{}
			if err := rows.Scan(&mid, &kk, &rv.family, &rv.allowance, &rv.spent); err != nil {
				rows.Close()
				return err
			}
			s.res[fmt.Sprintf("%s/%016d", mid, kk)] = rv
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

func (s *syncer) merchantAccount(ctx context.Context) (int64, error) {
	var id int64
	err := s.tx.QueryRow(ctx, `SELECT id FROM ledger_account WHERE kind = 'MERCHANT' AND merchant_id = $1`, s.merchant).Scan(&id)
	return id, err
}

// entry records a taken entry (applied, or a conflict) under hash: its
// own, or for an entry whose signature failed, the hash the next entry
// vouches for (the genuine entry's, which may still arrive).
func (s *syncer) entry(r *received, hash, code string, txn *int64) {
	s.entryRows = s.appendEntry(s.entryRows, r, hash, code, txn)
	s.nEntry++
}

// replaceEntry records the genuine entry in the place of a placeholder.
func (s *syncer) replaceEntry(r *received, code string, txn *int64) {
	s.replaceRows = s.appendEntry(s.replaceRows, r, r.hash, code, txn)
	s.nEntry++
}

// entryColumns are offline_entry's columns in appendEntry's order.
var entryColumns = []string{"terminal_id", "seq", "hash", "manifest_id", "family_id", "amount", "entry_time", "body", "signature",
	"status", "code", "txn_id", "received_at"}

func (s *syncer) appendEntry(rows []any, r *received, hash, code string, txn *int64) []any {
	status := "APPLIED"
	if code != "" {
		status = "CONFLICT"
	}
	var family, amount int64
	var manifest string
	var at any
	if r.decoded == nil {
		manifest, amount, at = r.e.Manifest, r.e.Amount, r.e.Time
		if rv := s.res[r.e.Manifest+"/"+r.e.KK]; rv != nil {
			family = rv.family
		}
	}
	return append(rows, s.terminal, r.seq, hash, manifest, family, amount, at, r.body, r.raw.Signature, status, code, txn, s.now)
}

// conflict queues an entry for review (once per entry and code).
func (s *syncer) conflict(r *received, code, detail string) {
	var manifest string
	var amount int64
	if r.decoded == nil {
		manifest, amount = r.e.Manifest, r.e.Amount
	}
	s.conflictRows = append(s.conflictRows, s.terminal, r.seq, code, detail, manifest, s.village, amount, r.body, s.now)
}

// flushEvery is how many taken entries are written at a time, while the
// later signatures are still being checked.
const flushEvery = 500

// flush writes the entries, conflicts, transactions and postings decided
// so far: a few multi-row statements.
func (s *syncer) flush(ctx context.Context) error {
	tx := s.tx
	if _, err := tx.Copy(ctx, "offline_entry", entryColumns, flat(s.entryRows, 13)); err != nil {
		return err
	}
	for _, b := range chunks(s.replaceRows, 13, 400) {
		if _, err := tx.Exec(ctx, `INSERT INTO offline_entry (`+strings.Join(entryColumns, ", ")+`) VALUES `+valuesList(len(b)/13, 13, nil)+`
			ON CONFLICT (terminal_id, seq) DO UPDATE SET hash = excluded.hash, manifest_id = excluded.manifest_id, family_id = excluded.family_id,
				amount = excluded.amount, entry_time = excluded.entry_time, body = excluded.body, signature = excluded.signature,
				status = excluded.status, code = excluded.code, txn_id = excluded.txn_id, received_at = excluded.received_at`, b...); err != nil {
			return err
		}
	}
	for _, b := range chunks(s.conflictRows, 9, 400) {
		if _, err := tx.Exec(ctx, `INSERT INTO offline_conflict (terminal_id, seq, code, detail, manifest_id, village, amount, body, received_at)
			VALUES `+valuesList(len(b)/9, 9, nil)+` ON CONFLICT (terminal_id, seq, code) DO NOTHING`, b...); err != nil {
			return err
		}
	}
	if _, err := tx.Copy(ctx, "ledger_txn", []string{"id", "kind", "ref", "amount", "at", "actor"}, flat(s.txnRows, 6)); err != nil {
		return err
	}
	if _, err := tx.Copy(ctx, "ledger_posting", []string{"txn_id", "account_id", "amount"}, flat(s.postingRows, 3)); err != nil {
		return err
	}
	s.applied += s.nTxn
	s.entryRows, s.replaceRows, s.conflictRows, s.txnRows, s.postingRows = nil, nil, nil, nil, nil
	s.nEntry, s.nTxn = 0, 0
	return nil
}

// write flushes what is left and stores the balances, allowances, cash
// paid and the chain's head.
func (s *syncer) write(ctx context.Context, base, end, lastSeq int64, lastHash string) error {
	tx := s.tx
	if err := s.flush(ctx); err != nil {
		return err
	}
	if s.applied > 0 {
		if err := applyPostings(ctx, tx, base, end); err != nil {
			return err
		}
	}
	if err := s.spend(ctx); err != nil {
		return err
	}
	var paid []any
	for k, v := range s.paid {
		paid = append(paid, k[0], k[1], v)
	}
	for _, b := range chunks(paid, 3, 400) {
		if _, err := tx.Exec(ctx, `INSERT INTO offline_paid (cycle_id, family_id, amount) VALUES `+valuesList(len(b)/3, 3, nil)+`
			ON CONFLICT (cycle_id, family_id) DO UPDATE SET amount = offline_paid.amount + excluded.amount`, b...); err != nil {
			return err
		}
	}
	_, err := tx.Exec(ctx, `UPDATE offline_chain SET last_seq = $2, last_hash = $3, synced_at = $4 WHERE terminal_id = $1`,
		s.terminal, lastSeq, lastHash, s.now)
	return err
}

// spend adds what was applied to each family's allowance spent. The
// plans differ: PostgreSQL joins a VALUES list by hash, one statement per
// chunk; SQLite would scan it for every row, so it gets one prepared
// statement run per family (no round trips there).
func (s *syncer) spend(ctx context.Context) error {
	tx := s.tx
	var rows []any
	for k, rv := range s.res {
		if rv.delta != 0 {
			mid, _, _ := strings.Cut(k, "/")
			rows = append(rows, mid, rv.family, rv.delta)
		}
	}
	if tx.Engine() == db.Postgres {
		for _, b := range chunks(rows, 3, 1000) {
			if _, err := tx.Exec(ctx, `UPDATE reservation SET spent = spent + v.column3
				FROM (VALUES `+valuesList(len(b)/3, 3, []string{"TEXT", "BIGINT", "BIGINT"})+`) AS v
				WHERE reservation.manifest_id = v.column1 AND reservation.family_id = v.column2`, b...); err != nil {
				return err
			}
		}
		return nil
	}
	up, err := tx.Prepare(ctx, `UPDATE reservation SET spent = spent + $3 WHERE manifest_id = $1 AND family_id = $2`)
	if err != nil {
		return err
	}
	defer up.Close()
	for i := 0; i < len(rows); i += 3 {
		if _, err := up.ExecContext(ctx, rows[i], rows[i+1], rows[i+2]); err != nil {
			return db.Translate(err)
		}
	}
	return nil
}

// flat adapts rows of cols values, end to end, to a db.RowSource.
func flat(rows []any, cols int) db.RowSource {
	return pgx.CopyFromSlice(len(rows)/cols, func(i int) ([]any, error) { return rows[i*cols : (i+1)*cols], nil })
}

// chunks splits rows of cols values into slices of at most n rows.
func chunks(rows []any, cols, n int) [][]any {
	var out [][]any
	for len(rows) > 0 {
		k := min(len(rows), cols*n)
		out = append(out, rows[:k])
		rows = rows[k:]
	}
	return out
}
