package terminal

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"time"

	"tepat"
)

// Offline protocol: prefixes of what is signed.
const (
	ManifestPrefix        = "TEPAT-EDC-1 MANIFEST\n"
	ManifestRequestPrefix = "TEPAT-EDC-1 MANIFEST-REQUEST\n"
	ManifestClosePrefix   = "TEPAT-EDC-1 MANIFEST-CLOSE\n"
	EntryPrefix           = "TEPAT-EDC-1 OFFLINE\n"
)

// Paths of the offline API.
const (
	PathManifest = "/api/v1/terminal/manifests"
	PathSync     = "/api/v1/terminal/sync"
	// PathManifestClose takes a terminal's signed close of its manifest.
	PathManifestClose = "/api/v1/terminal/manifests/close"
)

// Manifest kinds: the allowance is a cash entitlement of the cycle (PKH,
// withdrawn at an agent) or an amount of the family's food wallet.
const (
	ManifestCash   = "CASH"
	ManifestWallet = "WALLET"
)

// Limits of the offline protocol.
const (
	MaxSyncEntries = 5000     // entries in one upload
	MaxSyncBody    = 16 << 20 // bytes of one upload
	MaxEntryBody   = 8 << 10  // bytes of one entry
)

// GenesisHash is the prev of a terminal's first entry: 64 zeros.
var GenesisHash = make([]byte, 32)

// ManifestFamily is one family a manifest reserves for the terminal. KK
// is the full number (the terminal must find the family from the card
// and papers); NIKKepala is masked.
type ManifestFamily struct {
	KK        string `json:"kk"`
	NIKKepala string `json:"nik_kepala"`
	Name      string `json:"name"`
	Allowance int64  `json:"allowance"`
}

// Manifest is what the server reserves for one terminal to spend offline.
type Manifest struct {
	ID         string           `json:"id"`
	Terminal   string           `json:"terminal"`
	Cycle      int64            `json:"cycle"`
	Program    string           `json:"program"`
	Kind       string           `json:"kind"`
	Region     string           `json:"region"`
	IssuedAt   time.Time        `json:"issued_at"`
	ValidUntil time.Time        `json:"valid_until"`
	Families   []ManifestFamily `json:"families"`
	Total      int64            `json:"total"`
}

// SignedManifest is the manifest as the server sends it: Manifest holds
// the exact bytes signed after ManifestPrefix.
type SignedManifest struct {
	Manifest  json.RawMessage `json:"manifest"`
	Signature string          `json:"signature"`
}

// SignManifest encodes and signs m.
func SignManifest(key ed25519.PrivateKey, m Manifest) []byte {
	m.IssuedAt, m.ValidUntil = m.IssuedAt.UTC(), m.ValidUntil.UTC()
	raw, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	out, err := json.Marshal(SignedManifest{Manifest: raw, Signature: Sign(key, ManifestPrefix, raw)})
	if err != nil {
		panic(err)
	}
	return out
}

// OpenManifest verifies a signed manifest with the server's key; a
// terminal refuses one that fails (TANDA_TANGAN_TIDAK_SAH).
func OpenManifest(server ed25519.PublicKey, body []byte) (Manifest, error) {
	var sm SignedManifest
	if err := json.Unmarshal(body, &sm); err != nil || len(sm.Manifest) == 0 {
		return Manifest{}, Refuse(tepat.EINVALID, ReasonBadJSON, "manifes tidak dapat dibaca")
	}
	if err := Verify(server, ManifestPrefix, sm.Manifest, sm.Signature); err != nil {
		return Manifest{}, err
	}
	var m Manifest
	if err := json.Unmarshal(sm.Manifest, &m); err != nil {
		return Manifest{}, Refuse(tepat.EINVALID, ReasonBadJSON, "manifes tidak dapat dibaca")
	}
	return m, nil
}

// ManifestRequest is a terminal's signed request for a manifest before it
// leaves coverage. Region and ValidUntil are optional.
type ManifestRequest struct {
	Terminal   string    `json:"terminal"`
	Cycle      int64     `json:"cycle"`
	Region     string    `json:"region,omitempty"`
	ValidUntil time.Time `json:"valid_until,omitzero"`
	Time       time.Time `json:"time"`
}

// DecodeManifestRequest parses a manifest request body strictly.
func DecodeManifestRequest(body []byte) (ManifestRequest, error) {
	var r ManifestRequest
	if err := decode(body, &r); err != nil {
		return ManifestRequest{}, err
	}
	switch {
	case !terminalRE.MatchString(r.Terminal):
		return ManifestRequest{}, missing("terminal")
	case r.Cycle <= 0:
		return ManifestRequest{}, missing("cycle")
	case !validTime(r.Time):
		return ManifestRequest{}, missing("time")
	case !r.ValidUntil.IsZero() && !validTime(r.ValidUntil):
		return ManifestRequest{}, missing("valid_until")
	}
	r.Time = r.Time.UTC()
	return r, nil
}

