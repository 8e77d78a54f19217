package terminal_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"tepat"
	"tepat/db"
	"tepat/db/dbtest"
	"tepat/ledger"
	"tepat/ledger/ledgertest"
	"tepat/terminal"
	"tepat/web"
)

// The offline test vectors of docs/terminal-protocol.md ("Offline test
// vectors"), with the keys of the online vectors.
const (
	vecManifestRequest    = `{"terminal":"T000001","cycle":7,"region":"32.01","valid_until":"2026-02-16T00:00:00Z","time":"2026-02-08T23:00:00Z"}`
	vecManifestRequestSig = "C86+ZdaEvB7A5Y/l7ZShytVOIg4xpia5YYbS8HHuGSWh8VCm8r6V2COzBoDLYAGKClvJ4XfITbt7Y8bX3kYeCA=="
	vecManifest           = `{"manifest":{"id":"MNF-000001","terminal":"T000001","cycle":7,"program":"SEMBAKO","kind":"WALLET","region":"32.01","issued_at":"2026-02-09T00:00:00Z","valid_until":"2026-02-16T00:00:00Z","families":[{"kk":"3201010101260001","nik_kepala":"3201********0001","name":"Siti Aminah","allowance":200000}],"total":200000},"signature":"h9H/z65o3CC7V3+yftYgNZyU9Vzv/2PKPNFHEUAgMN1sL0tMolf4DUCUi6PkIAttkdtc0gPCIQrJxRY3HFDVAw=="}`

	vecEntry1     = `{"terminal":"T000001","seq":1,"prev":"0000000000000000000000000000000000000000000000000000000000000000","manifest":"MNF-000001","kk":"3201010101260001","amount":148000,"items":[{"category":"beras","quantity":10,"unit":"kg","unit_price":12000},{"category":"telur","quantity":1,"unit":"kg","unit_price":28000}],"time":"2026-02-10T05:00:00Z"}`
	vecEntry1Sig  = "o8f2eiZcw6eLP05MTjZCh7oNHvO/BNMrXldPcIRwdaWej6jzCwLincDuUWDT8LyAsVd3Eds7h97LPxc1ZRqjCg=="
	vecEntry1Hash = "0abce7ece3a2977a3331b13dc59e5dd22bcef871a45efb4fdee52f64beafd10e"
	vecEntry2     = `{"terminal":"T000001","seq":2,"prev":"0abce7ece3a2977a3331b13dc59e5dd22bcef871a45efb4fdee52f64beafd10e","manifest":"MNF-000001","kk":"3201010101260001","amount":50000,"items":[{"category":"beras","quantity":2,"unit":"kg","unit_price":12000},{"category":"sayur","quantity":2,"unit":"ikat","unit_price":13000}],"time":"2026-02-10T06:30:00Z"}`
	vecEntry2Sig  = "7O2ZV8VGZwCw68/Rk5F/6NxVD2GWqXaqlD9FbZwzBEZLkDTUZ3QKa3haRFAd7HY7BHqfuNQ8R9IJz/qPvw6gDA=="
	vecEntry2Hash = "0023d22839c48ae41b2e5ad582418dce29f302276474f3bd7d00ee996353bb2f"

	vecEntry1Logged = `{"body":"eyJ0ZXJtaW5hbCI6IlQwMDAwMDEiLCJzZXEiOjEsInByZXYiOiIwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwIiwibWFuaWZlc3QiOiJNTkYtMDAwMDAxIiwia2siOiIzMjAxMDEwMTAxMjYwMDAxIiwiYW1vdW50IjoxNDgwMDAsIml0ZW1zIjpbeyJjYXRlZ29yeSI6ImJlcmFzIiwicXVhbnRpdHkiOjEwLCJ1bml0Ijoia2ciLCJ1bml0X3ByaWNlIjoxMjAwMH0seyJjYXRlZ29yeSI6InRlbHVyIiwicXVhbnRpdHkiOjEsInVuaXQiOiJrZyIsInVuaXRfcHJpY2UiOjI4MDAwfV0sInRpbWUiOiIyMDI2LTAyLTEwVDA1OjAwOjAwWiJ9","signature":"o8f2eiZcw6eLP05MTjZCh7oNHvO/BNMrXldPcIRwdaWej6jzCwLincDuUWDT8LyAsVd3Eds7h97LPxc1ZRqjCg=="}`
)

