package terminal

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"math"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"tepat"
)

// Reasons of the client's own refusals, beside the server's.
const (
	// ReasonBadReceipt: the server's answer does not verify with the
	// server key of the key file, or is not the receipt of the request.
	ReasonBadReceipt = "STRUK_TIDAK_SAH"
	// ReasonNetwork: the server could not be reached or the connection
	// broke before a full answer.
	ReasonNetwork = "SERVER_TIDAK_TERJANGKAU"
	// ReasonBadAnswer: the server answered something that is neither a
	// receipt nor a problem+json refusal.
	ReasonBadAnswer = "JAWABAN_TIDAK_DIKENAL"
	// ReasonBadItem: an item string given to ParseItem is malformed.
	ReasonBadItem = "BARANG_TIDAK_VALID"
)

// maxAnswer bounds what the client reads of an answer.
const maxAnswer = 1 << 20

// Client speaks the terminal protocol to one server as the terminal of Key.
// Server is the base URL (e.g. "http://localhost:8080"); HTTP defaults to
// http.DefaultClient. Every receipt is verified with Key's server public key
// before it is returned. A Client is safe for concurrent use.
type Client struct {
	Server string
	Key    KeyFile
	HTTP   *http.Client
}

// signer is a parsed key file: the terminal's private key and the server's
// public key.
type signer struct {
	id     string
	key    ed25519.PrivateKey
	server ed25519.PublicKey
}

func parseKey(k KeyFile) (signer, error) {
	priv, err := k.Key()
	if err != nil {
		return signer{}, err
	}
	pub, err := k.ServerKey()
	if err != nil {
		return signer{}, err
	}
	return signer{id: k.Terminal, key: priv, server: pub}, nil
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return http.DefaultClient
}

// Pay sends a purchase and returns its verified receipt. An empty Terminal
// is filled from the key file and a zero Time with the current time; Tx and
// Total are the caller's (see NewTxID and SumItems). A refusal is a
// *tepat.Error whose Reason is the server's code (e.g. SALDO_TIDAK_CUKUP)
// and whose Message is the server's detail; a receipt that does not verify
// or is not this purchase's is STRUK_TIDAK_SAH. Sending the same purchase
// again, Time included, is safe: the server answers the first receipt; a
// retry with a new Time is other content (TRANSAKSI_KONFLIK), so a caller
// that retries sets Time itself.
func (c *Client) Pay(ctx context.Context, p Purchase) (Receipt, error) {
	s, err := parseKey(c.Key)
	if err != nil {
		return Receipt{}, err
	}
	if p.Terminal == "" {
		p.Terminal = s.id
	}
	if p.Time.IsZero() {
		p.Time = time.Now()
	}
	return s.pay(ctx, c.httpClient(), c.Server, p)
}

// Void sends a void and returns its verified receipt, with Pay's rules for
// Terminal, Time and refusals.
func (c *Client) Void(ctx context.Context, v Void) (Receipt, error) {
	s, err := parseKey(c.Key)
	if err != nil {
		return Receipt{}, err
	}
	if v.Terminal == "" {
		v.Terminal = s.id
	}
	if v.Time.IsZero() {
		v.Time = time.Now()
	}
	return s.void(ctx, c.httpClient(), c.Server, v)
}

// ServerKey fetches the server's public key from PathServerKey. It does not
// compare it with the key file's: that is the caller's decision.
func (c *Client) ServerKey(ctx context.Context) (ed25519.PublicKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(c.Server, "/")+PathServerKey, nil)
	if err != nil {
		return nil, tepat.Reasonf(tepat.EINVALID, ReasonNetwork, "alamat server %q tidak valid", c.Server)
	}
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return nil, &tepat.Error{Code: tepat.EINTERNAL, Reason: ReasonNetwork, Message: "server tidak terjangkau", Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return nil, &tepat.Error{Code: tepat.EINTERNAL, Reason: ReasonNetwork, Message: "jawaban server terputus", Err: err}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, refusal(resp, body)
	}
	var k struct {
		PublicKey string `json:"public_key"`
	}
	if json.Unmarshal(body, &k) != nil {
		return nil, tepat.Reasonf(tepat.EINTERNAL, ReasonBadAnswer, "kunci server tidak dapat dibaca")
	}
	raw, err := base64.StdEncoding.DecodeString(k.PublicKey)
	if err != nil || len(raw) != ed25519.PublicKeySize {
		return nil, tepat.Reasonf(tepat.EINTERNAL, ReasonBadAnswer, "kunci server tidak valid")
	}
	return ed25519.PublicKey(raw), nil
}