// ManifestClose is a terminal's signed statement that it is done with a
// manifest: it will not pay from it again, and the server holds its log up
// to LastSeq. The server then returns the unspent allowance to normal use.
type ManifestClose struct {
	Terminal string    `json:"terminal"`
	Manifest string    `json:"manifest"`
	LastSeq  int64     `json:"last_seq"`
	Time     time.Time `json:"time"`
}

// DecodeManifestClose parses a close body strictly.
func DecodeManifestClose(body []byte) (ManifestClose, error) {
	var c ManifestClose
	if err := decode(body, &c); err != nil {
		return ManifestClose{}, err
	}
	switch {
	case !terminalRE.MatchString(c.Terminal):
		return ManifestClose{}, missing("terminal")
	case !txRE.MatchString(c.Manifest):
		return ManifestClose{}, missing("manifest")
	case c.LastSeq < 0:
		return ManifestClose{}, missing("last_seq")
	case !validTime(c.Time):
		return ManifestClose{}, missing("time")
	}
	c.Time = c.Time.UTC()
	return c, nil
}

// Entry is one offline payment or purchase in a terminal's log. Seq
// counts from 1 without gaps; Prev is the hex hash of the previous entry
// (EntryHash), GenesisHash for the first. Amount is the cash paid or the
// purchase total; Items are a purchase's lines (wallet manifests).
type Entry struct {
	Terminal string    `json:"terminal"`
	Seq      int64     `json:"seq"`
	Prev     string    `json:"prev"`
	Manifest string    `json:"manifest"`
	KK       string    `json:"kk"`
	Amount   int64     `json:"amount"`
	Items    []Item    `json:"items,omitempty"`
	Time     time.Time `json:"time"`
}

// SignedEntry is an entry as logged and uploaded: the exact body bytes
// and the terminal's signature of EntryPrefix+body, both base64.
type SignedEntry struct {
	Body      string `json:"body"`
	Signature string `json:"signature"`
}

// EntryHash is the hash that the next entry's Prev names: SHA-256 of
// EntryPrefix + body.
func EntryHash(body []byte) []byte {
	h := sha256.New()
	h.Write([]byte(EntryPrefix))
	h.Write(body)
	return h.Sum(nil)
}

// SignEntry encodes e and signs it; it returns the logged form and the
// entry's hash (the next entry's Prev).
func SignEntry(key ed25519.PrivateKey, e Entry) (SignedEntry, []byte) {
	e.Time = e.Time.UTC()
	body, err := json.Marshal(e)
	if err != nil {
		panic(err)
	}
	return SignedEntry{Body: base64.StdEncoding.EncodeToString(body), Signature: Sign(key, EntryPrefix, body)}, EntryHash(body)
}

var hashRE = regexp.MustCompile(`^[0-9a-f]{64}$`)
var kkRE = regexp.MustCompile(`^[0-9]{16}$`)

// DecodeEntry parses an entry body strictly and checks its fields: a
// sequence number ≥ 1, a prev hash, a manifest id, a 16-digit KK, a
// positive amount that equals the items when there are items.
func DecodeEntry(body []byte) (Entry, error) {
	if len(body) > MaxEntryBody {
		return Entry{}, Refuse(tepat.EINVALID, ReasonTooLarge, "entri lebih dari %d byte", MaxEntryBody)
	}
	var e Entry
	if err := decode(body, &e); err != nil {
		return Entry{}, err
	}
	switch {
	case !terminalRE.MatchString(e.Terminal):
		return Entry{}, missing("terminal")
	case e.Seq < 1:
		return Entry{}, missing("seq")
	case !hashRE.MatchString(e.Prev):
		return Entry{}, missing("prev")
	case !txRE.MatchString(e.Manifest):
		return Entry{}, missing("manifest")
	case !kkRE.MatchString(e.KK):
		return Entry{}, missing("kk")
	case e.Amount <= 0:
		return Entry{}, Refuse(tepat.EINVALID, ReasonBadNumber, "jumlah entri harus lebih dari 0")
	case !validTime(e.Time):
		return Entry{}, missing("time")
	case len(e.Items) > MaxItems:
		return Entry{}, Refuse(tepat.EINVALID, ReasonTooLarge, "paling banyak %d barang per entri", MaxItems)
	}
	if len(e.Items) > 0 {
		var sum int64
		for i, it := range e.Items {
			if !nameRE.MatchString(it.Category) || !nameRE.MatchString(it.Unit) {
				return Entry{}, missing(fmt.Sprintf("items[%d]", i))
			}
			amt, ok := it.Amount()
			if !ok || sum > math.MaxInt64-amt {
				return Entry{}, Refuse(tepat.EINVALID, ReasonBadNumber, "barang ke-%d: jumlah atau harga tidak valid", i+1)
			}
			sum += amt
		}
		if sum != e.Amount {
			return Entry{}, Refuse(tepat.EINVALID, ReasonTotal, "jumlah %d tidak sama dengan jumlah barang %d", e.Amount, sum)
		}
	}
	e.Time = e.Time.UTC()
	return e, nil
}

