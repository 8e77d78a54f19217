package ledger

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/bits"
	"sort"
	"strings"
	"sync"
	"time"

	"tepat"
	"tepat/db"
	"tepat/program"
	"tepat/region"
	"tepat/terminal"
)

// DefaultSkew is how far a terminal's clock may be from the server's by
// default, for purchases, voids, manifest requests and offline entries.
const DefaultSkew = 5 * time.Minute

// Config tunes a Processor.
type Config struct {
	// Skew is how far a terminal's clock may be from the server's before a
	// new request is refused (WAKTU_TERMINAL_MELESET). Default 5 minutes.
	Skew time.Duration
	// PriceTolerance is the percentage above the reference price a line
	// may be before it is flagged. Default 10.
	PriceTolerance int64
	// MaxBatch bounds the requests committed in one transaction. Default 256.
	MaxBatch int
	// Refresh is how old the cached catalog and prices may get. Default 30 s.
	Refresh time.Duration
	// Clock gives the server's time; tests replace it. Default time.Now.
	Clock func() time.Time
	// Logger receives batch failures (no personal data). Default slog.Default().
	Logger *slog.Logger
}

func (c *Config) defaults() {
	if c.Skew <= 0 {
		c.Skew = DefaultSkew
	}
	if c.PriceTolerance < 0 {
		c.PriceTolerance = 0
	} else if c.PriceTolerance == 0 {
		c.PriceTolerance = 10
	}
	if c.MaxBatch <= 0 {
		c.MaxBatch = 256
	}
	if c.Refresh <= 0 {
		c.Refresh = 30 * time.Second
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Processor accepts signed purchases and voids from terminals. Each
// request is checked (signature, terminal, card, permitted foods, total,
// clock, balance) and, when accepted, written with its postings and its
// signed receipt in one transaction before the answer: requests arriving
// together share a transaction (group commit), so durability costs one
// commit per batch, not per purchase. The rules that protect money are
// also in the database: a wallet's balance cannot go below zero and a
// terminal's transaction id is unique, so a second server process on the
// same database cannot break them either.
//
// A Processor is safe for concurrent use; Close stops it after the
// requests already queued are answered.
type Processor struct {
	d   *db.DB
	key ed25519.PrivateKey
	cfg Config

	queue chan *request
	done  chan struct{}
	once  sync.Once
	mu    sync.RWMutex // guards closed against sends on queue
	shut  bool

	terms sync.Map // terminal id → *termInfo (immutable facts)

	cacheMu  sync.Mutex
	cachedAt time.Time
	programs map[string][]program.Program // code → versions by year, ascending
	prices   map[priceKey]int64
}

// termInfo is what never changes about a terminal: its key and merchant.
type termInfo struct {
	id       string
	pub      ed25519.PublicKey
	merchant string
	village  string
	province string
	loc      *time.Location
}

type priceKey struct{ province, category, unit string }

// request is one purchase or void waiting for its batch.
type request struct {
	kind   string
	p      terminal.Purchase
	v      terminal.Void
	term   *termInfo
	digest []byte
	items  string // JSON of the items, as stored
	pre    error  // the refusal if this is a new transaction
	flags  []flag
	answer []byte // the receipt's bytes, signed when answered
	err    error
	ready  chan struct{}
}

type flag struct {
	line                               int
	category, unit                     string
	quantity, price, reference, excess int64
}

// NewProcessor starts a processor on d that signs receipts with key.
func NewProcessor(d *db.DB, key ed25519.PrivateKey, cfg Config) *Processor {
	cfg.defaults()
	p := &Processor{d: d, key: key, cfg: cfg, queue: make(chan *request, 8192), done: make(chan struct{})}
	go p.run()
	return p
}

// Close stops accepting requests, answers those queued and returns when
// the last batch is committed.
func (p *Processor) Close() {
	p.once.Do(func() {
		p.mu.Lock()
		p.shut = true
		close(p.queue)
		p.mu.Unlock()
	})
	<-p.done
}

// Key is the server's signing key (receipts, manifests).
func (p *Processor) Key() ed25519.PrivateKey { return p.key }

// PublicKey is the key receipts are signed with.
func (p *Processor) PublicKey() ed25519.PublicKey { return p.key.Public().(ed25519.PublicKey) }

// Purchase handles a purchase body signed by sig and returns the signed
// receipt body, or a refusal whose reason is one of terminal.Reason*. The
// same transaction id with the same content returns the first receipt; with
// other content it is TRANSAKSI_KONFLIK.
func (p *Processor) Purchase(ctx context.Context, body []byte, sig string) ([]byte, error) {
	pu, err := terminal.ParsePurchase(body)
	if err != nil {
		return nil, err
	}
	term, err := p.authenticate(ctx, pu.Terminal, terminal.PurchasePrefix, body, sig)
	if err != nil {
		return nil, err
	}
	if err := pu.Check(); err != nil {
		return nil, err
	}
	items, _ := json.Marshal(pu.Items)
	d := terminal.Digest(pu)
	r := &request{kind: terminal.KindPurchase, p: pu, term: term, digest: d[:], items: string(items)}
	r.pre = p.precheck(ctx, r)
	return p.submit(ctx, r)
}

// Void handles a signed void body: the purchase VoidOf of the same
// terminal, accepted today (the merchant's day), is reversed in full.
func (p *Processor) Void(ctx context.Context, body []byte, sig string) ([]byte, error) {
	v, err := terminal.DecodeVoid(body)
	if err != nil {
		return nil, err
	}
	term, err := p.authenticate(ctx, v.Terminal, terminal.VoidPrefix, body, sig)
	if err != nil {
		return nil, err
	}
	d := terminal.Digest(v)
	r := &request{kind: terminal.KindVoid, v: v, term: term, digest: d[:], items: "[]"}
	r.pre = p.checkClock(v.Time)
	return p.submit(ctx, r)
}

func (p *Processor) submit(ctx context.Context, r *request) ([]byte, error) {
	r.ready = make(chan struct{})
	p.mu.RLock()
	if p.shut {
		p.mu.RUnlock()
		return nil, tepat.Reasonf(tepat.EINTERNAL, "SERVER_BERHENTI", "server sedang berhenti; ulangi transaksi")
	}
	p.queue <- r
	p.mu.RUnlock()
	select {
	case <-r.ready:
		if r.err != nil {
			return nil, r.err
		}
		// Signed here, in the request's goroutine, not by the writer:
		// deterministic signatures make a repeat's answer identical.
		return terminal.SignEncoded(p.key, r.answer), nil
	case <-ctx.Done():
		// The batch may still commit it; a repeat gets the same receipt.
		return nil, ctx.Err()
	}
}

// authenticate finds the terminal and checks the signature. Revocation
// is checked in the batch, against the stored status.
func (p *Processor) authenticate(ctx context.Context, id, prefix string, body []byte, sig string) (*termInfo, error) {
	t, err := p.terminal(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := terminal.Verify(t.pub, prefix, body, sig); err != nil {
		return nil, err
	}
	return t, nil
}

func (p *Processor) terminal(ctx context.Context, id string) (*termInfo, error) {
	if t, ok := p.terms.Load(id); ok {
		return t.(*termInfo), nil
	}
	t := &termInfo{id: id}
	var pub []byte
	err := p.d.QueryRow(ctx, `SELECT t.public_key, t.merchant_id, m.village FROM terminal t JOIN merchant m ON m.id = t.merchant_id
		WHERE t.id = $1`, id).Scan(&pub, &t.merchant, &t.village)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, terminal.Refuse(tepat.EUNAUTHORIZED, terminal.ReasonUnknownTerm, "terminal %s tidak dikenal", id)
	}
	if err != nil {
		return nil, err
	}
	t.pub = ed25519.PublicKey(pub)
	r, err := region.Lookup(t.village)
	if err != nil {
		return nil, err
	}
	t.province, t.loc = r.Province(), r.TimeZone().Location()
	p.terms.Store(id, t)
	return t, nil
}

func (p *Processor) checkClock(t time.Time) error {
	if d := p.cfg.Clock().Sub(t); d > p.cfg.Skew || d < -p.cfg.Skew {
		return terminal.Refuse(tepat.EINVALID, terminal.ReasonStaleTime,
			"waktu terminal berselisih %s dari waktu server (batas %s)", d.Round(time.Second), p.cfg.Skew)
	}
	return nil
}

// precheck applies the rules that need nothing stored: clock, program,
// permitted foods, and finds the price flags.
func (p *Processor) precheck(ctx context.Context, r *request) error {
	if err := p.checkClock(r.p.Time); err != nil {
		return err
	}
	progs, prices, err := p.cache(ctx)
	if err != nil {
		return err
	}
	year := p.cfg.Clock().In(r.term.loc).Year()
	var prog *program.Program
	for i, v := range progs[r.p.Program] {
		if v.Year <= year {
			prog = &progs[r.p.Program][i]
		}
	}
	if prog == nil || !prog.IsWallet() {
		return terminal.Refuse(tepat.EINVALID, terminal.ReasonUnknownProgram, "program %s bukan program dompet pangan tahun %d", r.p.Program, year)
	}
	for i, it := range r.p.Items {
		if _, ok := program.FoodCategories[it.Category]; !ok || !program.KnownUnit(it.Category, it.Unit) {
			return terminal.Refuse(tepat.EINVALID, terminal.ReasonUnknownItem, "barang ke-%d: kategori %q dengan satuan %q tidak dikenal", i+1, it.Category, it.Unit)
		}
		if !prog.Permits(it.Category) {
			return terminal.Refuse(tepat.EFORBIDDEN, terminal.ReasonForbiddenItem, "barang ke-%d: %s tidak boleh dibeli dengan %s %d", i+1, it.Category, prog.Code, prog.Year)
		}
		ref, ok := prices[priceKey{r.term.province, it.Category, it.Unit}]
		if ok && overReference(it.UnitPrice, ref, p.cfg.PriceTolerance) {
			r.flags = append(r.flags, flag{line: i + 1, category: it.Category, unit: it.Unit, quantity: it.Quantity,
				price: it.UnitPrice, reference: ref, excess: (it.UnitPrice - ref) * it.Quantity})
		}
	}
	return nil
}

// overReference reports price × 100 > reference × (100 + tolerance),
// exactly (128-bit products).
func overReference(price, reference, tolerance int64) bool {
	ah, al := bits.Mul64(uint64(price), 100)
	bh, bl := bits.Mul64(uint64(reference), uint64(100+tolerance))
	return ah > bh || (ah == bh && al > bl)
}

// cache returns the wallet programs and reference prices, reloaded when
// older than cfg.Refresh.
func (p *Processor) cache(ctx context.Context) (map[string][]program.Program, map[priceKey]int64, error) {
	p.cacheMu.Lock()
	defer p.cacheMu.Unlock()
	if p.programs != nil && p.cfg.Clock().Sub(p.cachedAt) < p.cfg.Refresh {
		return p.programs, p.prices, nil
	}
	sys := tepat.WithActor(ctx, tepat.System)
	versions, err := program.List(sys, p.d)
	if err != nil {
		return nil, nil, err
	}
	progs := map[string][]program.Program{}
	for _, v := range versions { // by code, year
		progs[v.Program.Code] = append(progs[v.Program.Code], v.Program)
	}
	prices := map[priceKey]int64{}
	rows, err := p.d.Query(ctx, `SELECT province, category, unit, price FROM price_reference`)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k priceKey
		var v int64
		if err := rows.Scan(&k.province, &k.category, &k.unit, &v); err != nil {
			return nil, nil, err
		}
		prices[k] = v
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	p.programs, p.prices, p.cachedAt = progs, prices, p.cfg.Clock()
	return progs, prices, nil
}

// Invalidate makes the next request reload the catalog and prices.
func (p *Processor) Invalidate() {
	p.cacheMu.Lock()
	p.programs = nil
	p.cacheMu.Unlock()
}

// run is the writer: it takes what is queued, up to MaxBatch, commits it as
// one transaction and answers each request.
func (p *Processor) run() {
	defer close(p.done)
	for first := range p.queue {
		batch := []*request{first}
	fill:
		for len(batch) < p.cfg.MaxBatch {
			select {
			case r, ok := <-p.queue:
				if !ok {
					break fill
				}
				batch = append(batch, r)
			default:
				break fill
			}
		}
		p.commit(batch)
	}
}

// commit writes a batch; if the batch as a whole fails, each request is
// tried alone so that one cannot fail the others.
func (p *Processor) commit(batch []*request) {
	ctx := context.Background()
	err := p.d.InTx(ctx, func(tx *db.Tx) error { return p.apply(ctx, tx, batch) })
	if err != nil && len(batch) > 1 {
		p.cfg.Logger.Warn("ledger batch failed, retrying one by one", "size", len(batch), "err", err)
		for _, r := range batch {
			r.answer, r.err = nil, nil
			p.commit([]*request{r})
		}
		return
	}
	for _, r := range batch {
		if err != nil {
			r.answer, r.err = nil, err
		}
		close(r.ready)
	}
}

// stored is an accepted transaction as the batch knows it.
type stored struct {
	id      int64
	kind    string
	digest  []byte
	answer  []byte
	family  int64
	program string
	card    string
	total   int64
	day     int
	voided  bool
}

type walletKey struct {
	family  int64
	program string
}

type account struct {
	id      int64
	balance int64
	delta   int64
}

// apply decides every request of the batch inside tx and writes the
// accepted ones: a few statements per batch, whatever its size.
func (p *Processor) apply(ctx context.Context, tx *db.Tx, batch []*request) error {
	at := p.cfg.Clock().UTC().Truncate(time.Microsecond)
	pg := tx.Engine() == db.Postgres

	// Transactions already stored under the batch's keys and the
	// purchases its voids name.
	var keys []any
	for _, r := range batch {
		keys = append(keys, r.term.id, r.txID())
		if r.kind == terminal.KindVoid {
			keys = append(keys, r.term.id, r.v.VoidOf)
		}
	}
	existing := map[string]*stored{}
	// A row list, not IN (VALUES …): for a batch's few hundred keys
	// PostgreSQL probes the unique index per key, where a VALUES list
	// makes it hash-join and scan the whole table.
	rows, err := tx.Query(ctx, `SELECT terminal_id, tx, id, kind, digest, answer, family_id, program, card, total, day, voided
		FROM purchase WHERE (terminal_id, tx) IN (`+valuesList(len(keys)/2, 2, nil)+`)`, keys...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var term, txid string
		s := &stored{}
		if err := rows.Scan(&term, &txid, &s.id, &s.kind, &s.digest, &s.answer, &s.family, &s.program, &s.card, &s.total, &s.day, &s.voided); err != nil {
			rows.Close()
			return err
		}
		existing[term+"\x00"+txid] = s
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	// Terminal and merchant status.
	termIDs := map[string]bool{}
	merchants := map[string]*account{}
	var cards []any
	for _, r := range batch {
		termIDs[r.term.id] = true
		merchants[r.term.merchant] = nil
		if r.kind == terminal.KindPurchase {
			cards = append(cards, r.p.Card)
		}
	}
	status := map[string]string{} // terminal → "" ok, or refusal reason
	{
		args := keysOf(termIDs)
		rows, err := tx.Query(ctx, `SELECT t.id, t.status, m.status FROM terminal t JOIN merchant m ON m.id = t.merchant_id
			WHERE t.id IN (`+placeholders(1, len(args))+`)`, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, ts, ms string
			if err := rows.Scan(&id, &ts, &ms); err != nil {
				rows.Close()
				return err
			}
			switch {
			case ts != StatusActive:
				status[id] = terminal.ReasonRevoked
			case ms != StatusActive:
				status[id] = terminal.ReasonMerchantOff
			default:
				status[id] = ""
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}

	// Cards: the family of the active account carrying each, and blocks.
	type cardInfo struct {
		family  int64
		blocked bool
	}
	cardOf := map[string]cardInfo{}
	if len(cards) > 0 {
		rows, err := tx.Query(ctx, `SELECT a.nomor_kartu, a.family_id, b.nomor_kartu IS NOT NULL FROM account a
			LEFT JOIN card_block b ON b.nomor_kartu = a.nomor_kartu
			WHERE a.status = 'AKTIF' AND a.nomor_kartu IN (`+placeholders(1, len(cards))+`) ORDER BY a.id`, cards...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var c string
			var ci cardInfo
			if err := rows.Scan(&c, &ci.family, &ci.blocked); err != nil {
				rows.Close()
				return err
			}
			if _, seen := cardOf[c]; !seen {
				cardOf[c] = ci
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}

	// Wallets (locked on PostgreSQL) and merchant accounts.
	wallets := map[walletKey]*account{}
	var wargs []any
	addWallet := func(k walletKey) {
		if _, ok := wallets[k]; !ok {
			wallets[k] = nil
			wargs = append(wargs, k.family, k.program)
		}
	}
	for _, r := range batch {
		switch r.kind {
		case terminal.KindPurchase:
			if ci, ok := cardOf[r.p.Card]; ok {
				addWallet(walletKey{ci.family, r.p.Program})
			}
		case terminal.KindVoid:
			if s, ok := existing[r.term.id+"\x00"+r.v.VoidOf]; ok {
				addWallet(walletKey{s.family, s.program})
			}
		}
	}
	lock := ""
	if pg {
		lock = " ORDER BY id FOR UPDATE"
	}
	if len(wargs) > 0 {
		rows, err := tx.Query(ctx, `SELECT id, family_id, program, balance FROM ledger_account
			WHERE kind = 'WALLET' AND merchant_id = '' AND bank = '' AND (family_id, program) IN (`+valuesList(len(wargs)/2, 2, []string{"BIGINT", "TEXT"})+`)`+lock, wargs...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var k walletKey
			a := &account{}
			if err := rows.Scan(&a.id, &k.family, &k.program, &a.balance); err != nil {
				rows.Close()
				return err
			}
			wallets[k] = a
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	{
		args := make([]any, 0, len(merchants))
		for m := range merchants {
			args = append(args, m)
		}
		sort.Slice(args, func(i, j int) bool { return args[i].(string) < args[j].(string) })
		rows, err := tx.Query(ctx, `SELECT id, merchant_id, balance FROM ledger_account
			WHERE kind = 'MERCHANT' AND family_id = 0 AND program = '' AND bank = '' AND merchant_id IN (`+placeholders(1, len(args))+`)`+lock, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var m string
			a := &account{}
			if err := rows.Scan(&a.id, &m, &a.balance); err != nil {
				rows.Close()
				return err
			}
			merchants[m] = a
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}

	// Decide, in arrival order.
	base, err := nextIDs(ctx, tx, "txn", int64(len(batch)))
	if err != nil {
		return err
	}
	var (
		txns, postings, purchases, flagRows []any
		voided                              []any
		nTxn, nPurchase, nFlag              int
	)
	for i, r := range batch {
		key := r.term.id + "\x00" + r.txID()
		if s, ok := existing[key]; ok {
			if s.kind == r.kind && string(s.digest) == string(r.digest) {
				r.answer = s.answer
			} else {
				r.err = terminal.Refuse(tepat.ECONFLICT, terminal.ReasonConflict, "transaksi %s terminal %s sudah ada dengan isi lain", r.txID(), r.term.id)
			}
			continue
		}
		if r.pre != nil {
			r.err = r.pre
			continue
		}
		switch status[r.term.id] {
		case terminal.ReasonRevoked:
			r.err = terminal.Refuse(tepat.EFORBIDDEN, terminal.ReasonRevoked, "terminal %s sudah dicabut", r.term.id)
			continue
		case terminal.ReasonMerchantOff:
			r.err = terminal.Refuse(tepat.EFORBIDDEN, terminal.ReasonMerchantOff, "e-Warong %s tidak aktif", r.term.merchant)
			continue
		}
		m := merchants[r.term.merchant]
		if m == nil {
			return fmt.Errorf("merchant %s has no ledger account", r.term.merchant)
		}
		day := dayOf(at, r.term.loc)
		id := base + int64(i)
		s := &stored{id: id, kind: r.kind, digest: r.digest, day: day}
		rc := terminal.Receipt{ID: id, Kind: r.kind, Tx: r.txID(), Terminal: r.term.id, Merchant: r.term.merchant, Time: at}
		var w *account
		switch r.kind {
		case terminal.KindPurchase:
			ci, ok := cardOf[r.p.Card]
			if !ok {
				r.err = terminal.Refuse(tepat.ENOTFOUND, terminal.ReasonUnknownCard, "kartu %s tidak dikenal", terminal.MaskCard(r.p.Card))
				continue
			}
			if ci.blocked {
				r.err = terminal.Refuse(tepat.EFORBIDDEN, terminal.ReasonBlockedCard, "kartu %s diblokir", terminal.MaskCard(r.p.Card))
				continue
			}
			w = wallets[walletKey{ci.family, r.p.Program}]
			if w == nil {
				r.err = terminal.Refuse(tepat.ECONFLICT, terminal.ReasonNoWallet, "kartu %s belum punya saldo %s", terminal.MaskCard(r.p.Card), r.p.Program)
				continue
			}
			if w.balance < r.p.Total {
				r.err = terminal.Refuse(tepat.ECONFLICT, terminal.ReasonBalance, "saldo tidak cukup: sisa %d, belanja %d", w.balance, r.p.Total)
				continue
			}
			w.balance -= r.p.Total
			w.delta -= r.p.Total
			m.balance += r.p.Total
			m.delta += r.p.Total
			s.family, s.program, s.card, s.total = ci.family, r.p.Program, r.p.Card, r.p.Total
			postings = append(postings, id, w.id, -r.p.Total, id, m.id, r.p.Total)
			for _, f := range r.flags {
				flagRows = append(flagRows, id, f.line, r.term.merchant, r.term.village, f.category, f.unit, f.quantity, f.price, f.reference, f.excess, day)
				nFlag++
			}
		case terminal.KindVoid:
			o, ok := existing[r.term.id+"\x00"+r.v.VoidOf]
			switch {
			case !ok || o.kind != terminal.KindPurchase:
				r.err = terminal.Refuse(tepat.ENOTFOUND, terminal.ReasonVoidUnknown, "transaksi %s terminal %s tidak ditemukan", r.v.VoidOf, r.term.id)
				continue
			case o.voided:
				r.err = terminal.Refuse(tepat.ECONFLICT, terminal.ReasonVoidTwice, "transaksi %s sudah dibatalkan", r.v.VoidOf)
				continue
			case o.day != day:
				r.err = terminal.Refuse(tepat.ECONFLICT, terminal.ReasonVoidLate, "transaksi %s bukan transaksi hari ini; pembatalan hanya pada hari yang sama", r.v.VoidOf)
				continue
			}
			w = wallets[walletKey{o.family, o.program}]
			if w == nil {
				return fmt.Errorf("purchase %d has no wallet", o.id)
			}
			w.balance += o.total
			w.delta += o.total
			m.balance -= o.total
			m.delta -= o.total
			o.voided = true
			voided = append(voided, o.id)
			s.family, s.program, s.card, s.total = o.family, o.program, o.card, o.total
			rc.VoidOf = r.v.VoidOf
			postings = append(postings, id, w.id, o.total, id, m.id, -o.total)
		}
		rc.Card, rc.Program, rc.Total, rc.Balance = terminal.MaskCard(s.card), s.program, s.total, w.balance
		s.answer = terminal.EncodeReceipt(rc)
		r.answer = s.answer
		existing[key] = s
		ttime := r.p.Time
		if r.kind == terminal.KindVoid {
			ttime = r.v.Time
		}
		txns = append(txns, id, r.kind, fmt.Sprint(id), s.total, at, r.term.id)
		purchases = append(purchases, id, r.kind, r.term.id, r.txID(), r.digest, r.term.merchant, s.family, s.program, s.card,
			r.items, s.total, ttime, at, day, r.v.VoidOf, s.answer)
		nTxn++
		nPurchase++
	}
	if nTxn == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `INSERT INTO ledger_txn (id, kind, ref, amount, at, actor) VALUES `+valuesList(nTxn, 6, nil), txns...); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO ledger_posting (txn_id, account_id, amount) VALUES `+valuesList(len(postings)/3, 3, nil), postings...); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO purchase (id, kind, terminal_id, tx, digest, merchant_id, family_id, program, card,
		items, total, terminal_time, at, day, void_of, answer) VALUES `+valuesList(nPurchase, 16, nil), purchases...); err != nil {
		return err
	}
	if len(voided) > 0 {
		if _, err := tx.Exec(ctx, `UPDATE purchase SET voided = TRUE WHERE id IN (`+placeholders(1, len(voided))+`)`, voided...); err != nil {
			return err
		}
	}
	if nFlag > 0 {
		if _, err := tx.Exec(ctx, `INSERT INTO price_flag (purchase_id, line, merchant_id, village, category, unit, quantity, unit_price,
			reference, excess, day) VALUES `+valuesList(nFlag, 11, nil), flagRows...); err != nil {
			return err
		}
	}
	var deltas []any
	var accts []*account
	for _, a := range wallets {
		if a != nil && a.delta != 0 {
			accts = append(accts, a)
		}
	}
	for _, a := range merchants {
		if a != nil && a.delta != 0 {
			accts = append(accts, a)
		}
	}
	sort.Slice(accts, func(i, j int) bool { return accts[i].id < accts[j].id })
	for _, a := range accts {
		deltas = append(deltas, a.id, a.delta)
	}
	if len(deltas) > 0 {
		if _, err := tx.Exec(ctx, `UPDATE ledger_account SET balance = balance + v.column2
			FROM (VALUES `+valuesList(len(deltas)/2, 2, []string{"BIGINT", "BIGINT"})+`) AS v
			WHERE ledger_account.id = v.column1`, deltas...); err != nil {
			return err
		}
	}
	return nil
}

// txID is the request's transaction id.
func (r *request) txID() string {
	if r.kind == terminal.KindVoid {
		return r.v.Tx
	}
	return r.p.Tx
}

// dayOf is the date of t in loc as YYYYMMDD.
func dayOf(t time.Time, loc *time.Location) int {
	y, m, d := t.In(loc).Date()
	return y*10000 + int(m)*100 + d
}

// placeholders returns "$from, …" for n parameters.
func placeholders(from, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", from+i)
	}
	return b.String()
}

// valuesList returns "($1, $2), ($3, $4)…" for rows of cols parameters,
// each cast to casts[i] when given (PostgreSQL cannot infer the types of
// bare VALUES outside an INSERT).
func valuesList(rows, cols int, casts []string) string {
	var b strings.Builder
	n := 1
	for i := 0; i < rows; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := 0; c < cols; c++ {
			if c > 0 {
				b.WriteString(", ")
			}
			if casts != nil {
				fmt.Fprintf(&b, "CAST($%d AS %s)", n, casts[c])
			} else {
				fmt.Fprintf(&b, "$%d", n)
			}
			n++
		}
		b.WriteByte(')')
	}
	return b.String()
}

func keysOf(m map[string]bool) []any {
	out := make([]any, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].(string) < out[j].(string) })
	return out
}