const vecKK = "3201010101260001"

var (
	vecManifestValue = terminal.Manifest{ID: "MNF-000001", Terminal: "T000001", Cycle: 7, Program: "SEMBAKO",
		Kind: terminal.ManifestWallet, Region: "32.01",
		IssuedAt: time.Date(2026, 2, 9, 0, 0, 0, 0, time.UTC), ValidUntil: time.Date(2026, 2, 16, 0, 0, 0, 0, time.UTC),
		Families: []terminal.ManifestFamily{{KK: vecKK, NIKKepala: "3201********0001", Name: "Siti Aminah", Allowance: 200000}},
		Total:    200000}
	vecEntry1Value = terminal.Entry{Terminal: "T000001", Seq: 1, Prev: strings.Repeat("0", 64), Manifest: "MNF-000001", KK: vecKK,
		Amount: 148000, Items: []terminal.Item{{Category: "beras", Quantity: 10, Unit: "kg", UnitPrice: 12000},
			{Category: "telur", Quantity: 1, Unit: "kg", UnitPrice: 28000}}, Time: vecTime}
	vecEntry2Value = terminal.Entry{Terminal: "T000001", Seq: 2, Prev: vecEntry1Hash, Manifest: "MNF-000001", KK: vecKK,
		Amount: 50000, Items: []terminal.Item{{Category: "beras", Quantity: 2, Unit: "kg", UnitPrice: 12000},
			{Category: "sayur", Quantity: 2, Unit: "ikat", UnitPrice: 13000}}, Time: vecTime.Add(90 * time.Minute)}
)

func TestOfflineVectors(t *testing.T) {
	t.Parallel()
	key, server := seedKey(t, vecSeed), seedKey(t, vecServerSeed)
	pub := key.Public().(ed25519.PublicKey)

	if got := terminal.Sign(key, terminal.ManifestRequestPrefix, []byte(vecManifestRequest)); got != vecManifestRequestSig {
		t.Fatalf("manifest request signature %s", got)
	}
	r, err := terminal.DecodeManifestRequest([]byte(vecManifestRequest))
	if err != nil || r.Cycle != 7 || !r.ValidUntil.Equal(vecManifestValue.ValidUntil) {
		t.Fatalf("manifest request %+v: %v", r, err)
	}
	if b, _ := json.Marshal(r); string(b) != vecManifestRequest {
		t.Fatalf("manifest request encodes as %s", b)
	}

	if got := terminal.SignManifest(server, vecManifestValue); string(got) != vecManifest {
		t.Fatalf("signed manifest\n%s\nwant\n%s", got, vecManifest)
	}
	m, err := terminal.OpenManifest(server.Public().(ed25519.PublicKey), []byte(vecManifest))
	if err != nil || !reflect.DeepEqual(m, vecManifestValue) {
		t.Fatalf("opened manifest %+v: %v", m, err)
	}
	// The terminal's own key does not open the server's manifest.
	_, err = terminal.OpenManifest(pub, []byte(vecManifest))
	wantReason(t, err, terminal.ReasonBadSignature)

	prev := terminal.HexHash(terminal.GenesisHash)
	for i, v := range []struct {
		value           terminal.Entry
		body, sig, hash string
	}{{vecEntry1Value, vecEntry1, vecEntry1Sig, vecEntry1Hash}, {vecEntry2Value, vecEntry2, vecEntry2Sig, vecEntry2Hash}} {
		se, hash := terminal.SignEntry(key, v.value)
		body, _ := base64.StdEncoding.DecodeString(se.Body)
		if string(body) != v.body || se.Signature != v.sig || terminal.HexHash(hash) != v.hash {
			t.Fatalf("entry %d:\n%s\n%s %x", i+1, body, se.Signature, hash)
		}
		if terminal.HexHash(terminal.EntryHash([]byte(v.body))) != v.hash {
			t.Fatalf("entry %d hash", i+1)
		}
		if err := terminal.Verify(pub, terminal.EntryPrefix, body, v.sig); err != nil {
			t.Fatal(err)
		}
		e, err := terminal.DecodeEntry(body)
		if err != nil || !reflect.DeepEqual(e, v.value) || e.Prev != prev {
			t.Fatalf("decoded entry %d %+v: %v", i+1, e, err)
		}
		prev = v.hash
		if i == 0 {
			if b, _ := json.Marshal(se); string(b) != vecEntry1Logged {
				t.Fatalf("logged form %s", b)
			}
		}
	}
	// An entry's signature is not valid as another kind of message.
	wantReason(t, terminal.Verify(pub, terminal.PurchasePrefix, []byte(vecEntry1), vecEntry1Sig), terminal.ReasonBadSignature)
}