// Upload is the body of a sync: a terminal's entries, in any order, each
// as logged. The upload itself is not signed: every entry is.
type Upload struct {
	Terminal string        `json:"terminal"`
	Entries  []SignedEntry `json:"entries"`
}

// DecodeUpload parses an upload strictly: a terminal id and 1..MaxSyncEntries
// entries whose body and signature are base64. It does not decode the
// entries themselves (the server does, one by one, into the conflict
// queue when bad).
func DecodeUpload(body []byte) (Upload, error) {
	if len(body) > MaxSyncBody {
		return Upload{}, Refuse(tepat.EINVALID, ReasonTooLarge, "unggahan lebih dari %d byte", MaxSyncBody)
	}
	var u Upload
	if err := decodeLimit(body, &u, MaxSyncBody); err != nil {
		return Upload{}, err
	}
	switch {
	case !terminalRE.MatchString(u.Terminal):
		return Upload{}, missing("terminal")
	case len(u.Entries) == 0:
		return Upload{}, missing("entries")
	case len(u.Entries) > MaxSyncEntries:
		return Upload{}, Refuse(tepat.EINVALID, ReasonTooLarge, "paling banyak %d entri per unggahan", MaxSyncEntries)
	}
	for i, e := range u.Entries {
		if _, err := base64.StdEncoding.DecodeString(e.Body); err != nil || e.Body == "" {
			return Upload{}, missing(fmt.Sprintf("entries[%d].body", i))
		}
		if e.Signature == "" {
			return Upload{}, missing(fmt.Sprintf("entries[%d].signature", i))
		}
	}
	return u, nil
}

// SyncResult is the server's answer to an upload. LastSeq is the last
// sequence number of the terminal's chain the server holds (applied or
// queued as a conflict): the terminal uploads from LastSeq+1 next time.
type SyncResult struct {
	Terminal   string          `json:"terminal"`
	LastSeq    int64           `json:"last_seq"`
	Applied    int             `json:"applied"`
	Duplicates int             `json:"duplicates"`
	Conflicts  []EntryConflict `json:"conflicts"`
	Pending    int             `json:"pending"` // entries after a gap, not taken yet
}

// EntryConflict names an entry the server did not apply and why.
type EntryConflict struct {
	Seq    int64  `json:"seq"`
	Code   string `json:"code"`
	Detail string `json:"detail"`
}

// Conflict codes of offline entries (the conflict queue).
const (
	ConflictSignature  = "TANDA_TANGAN_TIDAK_SAH" // the entry's signature fails
	ConflictChain      = "RANTAI_PUTUS"           // prev is not the hash of the entry before
	ConflictFork       = "CABANG_GANDA"           // a sequence number already held with other content
	ConflictAllowance  = "MELEBIHI_JATAH"         // beyond the family's remaining allowance
	ConflictNotListed  = "BUKAN_DI_MANIFES"       // family not in the manifest
	ConflictRevoked    = "TERMINAL_DICABUT"       // signed after the terminal was revoked
	ConflictExpired    = "MANIFES_KEDALUWARSA"    // signed after the manifest's validity
	ConflictReleased   = "MANIFES_DILEPAS"        // the manifest was already closed or released
	ConflictManifest   = "MANIFES_TIDAK_DIKENAL"  // no such manifest for this terminal
	ConflictFuture     = "WAKTU_MASA_DEPAN"       // signed in the future (beyond the clock skew)
	ConflictMalformed  = "ENTRI_TIDAK_VALID"      // the body does not decode or its fields are wrong
	ConflictItems      = "BARANG_TIDAK_DIIZINKAN" // a wallet entry with forbidden or unknown food
	ConflictWrongTerm  = "TERMINAL_TIDAK_SESUAI"  // the entry names another terminal
	ReasonNotApproved  = "SIKLUS_BELUM_DISETUJUI"
	ReasonNotSynced    = "BELUM_SINKRON" // a close before the server holds the whole log
	ReasonReservedElse = "SUDAH_DIPESAN_TERMINAL_LAIN"
)

// decodeLimit is decode with a size limit other than MaxBody.
func decodeLimit(body []byte, v any, limit int) error {
	if len(body) > limit {
		return Refuse(tepat.EINVALID, ReasonTooLarge, "permintaan lebih dari %d byte", limit)
	}
	saved := body
	return decodeAny(saved, v)
}

// HexHash is h as lowercase hex.
func HexHash(h []byte) string { return hex.EncodeToString(h) }