func (s signer) pay(ctx context.Context, hc *http.Client, server string, p Purchase) (Receipt, error) {
	body, err := json.Marshal(p)
	if err != nil {
		return Receipt{}, tepat.Reasonf(tepat.EINVALID, ReasonBadNumber, "pembelian tidak dapat disandikan")
	}
	r, err := s.post(ctx, hc, strings.TrimRight(server, "/")+PathPurchase, PurchasePrefix, body)
	if err != nil {
		return Receipt{}, err
	}
	if r.Kind != KindPurchase || r.Tx != p.Tx || r.Terminal != p.Terminal || r.Program != p.Program ||
		r.Total != p.Total || r.Card != MaskCard(p.Card) {
		return Receipt{}, badReceipt("struk bukan untuk transaksi %s", p.Tx)
	}
	return r, nil
}

func (s signer) void(ctx context.Context, hc *http.Client, server string, v Void) (Receipt, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return Receipt{}, tepat.Reasonf(tepat.EINVALID, ReasonBadJSON, "pembatalan tidak dapat disandikan")
	}
	r, err := s.post(ctx, hc, strings.TrimRight(server, "/")+PathVoid, VoidPrefix, body)
	if err != nil {
		return Receipt{}, err
	}
	if r.Kind != KindVoid || r.Tx != v.Tx || r.Terminal != v.Terminal || r.VoidOf != v.VoidOf {
		return Receipt{}, badReceipt("struk bukan untuk pembatalan %s", v.Tx)
	}
	return r, nil
}

func badReceipt(format string, args ...any) error {
	return Refuse(tepat.EUNAUTHORIZED, ReasonBadReceipt, format, args...)
}

// post signs body, sends it and opens the answer: a verified receipt, or
// the refusal as a *tepat.Error.
func (s signer) post(ctx context.Context, hc *http.Client, url, prefix string, body []byte) (Receipt, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return Receipt{}, tepat.Reasonf(tepat.EINVALID, ReasonNetwork, "alamat server tidak valid")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set(SignatureHeader, Sign(s.key, prefix, body))
	resp, err := hc.Do(req)
	if err != nil {
		return Receipt{}, &tepat.Error{Code: tepat.EINTERNAL, Reason: ReasonNetwork, Message: "server tidak terjangkau", Err: err}
	}
	defer resp.Body.Close()
	ans, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return Receipt{}, &tepat.Error{Code: tepat.EINTERNAL, Reason: ReasonNetwork, Message: "jawaban server terputus", Err: err}
	}
	if resp.StatusCode != http.StatusOK {
		return Receipt{}, refusal(resp, ans)
	}
	r, err := OpenReceipt(s.server, ans)
	if err != nil {
		return Receipt{}, badReceipt("struk tidak dapat diverifikasi dengan kunci server pada berkas kunci")
	}
	return r, nil
}

// kinds maps an HTTP status back to an error kind, for a problem without
// a known kind.
var kinds = map[int]string{
	http.StatusBadRequest:   tepat.EINVALID,
	http.StatusUnauthorized: tepat.EUNAUTHORIZED,
	http.StatusForbidden:    tepat.EFORBIDDEN,
	http.StatusNotFound:     tepat.ENOTFOUND,
	http.StatusConflict:     tepat.ECONFLICT,
}

