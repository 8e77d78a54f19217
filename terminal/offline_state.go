package terminal

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"tepat"
)

// Files of an offline terminal's state directory.
const (
	stateKey      = "key.json"      // copy of the key file, 0600
	stateManifest = "manifest.json" // the current signed manifest, as received
	stateLog      = "log.jsonl"     // one SignedEntry JSON a line, append only
	stateSync     = "state.json"    // {"synced": n}
	stateClosed   = "closed.txt"    // the id of a manifest this terminal closed
)

// Reasons of the offline terminal's own refusals, beside the conflict
// codes it shares with the server (BUKAN_DI_MANIFES, MELEBIHI_JATAH,
// MANIFES_KEDALUWARSA, TERMINAL_TIDAK_SESUAI).
const (
	// ReasonBadManifest: a manifest that verifies but cannot be used (an
	// unknown kind, a malformed id or family).
	ReasonBadManifest = "MANIFES_TIDAK_VALID"
	// ReasonNeedItems: a payment under a WALLET manifest without items.
	ReasonNeedItems = "BARANG_WAJIB_DIISI"
	// ReasonCashItems: items given under a CASH manifest.
	ReasonCashItems = "TUNAI_TANPA_BARANG"
	// ReasonNoState: the state directory has no loaded manifest.
	ReasonNoState = "STATUS_OFFLINE_TIDAK_ADA"
	// ReasonBrokenLog: the log is damaged before its last line, or it was
	// changed by another process; the terminal must stop and be inspected.
	ReasonBrokenLog = "LOG_RUSAK"
	// ReasonStorage: the state directory could not be written.
	ReasonStorage = "PENYIMPANAN_GAGAL"
)

// OfflineTerminal is the terminal simulator's durable offline state: its
// key, the current manifest, the hash-chained log of signed entries (one
// chain per terminal, across manifests) and how far the server holds it.
// Methods are safe for concurrent use within one process; only one process
// may use a state directory at a time (a second writer is detected, not
// prevented, and refused with LOG_RUSAK).
type OfflineTerminal struct {
	dir      string
	key      KeyFile
	priv     ed25519.PrivateKey
	manifest Manifest

	mu      sync.Mutex
	signed  []SignedEntry
	entries []Entry
	last    []byte // hash of the last entry; GenesisHash when empty
	size    int64  // bytes of whole lines in the log
	synced  int64
	closed  string // the manifest this terminal closed: no more payments from it
	broken  error  // a failed append left the log in an unknown state
}

// LoadOffline verifies a signed manifest with the server key of key and
// makes it the current manifest of the state in stateDir, creating the
// directory with a copy of the key file (0600), an empty log and a sync
// state when they do not exist. A manifest that does not verify is
// TANDA_TANGAN_TIDAK_SAH; one for another terminal, or a state directory
// of another terminal or key, is TERMINAL_TIDAK_SESUAI. Loading into an
// existing state keeps its log: entries under the new manifest continue
// the same chain. Every file is synced before LoadOffline returns.
func LoadOffline(stateDir string, manifestBody []byte, key KeyFile) error {
	priv, err := key.Key()
	if err != nil {
		return err
	}
	server, err := key.ServerKey()
	if err != nil {
		return err
	}
	m, err := OpenManifest(server, manifestBody)
	if err != nil {
		return err
	}
	if m.Terminal != key.Terminal {
		return Refuse(tepat.EFORBIDDEN, ConflictWrongTerm, "manifes %s untuk terminal %s, bukan %s", m.ID, m.Terminal, key.Terminal)
	}
	if err := checkManifest(m); err != nil {
		return err
	}
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return storageErr("direktori status tidak dapat dibuat", err)
	}
	if b, err := os.ReadFile(filepath.Join(stateDir, stateKey)); err == nil {
		var old KeyFile
		var oldPriv ed25519.PrivateKey
		err := json.Unmarshal(b, &old)
		if err == nil {
			oldPriv, err = old.Key()
		}
		if err != nil || old.Terminal != key.Terminal || !oldPriv.Equal(priv) {
			return Refuse(tepat.EFORBIDDEN, ConflictWrongTerm, "direktori status %s milik terminal atau kunci lain", stateDir)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return storageErr("berkas kunci pada direktori status tidak terbaca", err)
	}
	kb, err := json.MarshalIndent(key, "", "  ")
	if err != nil {
		return err
	}
	if err := writeAtomic(stateDir, stateKey, append(kb, '\n')); err != nil {
		return err
	}
	logPath := filepath.Join(stateDir, stateLog)
	if _, err := os.Stat(logPath); errors.Is(err, fs.ErrNotExist) {
		f, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return storageErr("log tidak dapat dibuat", err)
		}
		if err := errors.Join(f.Sync(), f.Close(), syncDir(stateDir)); err != nil {
			return storageErr("log tidak dapat dibuat", err)
		}
	} else if err != nil {
		return storageErr("log tidak terbaca", err)
	}
	if _, err := os.Stat(filepath.Join(stateDir, stateSync)); errors.Is(err, fs.ErrNotExist) {
		if err := writeSynced(stateDir, 0); err != nil {
			return err
		}
	}
	// The manifest last: a state with a manifest is complete.
	return writeAtomic(stateDir, stateManifest, manifestBody)
}