// offlineKit is a terminal key file with the test vector keys and the
// server key that signs its manifests.
type offlineKit struct {
	key    terminal.KeyFile
	server ed25519.PrivateKey
	dir    string
}

func newKit(t *testing.T) *offlineKit {
	t.Helper()
	server := seedKey(t, vecServerSeed)
	return &offlineKit{
		key: terminal.KeyFile{Terminal: "T000001", Merchant: "M000001", PrivateKey: vecSeed,
			ServerPublicKey: base64.StdEncoding.EncodeToString(server.Public().(ed25519.PublicKey))},
		server: server,
		dir:    filepath.Join(t.TempDir(), "state"),
	}
}

// manifest makes a manifest of kind for families kk → allowance, valid
// until the vector manifest's end.
func (k *offlineKit) manifest(id, kind string, fams map[string]int64) []byte {
	m := vecManifestValue
	m.ID, m.Kind, m.Families, m.Total = id, kind, nil, 0
	for kk, a := range fams {
		m.Families = append(m.Families, terminal.ManifestFamily{KK: kk, NIKKepala: "3201********0001", Name: "Keluarga", Allowance: a})
		m.Total += a
	}
	return terminal.SignManifest(k.server, m)
}

func (k *offlineKit) load(t *testing.T, body []byte) *terminal.OfflineTerminal {
	t.Helper()
	if err := terminal.LoadOffline(k.dir, body, k.key); err != nil {
		t.Fatal(err)
	}
	return k.open(t)
}