// refusal turns a non-200 answer into a *tepat.Error: the problem's code as
// Reason, its detail as Message, its kind (or the status's) as Code.
func refusal(resp *http.Response, body []byte) error {
	var pr struct {
		Status int    `json:"status"`
		Code   string `json:"code"`
		Kind   string `json:"kind"`
		Detail string `json:"detail"`
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if (mt != "application/problem+json" && mt != "application/json") || json.Unmarshal(body, &pr) != nil || pr.Code == "" {
		return tepat.Reasonf(tepat.EINTERNAL, ReasonBadAnswer, "server menjawab %s tanpa alasan yang dapat dibaca", resp.Status)
	}
	code := pr.Kind
	switch code {
	case tepat.EINVALID, tepat.ENOTFOUND, tepat.ECONFLICT, tepat.EUNAUTHORIZED, tepat.EFORBIDDEN, tepat.EINTERNAL:
	default:
		if code = kinds[resp.StatusCode]; code == "" {
			code = tepat.EINTERNAL
		}
	}
	if pr.Detail == "" {
		pr.Detail = "ditolak server (" + strconv.Itoa(resp.StatusCode) + ")"
	}
	return &tepat.Error{Code: code, Reason: pr.Code, Message: pr.Detail}
}

// ParseItem reads an item written category:quantity:unit:unit_price, e.g.
// "beras:10:kg:12000" (ten kilograms at Rp12,000 a kilogram). The quantity
// must be a positive integer, the price a non-negative whole rupiah amount;
// otherwise the error's reason is BARANG_TIDAK_VALID.
func ParseItem(s string) (Item, error) {
	bad := func() (Item, error) {
		return Item{}, tepat.Reasonf(tepat.EINVALID, ReasonBadItem,
			"barang %q harus berbentuk kategori:jumlah:satuan:harga, mis. beras:10:kg:12000 (jumlah bilangan bulat positif, harga rupiah bulat)", s)
	}
	parts := strings.Split(s, ":")
	if len(parts) != 4 {
		return bad()
	}
	q, err1 := strconv.ParseInt(parts[1], 10, 64)
	price, err2 := strconv.ParseInt(parts[3], 10, 64)
	it := Item{Category: parts[0], Quantity: q, Unit: parts[2], UnitPrice: price}
	if err1 != nil || err2 != nil || !nameRE.MatchString(it.Category) || !nameRE.MatchString(it.Unit) {
		return bad()
	}
	if _, ok := it.Amount(); !ok {
		return bad()
	}
	return it, nil
}

// SumItems is the total of items, the value a purchase's Total must have;
// ANGKA_TIDAK_VALID when a line or the sum does not fit in an int64.
func SumItems(items []Item) (int64, error) {
	var sum int64
	for i, it := range items {
		amt, ok := it.Amount()
		if !ok || sum > math.MaxInt64-amt {
			return 0, Refuse(tepat.EINVALID, ReasonBadNumber, "barang ke-%d: jumlah tidak valid atau total terlalu besar", i+1)
		}
		sum += amt
	}
	return sum, nil
}

// NewTxID returns a fresh random transaction id ("tx-" and 16 hex digits),
// unique for all practical purposes.
func NewTxID() string {
	var b [8]byte
	rand.Read(b[:])
	return "tx-" + hex.EncodeToString(b[:])
}

// LoadOptions describe a load run: Tx purchases sent to Server by
// Concurrency workers, purchase i signed by terminal Keys[i % Terminals]
// for card Cards[i % CardCount], so concurrent purchases mostly hit
// different cards.
type LoadOptions struct {
	Server    string
	Keys      []KeyFile
	Cards     []string
	Terminals int // use the first Terminals keys; 0: all
	CardCount int // use the first CardCount cards; 0: all
	Tx        int // purchases to send, > 0
	// Concurrency is the number of requests in flight at most; default 1.
	Concurrency int
	// Rate is the target of requests per second, paced open-loop: request
	// i is due at start + i/Rate whatever the answers, and its latency is
	// counted from when it was due, so a server falling behind shows in
	// the latency. 0 sends as fast as the workers allow.
	Rate float64
	// Program defaults to SEMBAKO; Items to one kilogram of rice at Rp1,000.
	Program string
	Items   []Item
	// HTTP defaults to a client keeping Concurrency idle connections to
	// the server.
	HTTP *http.Client
}

// LoadResult is what a load run measured. Latency covers every request
// sent, refused or not; Codes counts the answers: "OK" for a verified
// receipt, the refusal code otherwise (STRUK_TIDAK_SAH for a receipt that
// does not verify, NETWORK for a transport failure).
type LoadResult struct {
	Sent       int64            `json:"sent"`
	Seconds    float64          `json:"seconds"`
	Throughput float64          `json:"throughput_per_s"`
	Latency    Latency          `json:"latency_ms"`
	Codes      map[string]int64 `json:"codes"`
}

// Latency holds exact percentiles (nearest rank) of latencies in
// milliseconds.
type Latency struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// CodeOK and CodeNetwork are the load result's codes for an accepted
// purchase and a transport failure.
const (
	CodeOK      = "OK"
	CodeNetwork = "NETWORK"
)

// Load runs a load test and returns what it measured. Each purchase has a
// fresh transaction id (a random prefix per run and a counter) and the
// current time; signing happens in the workers. Options that cannot run
// are refused with OPSI_BEBAN_TIDAK_VALID before anything is sent. When
// ctx ends, Load stops sending and returns what it measured with ctx's
// error.
func Load(ctx context.Context, o LoadOptions) (LoadResult, error) {
	bad := func(format string, args ...any) (LoadResult, error) {
		return LoadResult{}, tepat.Reasonf(tepat.EINVALID, "OPSI_BEBAN_TIDAK_VALID", format, args...)
	}
	if o.Terminals == 0 {
		o.Terminals = len(o.Keys)
	}
	if o.CardCount == 0 {
		o.CardCount = len(o.Cards)
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 1
	}
	if o.Program == "" {
		o.Program = "SEMBAKO"
	}
	if len(o.Items) == 0 {
		o.Items = []Item{{Category: "beras", Quantity: 1, Unit: "kg", UnitPrice: 1000}}
	}
	switch {
	case o.Server == "":
		return bad("alamat server wajib diisi")
	case o.Terminals <= 0 || o.Terminals > len(o.Keys):
		return bad("jumlah terminal %d tidak valid: tersedia %d berkas kunci", o.Terminals, len(o.Keys))
	case o.CardCount <= 0 || o.CardCount > len(o.Cards):
		return bad("jumlah kartu %d tidak valid: tersedia %d kartu", o.CardCount, len(o.Cards))
	case o.Tx <= 0:
		return bad("jumlah transaksi harus positif")
	case o.Rate < 0 || math.IsNaN(o.Rate) || math.IsInf(o.Rate, 0):
		return bad("laju harus 0 atau positif")
	}
	total, err := SumItems(o.Items)
	if err != nil {
		return LoadResult{}, err
	}
	signers := make([]signer, o.Terminals)
	for i := range signers {
		if signers[i], err = parseKey(o.Keys[i]); err != nil {
			return LoadResult{}, err
		}
	}
	hc := o.HTTP
	if hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConns = 2 * o.Concurrency
		tr.MaxIdleConnsPerHost = o.Concurrency
		hc = &http.Client{Transport: tr, Timeout: time.Minute}
		defer tr.CloseIdleConnections()
	}
	var b [4]byte
	rand.Read(b[:])
	run := "L" + hex.EncodeToString(b[:]) + "-"
	server := strings.TrimRight(o.Server, "/")

	type job struct {
		i   int
		due time.Time
	}
	type tally struct {
		lat   []time.Duration
		codes map[string]int64
	}
	jobs := make(chan job, o.Concurrency)
	tallies := make([]tally, o.Concurrency)
	done := make(chan struct{})
	start := time.Now()
	for w := range tallies {
		tallies[w].codes = map[string]int64{}
		go func(t *tally) {
			defer func() { done <- struct{}{} }()
			for j := range jobs {
				s := signers[j.i%o.Terminals]
				p := Purchase{Tx: run + strconv.Itoa(j.i), Terminal: s.id, Card: o.Cards[j.i%o.CardCount],
					Program: o.Program, Items: o.Items, Total: total, Time: time.Now().UTC()}
				_, err := s.pay(ctx, hc, server, p)
				t.lat = append(t.lat, time.Since(j.due))
				t.codes[loadCode(err)]++
			}
		}(&tallies[w])
	}
	var interval time.Duration
	if o.Rate > 0 {
		interval = time.Duration(float64(time.Second) / o.Rate)
	}
dispatch:
	for i := 0; i < o.Tx; i++ {
		due := time.Now()
		if interval > 0 {
			due = start.Add(time.Duration(i) * interval)
			if wait := time.Until(due); wait > 0 {
				select {
				case <-time.After(wait):
				case <-ctx.Done():
					break dispatch
				}
			}
		}
		select {
		case jobs <- job{i, due}:
		case <-ctx.Done():
			break dispatch
		}
	}
	close(jobs)
	for range tallies {
		<-done
	}
	elapsed := time.Since(start)

	res := LoadResult{Seconds: elapsed.Seconds(), Codes: map[string]int64{}}
	var lat []time.Duration
	for _, t := range tallies {
		lat = append(lat, t.lat...)
		for c, n := range t.codes {
			res.Codes[c] += n
		}
	}
	res.Sent = int64(len(lat))
	if res.Seconds > 0 {
		res.Throughput = float64(res.Sent) / res.Seconds
	}
	res.Latency = percentiles(lat)
	return res, ctx.Err()
}

// loadCode is the load result's code for the outcome of one purchase.
func loadCode(err error) string {
	switch r := tepat.ErrorReason(err); {
	case err == nil:
		return CodeOK
	case r == ReasonNetwork:
		return CodeNetwork
	case r != "":
		return r
	}
	return strings.ToUpper(tepat.ErrorCode(err))
}

// percentiles returns the nearest-rank percentiles of lat in milliseconds;
// it sorts lat.
func percentiles(lat []time.Duration) Latency {
	if len(lat) == 0 {
		return Latency{}
	}
	slices.Sort(lat)
	at := func(p float64) float64 {
		k := int(math.Ceil(p/100*float64(len(lat)))) - 1
		k = max(0, min(k, len(lat)-1))
		return float64(lat[k].Microseconds()) / 1000
	}
	return Latency{P50: at(50), P90: at(90), P99: at(99), Max: float64(lat[len(lat)-1].Microseconds()) / 1000}
}