// checkManifest checks the fields a terminal relies on.
func checkManifest(m Manifest) error {
	bad := func(format string, args ...any) error {
		return Refuse(tepat.EINVALID, ReasonBadManifest, format, args...)
	}
	switch {
	case !txRE.MatchString(m.ID):
		return bad("nomor manifes tidak valid")
	case m.Kind != ManifestCash && m.Kind != ManifestWallet:
		return bad("jenis manifes %q tidak dikenal (CASH atau WALLET)", m.Kind)
	case !validTime(m.ValidUntil):
		return bad("masa berlaku manifes %s tidak valid", m.ID)
	}
	seen := make(map[string]bool, len(m.Families))
	for i, f := range m.Families {
		if !kkRE.MatchString(f.KK) || f.Allowance < 0 || seen[f.KK] {
			return bad("keluarga ke-%d pada manifes %s tidak valid atau ganda", i+1, m.ID)
		}
		seen[f.KK] = true
	}
	return nil
}

// OpenOffline opens the state in stateDir made by LoadOffline. It reads
// and checks the whole log: every line must be a signed entry of this
// terminal that continues the chain (seq without gaps, prev the hash of
// the entry before). A damaged last line is a write torn by a crash and
// was never acknowledged: it is cut off and the log synced. Damage before
// the last line is LOG_RUSAK.
func OpenOffline(stateDir string) (*OfflineTerminal, error) {
	kb, err := os.ReadFile(filepath.Join(stateDir, stateKey))
	if err != nil {
		return nil, Refuse(tepat.EINVALID, ReasonNoState, "direktori %s belum berisi manifes: muat dulu dengan `tepat terminal offline load`", stateDir)
	}
	var key KeyFile
	if json.Unmarshal(kb, &key) != nil || !ValidTerminalID(key.Terminal) {
		return nil, Refuse(tepat.EINVALID, "KUNCI_TIDAK_VALID", "berkas kunci pada %s tidak valid", stateDir)
	}
	priv, err := key.Key()
	if err != nil {
		return nil, err
	}
	server, err := key.ServerKey()
	if err != nil {
		return nil, err
	}
	mb, err := os.ReadFile(filepath.Join(stateDir, stateManifest))
	if err != nil {
		return nil, Refuse(tepat.EINVALID, ReasonNoState, "direktori %s belum berisi manifes: muat dulu dengan `tepat terminal offline load`", stateDir)
	}
	m, err := OpenManifest(server, mb)
	if err != nil {
		return nil, err
	}
	t := &OfflineTerminal{dir: stateDir, key: key, priv: priv, manifest: m, last: GenesisHash}
	if err := t.readLog(); err != nil {
		return nil, err
	}
	if cb, err := os.ReadFile(filepath.Join(stateDir, stateClosed)); err == nil {
		t.closed = strings.TrimSpace(string(cb))
	}
	sb, err := os.ReadFile(filepath.Join(stateDir, stateSync))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, storageErr("status sinkron tidak terbaca", err)
	}
	if err == nil {
		var s struct {
			Synced int64 `json:"synced"`
		}
		if json.Unmarshal(sb, &s) != nil || s.Synced < 0 {
			return nil, Refuse(tepat.EINVALID, ReasonBrokenLog, "status sinkron pada %s rusak", stateDir)
		}
		// A log cut at a torn line can hold fewer entries than the server
		// was told about only if the state was tampered with; never claim
		// more than the log holds.
		t.synced = min(s.Synced, int64(len(t.entries)))
	}
	return t, nil
}