func (k *offlineKit) open(t *testing.T) *terminal.OfflineTerminal {
	t.Helper()
	o, err := terminal.OpenOffline(k.dir)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

const (
	kkA = "3201010101260001"
	kkB = "3201010101260002"
	kkC = "3201010101260003"
)

// payThrice loads a cash manifest giving kkA Rp600,000, pays Rp100,000
// from it three times and returns the log file's path and its lines.
func (k *offlineKit) payThrice(t *testing.T) (path string, lines [][]byte) {
	t.Helper()
	o := k.load(t, k.manifest("MNF-1", terminal.ManifestCash, map[string]int64{kkA: 600000}))
	for range 3 {
		if _, err := o.Pay(kkA, 100000, nil, vecTime); err != nil {
			t.Fatal(err)
		}
	}
	path = filepath.Join(k.dir, "log.jsonl")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, bytes.SplitAfter(b, []byte("\n"))
}

// checkChain reads the kit's log from disk and checks every line as a
// server would: body decodes, signature verifies with the terminal's key,
// seq and prev chain.
func (k *offlineKit) checkChain(t *testing.T) []terminal.Entry {
	t.Helper()
	pub := seedKey(t, vecSeed).Public().(ed25519.PublicKey)
	f, err := os.Open(filepath.Join(k.dir, "log.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	prev := terminal.GenesisHash
	var out []terminal.Entry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var se terminal.SignedEntry
		if err := json.Unmarshal(sc.Bytes(), &se); err != nil {
			t.Fatalf("line %d: %v", len(out)+1, err)
		}
		body, err := base64.StdEncoding.DecodeString(se.Body)
		if err != nil {
			t.Fatal(err)
		}
		if err := terminal.Verify(pub, terminal.EntryPrefix, body, se.Signature); err != nil {
			t.Fatalf("line %d: %v", len(out)+1, err)
		}
		e, err := terminal.DecodeEntry(body)
		if err != nil {
			t.Fatalf("line %d: %v", len(out)+1, err)
		}
		if e.Seq != int64(len(out))+1 || e.Prev != terminal.HexHash(prev) {
			t.Fatalf("line %d: seq %d prev %s", len(out)+1, e.Seq, e.Prev)
		}
		prev = terminal.EntryHash(body)
		out = append(out, e)
	}
	return out
}

func TestOfflinePayChainsSignedEntries(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	o := k.load(t, k.manifest("MNF-CASH-1", terminal.ManifestCash, map[string]int64{kkA: 600000, kkB: 300000}))
	for i, p := range []struct {
		kk     string
		amount int64
	}{{kkA, 200000}, {kkB, 300000}, {kkA, 400000}} {
		e, err := o.Pay(p.kk, p.amount, nil, vecTime.Add(time.Duration(i)*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if e.Seq != int64(i+1) || e.Manifest != "MNF-CASH-1" || e.Amount != p.amount || e.Terminal != "T000001" {
			t.Fatalf("entry %+v", e)
		}
	}
	got := k.checkChain(t)
	if !reflect.DeepEqual(got, o.Entries()) || len(got) != 3 {
		t.Fatalf("log on disk %+v\nin memory %+v", got, o.Entries())
	}
	for _, kk := range []string{kkA, kkB} {
		if left, err := o.Remaining(kk); err != nil || left != 0 {
			t.Fatalf("remaining %s = %d, %v", kk, left, err)
		}
	}
	if fi, err := os.Stat(filepath.Join(k.dir, "key.json")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key copy: %v %v", fi.Mode(), err)
	}
}

func TestOfflinePayRefusals(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	cash := k.load(t, k.manifest("MNF-CASH-1", terminal.ManifestCash, map[string]int64{kkA: 600000}))
	if _, err := cash.Pay(kkA, 500000, nil, vecTime); err != nil {
		t.Fatal(err)
	}
	refused := func(t *testing.T, o *terminal.OfflineTerminal, reason, kk string, amount int64, items []terminal.Item, at time.Time) {
		t.Helper()
		n := len(o.Entries())
		_, err := o.Pay(kk, amount, items, at)
		wantReason(t, err, reason)
		if len(o.Entries()) != n {
			t.Fatal("a refused payment was logged")
		}
	}
	beras := []terminal.Item{{Category: "beras", Quantity: 5, Unit: "kg", UnitPrice: 12000}}
	t.Run("RefusesBeyondAllowance", func(t *testing.T) {
		refused(t, cash, terminal.ConflictAllowance, kkA, 100001, nil, vecTime)
	})
	t.Run("RefusesUnknownFamily", func(t *testing.T) {
		refused(t, cash, terminal.ConflictNotListed, kkC, 1000, nil, vecTime)
	})
	t.Run("RefusesAfterValidUntil", func(t *testing.T) {
		refused(t, cash, terminal.ConflictExpired, kkA, 1000, nil, vecManifestValue.ValidUntil.Add(time.Second))
	})
	t.Run("RefusesItemsForCash", func(t *testing.T) {
		refused(t, cash, terminal.ReasonCashItems, kkA, 60000, beras, vecTime)
	})
	t.Run("RefusesBadNumbers", func(t *testing.T) {
		refused(t, cash, terminal.ReasonBadNumber, kkA, 0, nil, vecTime)
		refused(t, cash, terminal.ReasonBadNumber, kkA, -5, nil, vecTime)
		refused(t, cash, terminal.ReasonMissing, "3201", 5, nil, vecTime)
	})
	t.Run("AcceptsExactlyTheRest", func(t *testing.T) {
		if _, err := cash.Pay(kkA, 100000, nil, vecTime); err != nil {
			t.Fatal(err)
		}
		refused(t, cash, terminal.ConflictAllowance, kkA, 1, nil, vecTime)
	})

	kw := newKit(t)
	wallet := kw.load(t, kw.manifest("MNF-WALLET-1", terminal.ManifestWallet, map[string]int64{kkA: 100000}))
	t.Run("RequiresItemsForWallet", func(t *testing.T) {
		refused(t, wallet, terminal.ReasonNeedItems, kkA, 60000, nil, vecTime)
	})
	t.Run("RefusesAmountOtherThanItems", func(t *testing.T) {
		refused(t, wallet, terminal.ReasonTotal, kkA, 60001, beras, vecTime)
	})
	t.Run("WalletAmountIsItemsSum", func(t *testing.T) {
		e, err := wallet.Pay(kkA, 0, beras, vecTime)
		if err != nil || e.Amount != 60000 || len(e.Items) != 1 {
			t.Fatalf("%+v %v", e, err)
		}
		refused(t, wallet, terminal.ConflictAllowance, kkA, 0, beras, vecTime)
	})
}

func TestOfflineStateSurvivesReopen(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	o := k.load(t, k.manifest("MNF-CASH-1", terminal.ManifestCash, map[string]int64{kkA: 600000}))
	for range 3 {
		if _, err := o.Pay(kkA, 100000, nil, vecTime); err != nil {
			t.Fatal(err)
		}
	}
	if err := o.SetSynced(2); err != nil {
		t.Fatal(err)
	}
	wantReason(t, o.SetSynced(4), terminal.ConflictWrongTerm)

	again := k.open(t)
	if !reflect.DeepEqual(again.Entries(), o.Entries()) || again.Synced() != 2 {
		t.Fatalf("reopened: %d entries, synced %d", len(again.Entries()), again.Synced())
	}
	if left, _ := again.Remaining(kkA); left != 300000 {
		t.Fatalf("remaining after reopen %d", left)
	}
	e, err := again.Pay(kkA, 300000, nil, vecTime)
	if err != nil || e.Seq != 4 {
		t.Fatalf("%+v %v", e, err)
	}
	k.checkChain(t)
}

func TestOfflineSecondManifestContinuesChain(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	o := k.load(t, k.manifest("MNF-1", terminal.ManifestCash, map[string]int64{kkA: 100000}))
	if _, err := o.Pay(kkA, 100000, nil, vecTime); err != nil {
		t.Fatal(err)
	}
	o = k.load(t, k.manifest("MNF-2", terminal.ManifestCash, map[string]int64{kkA: 150000}))
	if left, _ := o.Remaining(kkA); left != 150000 {
		t.Fatalf("remaining under the new manifest %d", left)
	}
	e, err := o.Pay(kkA, 150000, nil, vecTime)
	if err != nil || e.Seq != 2 || e.Manifest != "MNF-2" {
		t.Fatalf("%+v %v", e, err)
	}
	if got := k.checkChain(t); len(got) != 2 {
		t.Fatalf("%d entries", len(got))
	}
}

func TestOfflineTornLastLineIsDropped(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		tail func(line []byte) []byte
	}{
		{"HalfLine", func(line []byte) []byte { return line[:len(line)/2] }},
		{"WholeLineWithoutNewline", func(line []byte) []byte { return line[:len(line)-1] }},
		{"Zeros", func(line []byte) []byte { return make([]byte, len(line)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k := newKit(t)
			path, lines := k.payThrice(t)
			// The third payment's write was torn by a crash.
			torn := append(bytes.Join(lines[:2], nil), tc.tail(lines[2])...)
			if err := os.WriteFile(path, torn, 0o600); err != nil {
				t.Fatal(err)
			}
			o := k.open(t)
			if n := len(o.Entries()); n != 2 {
				t.Fatalf("%d entries after recovery", n)
			}
			if left, _ := o.Remaining(kkA); left != 400000 {
				t.Fatalf("remaining %d", left)
			}
			e, err := o.Pay(kkA, 50000, nil, vecTime.Add(time.Hour))
			if err != nil || e.Seq != 3 {
				t.Fatalf("%+v %v", e, err)
			}
			if got := k.checkChain(t); len(got) != 3 || got[2].Amount != 50000 {
				t.Fatalf("chain after recovery: %+v", got)
			}
		})
	}
	t.Run("RefusesDamageBeforeTheEnd", func(t *testing.T) {
		t.Parallel()
		k := newKit(t)
		path, lines := k.payThrice(t)
		damaged := append(append(append([]byte(nil), lines[0]...), lines[2]...), lines[1]...) // out of order
		if err := os.WriteFile(path, damaged, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := terminal.OpenOffline(k.dir)
		wantReason(t, err, terminal.ReasonBrokenLog)
	})
}

func TestOfflineLoadRefusals(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	body := k.manifest("MNF-1", terminal.ManifestCash, map[string]int64{kkA: 600000})
	t.Run("RefusesBadSignature", func(t *testing.T) {
		forged := bytes.Replace(body, []byte(`"allowance":600000`), []byte(`"allowance":900000`), 1)
		wantReason(t, terminal.LoadOffline(k.dir, forged, k.key), terminal.ReasonBadSignature)
		other := terminal.SignManifest(seedKey(t, vecSeed), vecManifestValue) // signed by the terminal, not the server
		wantReason(t, terminal.LoadOffline(k.dir, other, k.key), terminal.ReasonBadSignature)
		if _, err := os.Stat(k.dir); err == nil {
			t.Fatal("a refused manifest created the state")
		}
	})
	t.Run("RefusesOtherTerminal", func(t *testing.T) {
		m := vecManifestValue
		m.Terminal = "T000002"
		wantReason(t, terminal.LoadOffline(k.dir, terminal.SignManifest(k.server, m), k.key), terminal.ConflictWrongTerm)
	})
	t.Run("RefusesStateOfOtherKey", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "s")
		if err := terminal.LoadOffline(dir, body, k.key); err != nil {
			t.Fatal(err)
		}
		other, _, err := terminal.NewKeyFile("T000001", "M000001", k.server.Public().(ed25519.PublicKey))
		if err != nil {
			t.Fatal(err)
		}
		wantReason(t, terminal.LoadOffline(dir, body, other), terminal.ConflictWrongTerm)
	})
	t.Run("RefusesUnknownKind", func(t *testing.T) {
		wantReason(t, terminal.LoadOffline(k.dir, k.manifest("MNF-1", "VOUCHER", nil), k.key), terminal.ReasonBadManifest)
	})
	t.Run("RefusesEmptyState", func(t *testing.T) {
		_, err := terminal.OpenOffline(filepath.Join(t.TempDir(), "none"))
		wantReason(t, err, terminal.ReasonNoState)
	})
}

// TestOfflineAgainstServer requests a wallet manifest from the real
// server, pays from it offline (one purchase with a food the program
// forbids, which only the server knows), and syncs in batches.
func TestOfflineAgainstServer(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		w := ledgertest.Fund(t, d, 6, "32.01")
		srv := web.New(d, nil)
		ts := httptest.NewServer(srv)
		t.Cleanup(func() { ts.Close(); srv.Close() })
		skey, err := ledger.ServerKey(sys, d)
		if err != nil {
			t.Fatal(err)
		}
		m, err := ledger.AddMerchant(sys, d, ledger.NewMerchant{Name: "e-Warong Pelosok", Type: "EWARONG", Village: "32.01.01.1001", Bank: "BRI"})
		if err != nil {
			t.Fatal(err)
		}
		register := func() terminal.KeyFile {
			kf, pub, err := terminal.NewKeyFile("", m.ID, skey.Public().(ed25519.PublicKey))
			if err != nil {
				t.Fatal(err)
			}
			tm, err := ledger.RegisterTerminal(sys, d, m.ID, pub)
			if err != nil {
				t.Fatal(err)
			}
			kf.Terminal = tm.ID
			return kf
		}
		kf, other := register(), register()
		ctx := context.Background()

		_, err = terminal.RequestManifest(ctx, ts.URL, kf, terminal.ManifestRequest{Cycle: w.Cycle, Region: "32.01",
			Time: time.Now().Add(-time.Hour)}, ts.Client())
		wantReason(t, err, terminal.ReasonStaleTime)
		body, err := terminal.RequestManifest(ctx, ts.URL, kf, terminal.ManifestRequest{Cycle: w.Cycle, Region: "32.01"}, ts.Client())
		if err != nil {
			t.Fatal(err)
		}
		// The families are reserved for kf now: nothing left for another
		// terminal (the reason is the server's business; it must be one).
		_, err = terminal.RequestManifest(ctx, ts.URL, other, terminal.ManifestRequest{Cycle: w.Cycle, Region: "32.01"}, ts.Client())
		if err == nil || tepat.ErrorReason(err) == "" || tepat.ErrorCode(err) != tepat.ECONFLICT {
			t.Fatalf("second reservation: %v", err)
		}

		dir := filepath.Join(t.TempDir(), "state")
		if err := terminal.LoadOffline(dir, body, kf); err != nil {
			t.Fatal(err)
		}
		o, err := terminal.OpenOffline(dir)
		if err != nil {
			t.Fatal(err)
		}
		fams := o.Manifest().Families
		if o.Manifest().Kind != terminal.ManifestWallet || len(fams) != 6 || fams[0].Allowance != ledgertest.Monthly {
			t.Fatalf("manifest %+v", o.Manifest())
		}
		item := func(s string) []terminal.Item {
			it, err := terminal.ParseItem(s)
			if err != nil {
				t.Fatal(err)
			}
			return []terminal.Item{it}
		}
		pay := func(kk string, items []terminal.Item) {
			t.Helper()
			if _, err := o.Pay(kk, 0, items, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		pay(fams[0].KK, item("beras:5:kg:12000"))
		pay(fams[1].KK, item("beras:10:kg:15000"))
		pay(fams[2].KK, item("rokok:1:bungkus:25000")) // the server refuses it
		pay(fams[0].KK, item("telur:10:butir:2500"))
		pay(fams[3].KK, item("sayur:3:ikat:10000"))

		// The state claims the server holds 1..3 (say, restored from an
		// old copy): the server answers last_seq 0 to 4..5 and the client
		// resumes from 1.
		if err := o.SetSynced(3); err != nil {
			t.Fatal(err)
		}
		sum, err := terminal.Sync(ctx, ts.URL, o, 2, ts.Client())
		if err != nil {
			t.Fatal(err)
		}
		if sum.LastSeq != 5 || o.Synced() != 5 || sum.Sent <= 5 || sum.Applied+len(sum.Conflicts) != 5 ||
			len(sum.Conflicts) != 1 || sum.Conflicts[0].Seq != 3 || sum.Conflicts[0].Code != terminal.ConflictItems {
			t.Fatalf("summary %+v", sum)
		}

		// Only what the server lacks is sent; resending everything is harmless.
		pay(fams[4].KK, item("beras:1:kg:12000"))
		if sum, err = terminal.Sync(ctx, ts.URL, o, 0, ts.Client()); err != nil || sum.Sent != 1 || sum.Applied != 1 || sum.LastSeq != 6 {
			t.Fatalf("%+v %v", sum, err)
		}
		if err := o.SetSynced(0); err != nil {
			t.Fatal(err)
		}
		if sum, err = terminal.Sync(ctx, ts.URL, o, 0, ts.Client()); err != nil || sum.Sent != 6 || sum.Applied != 0 || sum.LastSeq != 6 {
			t.Fatalf("resend: %+v %v", sum, err)
		}
		checkLedger(t, d)

		// Closing: not before the server holds everything; then the
		// terminal pays no more and the unspent allowance is back in the
		// wallets.
		pay(fams[5].KK, item("beras:1:kg:12000"))
		if _, err := terminal.CloseManifest(ctx, ts.URL, o, ts.Client()); tepat.ErrorReason(err) != terminal.ReasonNotSynced {
			t.Fatalf("close before sync: %v", err)
		}
		if _, err := terminal.Sync(ctx, ts.URL, o, 0, ts.Client()); err != nil {
			t.Fatal(err)
		}
		closed, err := terminal.CloseManifest(ctx, ts.URL, o, ts.Client())
		if err != nil || !strings.Contains(string(closed), `"status":"DITUTUP"`) {
			t.Fatalf("close: %s %v", closed, err)
		}
		if _, err := o.Pay(fams[1].KK, 0, item("beras:1:kg:12000"), time.Now()); tepat.ErrorReason(err) != terminal.ConflictReleased {
			t.Fatalf("pay after close: %v", err)
		}
		var reserved, wallets int64
		d.QueryRow(ctx, `SELECT COALESCE(SUM(balance), 0) FROM ledger_account WHERE kind = 'RESERVE'`).Scan(&reserved)
		d.QueryRow(ctx, `SELECT COALESCE(SUM(balance), 0) FROM ledger_account WHERE kind = 'WALLET'`).Scan(&wallets)
		if reserved != 0 || wallets != 6*ledgertest.Monthly-60000-150000-25000-30000-12000-12000 {
			t.Fatalf("after close: reserve %d, wallets %d", reserved, wallets)
		}
		checkLedger(t, d)

		t.Run("RefusedUploadIsAnError", func(t *testing.T) {
			// A terminal the server does not know, with a manifest the
			// server's key signed.
			k := newKit(t)
			k.key.Terminal = "T999999"
			k.key.ServerPublicKey = base64.StdEncoding.EncodeToString(skey.Public().(ed25519.PublicKey))
			m := vecManifestValue
			m.Terminal, m.Kind = "T999999", terminal.ManifestCash
			m.Families = []terminal.ManifestFamily{{KK: kkA, Allowance: 1000}}
			o := k.load(t, terminal.SignManifest(skey, m))
			if _, err := o.Pay(kkA, 1000, nil, vecTime); err != nil {
				t.Fatal(err)
			}
			sum, err := terminal.Sync(ctx, ts.URL, o, 0, ts.Client())
			if err == nil || tepat.ErrorReason(err) == "" || sum.Uploads != 0 || o.Synced() != 0 {
				t.Fatalf("%+v %v", sum, err)
			}
		})
	})
}