// readLog loads the log, cutting a torn last line.
func (t *OfflineTerminal) readLog() error {
	path := filepath.Join(t.dir, stateLog)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return storageErr("log tidak terbaca", err)
	}
	var off int64
	for len(b) > 0 {
		line, rest, whole := bytes.Cut(b, []byte{'\n'})
		err := t.accept(line)
		if err == nil && whole {
			off += int64(len(line)) + 1
			b = rest
			continue
		}
		// A line that is not whole, or does not read, is acceptable only
		// as the last one: the write of an entry that was never
		// acknowledged.
		if whole && len(bytes.TrimSpace(rest)) > 0 {
			return Refuse(tepat.EINTERNAL, ReasonBrokenLog, "log %s rusak pada entri ke-%d", path, len(t.entries)+1)
		}
		if err == nil { // parsed, but the newline is missing: undo
			t.signed, t.entries = t.signed[:len(t.signed)-1], t.entries[:len(t.entries)-1]
			if n := len(t.signed); n > 0 {
				body, _ := base64.StdEncoding.DecodeString(t.signed[n-1].Body)
				t.last = EntryHash(body)
			} else {
				t.last = GenesisHash
			}
		}
		if err := os.Truncate(path, off); err != nil {
			return storageErr("baris log yang terpotong tidak dapat dibuang", err)
		}
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return storageErr("log tidak dapat dibuka", err)
		}
		if err := errors.Join(f.Sync(), f.Close()); err != nil {
			return storageErr("log tidak dapat disimpan", err)
		}
		break
	}
	t.size = off
	return nil
}

// accept appends one log line to the in-memory chain if it continues it.
func (t *OfflineTerminal) accept(line []byte) error {
	var se SignedEntry
	if err := json.Unmarshal(line, &se); err != nil {
		return err
	}
	body, err := base64.StdEncoding.DecodeString(se.Body)
	if err != nil {
		return err
	}
	e, err := DecodeEntry(body)
	if err != nil {
		return err
	}
	if e.Terminal != t.key.Terminal || e.Seq != int64(len(t.entries))+1 || e.Prev != HexHash(t.last) || se.Signature == "" {
		return errors.New("entry does not continue the chain")
	}
	t.signed = append(t.signed, se)
	t.entries = append(t.entries, e)
	t.last = EntryHash(body)
	return nil
}

// Terminal is the terminal's id.
func (t *OfflineTerminal) Terminal() string { return t.key.Terminal }

// Manifest is the current manifest.
func (t *OfflineTerminal) Manifest() Manifest { return t.manifest }

// Entries returns a copy of the log's entries in sequence order (entry i
// has Seq i+1).
func (t *OfflineTerminal) Entries() []Entry {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Entry(nil), t.entries...)
}

// SignedEntries returns a copy of the log as logged: entry i has Seq i+1.
func (t *OfflineTerminal) SignedEntries() []SignedEntry {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]SignedEntry(nil), t.signed...)
}

// Synced is the last sequence number the server said it holds (0: none).
func (t *OfflineTerminal) Synced() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.synced
}

// SetSynced records that the server holds the log up to seq n, durably
// (temporary file, fsync, rename). n may go down (the server lost or
// never took entries: they are sent again) but not beyond the log: a
// server holding entries this log lacks means another state uses this
// terminal's key (TERMINAL_TIDAK_SESUAI).
func (t *OfflineTerminal) SetSynced(n int64) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if n < 0 || n > int64(len(t.entries)) {
		return Refuse(tepat.ECONFLICT, ConflictWrongTerm,
			"server memegang entri sampai nomor %d, log terminal %s hanya sampai %d: kunci ini dipakai di tempat lain", n, t.key.Terminal, len(t.entries))
	}
	if err := writeSynced(t.dir, n); err != nil {
		return err
	}
	t.synced = n
	return nil
}

// MarkClosed records, durably, that this terminal is done with its
// current manifest: Pay refuses it from now on (MANIFES_DILEPAS). Called
// before the server is told (CloseManifest), so no payment can follow a
// close the server has accepted.
func (t *OfflineTerminal) MarkClosed() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := writeAtomic(t.dir, stateClosed, []byte(t.manifest.ID+"\n")); err != nil {
		return err
	}
	t.closed = t.manifest.ID
	return nil
}

// Remaining is what family kk may still receive under the current
// manifest: its allowance less what this terminal's log already spent for
// it under that manifest. BUKAN_DI_MANIFES when kk is not listed.
func (t *OfflineTerminal) Remaining(kk string) (int64, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.remaining(kk)
}

func (t *OfflineTerminal) remaining(kk string) (int64, error) {
	var allowance int64 = -1
	for _, f := range t.manifest.Families {
		if f.KK == kk {
			allowance = f.Allowance
			break
		}
	}
	if allowance < 0 {
		return 0, Refuse(tepat.ENOTFOUND, ConflictNotListed, "keluarga tidak ada di manifes %s", t.manifest.ID)
	}
	for _, e := range t.entries {
		if e.Manifest == t.manifest.ID && e.KK == kk {
			allowance -= e.Amount
		}
	}
	return max(allowance, 0), nil
}

// Pay appends a signed entry for family kk under the current manifest and
// returns it once it is durable (written and fsynced): print the receipt
// after. Under a WALLET manifest items are required and amount is their
// sum (0: computed); under a CASH manifest there are no items and amount
// is the cash paid. now is the terminal's clock. Refusals: BUKAN_DI_MANIFES,
// MELEBIHI_JATAH (beyond the remaining allowance), MANIFES_KEDALUWARSA
// (now after valid_until), BARANG_WAJIB_DIISI, TUNAI_TANPA_BARANG,
// TOTAL_TIDAK_SESUAI, ANGKA_TIDAK_VALID and DATA_WAJIB_KOSONG; nothing is
// written then.
func (t *OfflineTerminal) Pay(kk string, amount int64, items []Item, now time.Time) (Entry, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.broken != nil {
		return Entry{}, t.broken
	}
	m := t.manifest
	if t.closed == m.ID {
		return Entry{}, Refuse(tepat.EFORBIDDEN, ConflictReleased, "manifes %s sudah ditutup terminal ini: muat manifes baru", m.ID)
	}
	if !kkRE.MatchString(kk) {
		return Entry{}, missing("kk")
	}
	if !validTime(now) {
		return Entry{}, missing("time")
	}
	if now.After(m.ValidUntil) {
		return Entry{}, Refuse(tepat.EFORBIDDEN, ConflictExpired, "manifes %s berlaku sampai %s: muat manifes baru",
			m.ID, m.ValidUntil.UTC().Format(time.RFC3339))
	}
	switch {
	case m.Kind == ManifestWallet && len(items) == 0:
		return Entry{}, Refuse(tepat.EINVALID, ReasonNeedItems, "manifes pangan %s: barang wajib diisi", m.ID)
	case m.Kind == ManifestCash && len(items) > 0:
		return Entry{}, Refuse(tepat.EINVALID, ReasonCashItems, "manifes tunai %s: pembayaran tunai tanpa barang", m.ID)
	}
	if len(items) > 0 {
		sum, err := SumItems(items)
		if err != nil {
			return Entry{}, err
		}
		if amount == 0 {
			amount = sum
		} else if amount != sum {
			return Entry{}, Refuse(tepat.EINVALID, ReasonTotal, "jumlah %d tidak sama dengan jumlah barang %d", amount, sum)
		}
	}
	if amount <= 0 {
		return Entry{}, Refuse(tepat.EINVALID, ReasonBadNumber, "jumlah harus lebih dari 0")
	}
	left, err := t.remaining(kk)
	if err != nil {
		return Entry{}, err
	}
	if amount > left {
		return Entry{}, Refuse(tepat.ECONFLICT, ConflictAllowance, "jatah keluarga tersisa Rp%d, kurang dari Rp%d", left, amount)
	}
	if int64(len(t.entries)) == math.MaxInt64 {
		return Entry{}, Refuse(tepat.EINTERNAL, ReasonBrokenLog, "nomor urut habis")
	}
	e := Entry{Terminal: t.key.Terminal, Seq: int64(len(t.entries)) + 1, Prev: HexHash(t.last), Manifest: m.ID,
		KK: kk, Amount: amount, Items: items, Time: now.UTC().Truncate(time.Microsecond)}
	se, hash := SignEntry(t.priv, e)
	body, _ := base64.StdEncoding.DecodeString(se.Body)
	// What the server would refuse as malformed is never logged.
	if e, err = DecodeEntry(body); err != nil {
		return Entry{}, err
	}
	line, err := json.Marshal(se)
	if err != nil {
		return Entry{}, err
	}
	if err := t.append(append(line, '\n')); err != nil {
		return Entry{}, err
	}
	t.signed = append(t.signed, se)
	t.entries = append(t.entries, e)
	t.last = hash
	return e, nil
}

// append writes line at the end of the log and fsyncs it (and the
// directory when the log is new). On failure it cuts the log back; if
// that fails too the terminal refuses every later payment until it is
// reopened (which drops the torn line).
func (t *OfflineTerminal) append(line []byte) error {
	path := filepath.Join(t.dir, stateLog)
	_, statErr := os.Stat(path)
	created := errors.Is(statErr, fs.ErrNotExist)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return storageErr("log tidak dapat dibuka", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || fi.Size() != t.size {
		t.broken = Refuse(tepat.EINTERNAL, ReasonBrokenLog, "log %s diubah proses lain: buka ulang terminal", path)
		return t.broken
	}
	if _, err := f.Write(line); err == nil {
		if err = f.Sync(); err == nil && created {
			err = syncDir(t.dir)
		}
		if err == nil {
			t.size += int64(len(line))
			return nil
		}
	}
	failed := storageErr("entri tidak dapat disimpan; transaksi tidak terjadi", err)
	if terr := f.Truncate(t.size); terr != nil || f.Sync() != nil {
		t.broken = failed
	}
	return failed
}

func storageErr(msg string, err error) error {
	return &tepat.Error{Code: tepat.EINTERNAL, Reason: ReasonStorage, Message: msg, Err: err}
}

func writeSynced(dir string, n int64) error {
	return writeAtomic(dir, stateSync, fmt.Appendf(nil, "{\"synced\":%d}\n", n))
}

// writeAtomic replaces dir/name with b: a temporary file in dir, fsync,
// rename, fsync of dir. Files are 0600.
func writeAtomic(dir, name string, b []byte) error {
	f, err := os.CreateTemp(dir, "."+name+".*")
	if err != nil {
		return storageErr(name+" tidak dapat ditulis", err)
	}
	tmp := f.Name()
	_, err = f.Write(b)
	if err == nil {
		err = f.Chmod(0o600)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, name))
	}
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		os.Remove(tmp)
		return storageErr(name+" tidak dapat ditulis", err)
	}
	return nil
}

// syncDir fsyncs a directory so that a new or renamed entry survives a
// crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}
