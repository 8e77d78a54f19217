// Package terminal is the EDC protocol: the bytes a terminal signs, the
// receipts the server signs, decoding with precise refusal codes, key
// files, and the terminal simulator and load generator that speak it.
// docs/terminal-protocol.md is the specification; this package is its
// reference implementation and holds no database code.
package terminal

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"regexp"
	"strings"
	"time"

	"tepat"
)

// Domain-separation prefixes: what is signed is the prefix followed by the
// exact body bytes, so a signature over one kind of message is never valid
// for another.
const (
	PurchasePrefix = "TEPAT-EDC-1 PURCHASE\n"
	VoidPrefix     = "TEPAT-EDC-1 VOID\n"
	ReceiptPrefix  = "TEPAT-EDC-1 RECEIPT\n"
)

// SignatureHeader carries the terminal's signature of a request body:
// standard base64 of the 64-byte Ed25519 signature.
const SignatureHeader = "Tepat-Signature"

// Limits of a request.
const (
	MaxBody  = 16 << 10 // bytes
	MaxItems = 50
)

// Paths of the terminal API.
const (
	PathPurchase  = "/api/v1/terminal/purchases"
	PathVoid      = "/api/v1/terminal/voids"
	PathServerKey = "/api/v1/terminal/server-key"
)

// Receipt kinds.
const (
	KindPurchase = "PURCHASE"
	KindVoid     = "VOID"
)

// Item is one line of a purchase: an integer quantity of a unit at a unit
// price in whole rupiah. Fractions are expressed in a smaller unit (g, ml).
type Item struct {
	Category  string `json:"category"`
	Quantity  int64  `json:"quantity"`
	Unit      string `json:"unit"`
	UnitPrice int64  `json:"unit_price"`
}

// Amount is the line's amount, Quantity × UnitPrice; ok is false when it
// does not fit in an int64.
func (it Item) Amount() (int64, bool) {
	if it.Quantity <= 0 || it.UnitPrice < 0 {
		return 0, false
	}
	if it.UnitPrice != 0 && it.Quantity > math.MaxInt64/it.UnitPrice {
		return 0, false
	}
	return it.Quantity * it.UnitPrice, true
}

// Purchase is a terminal's purchase request. Tx is chosen by the terminal
// and unique per terminal; Time is the terminal's clock.
type Purchase struct {
	Tx       string    `json:"tx"`
	Terminal string    `json:"terminal"`
	Card     string    `json:"card"`
	Program  string    `json:"program"`
	Items    []Item    `json:"items"`
	Total    int64     `json:"total"`
	Time     time.Time `json:"time"`
}

// Void asks to reverse an earlier purchase (VoidOf, its tx) of the same
// terminal on the same day.
type Void struct {
	Tx       string    `json:"tx"`
	Terminal string    `json:"terminal"`
	VoidOf   string    `json:"void_of"`
	Time     time.Time `json:"time"`
}

// Receipt is the server's answer to an accepted purchase or void. Card is
// masked; Balance is the wallet's balance after it; Time is the server's
// time of acceptance (UTC); ID is the server's number for it.
type Receipt struct {
	ID       int64     `json:"id"`
	Kind     string    `json:"kind"`
	Tx       string    `json:"tx"`
	Terminal string    `json:"terminal"`
	Merchant string    `json:"merchant"`
	Card     string    `json:"card"`
	Program  string    `json:"program"`
	Total    int64     `json:"total"`
	Balance  int64     `json:"balance"`
	VoidOf   string    `json:"void_of,omitempty"`
	Time     time.Time `json:"time"`
}

// SignedReceipt is the body of an accepted answer. Receipt holds the exact
// bytes the server signed (after ReceiptPrefix).
type SignedReceipt struct {
	Receipt   json.RawMessage `json:"receipt"`
	Signature string          `json:"signature"`
}

// Refusal reasons of the terminal API. Each is also the `code` of the
// problem+json answer.
const (
	ReasonBadJSON        = "JSON_TIDAK_VALID"
	ReasonMissing        = "DATA_WAJIB_KOSONG"
	ReasonTooLarge       = "PERMINTAAN_TERLALU_BESAR"
	ReasonBadNumber      = "ANGKA_TIDAK_VALID"
	ReasonBadSignature   = "TANDA_TANGAN_TIDAK_SAH"
	ReasonUnknownTerm    = "TERMINAL_TIDAK_DIKENAL"
	ReasonRevoked        = "TERMINAL_DICABUT"
	ReasonMerchantOff    = "EWARONG_NONAKTIF"
	ReasonUnknownCard    = "KARTU_TIDAK_DIKENAL"
	ReasonBlockedCard    = "KARTU_DIBLOKIR"
	ReasonNoWallet       = "DOMPET_TIDAK_ADA"
	ReasonUnknownItem    = "KATEGORI_TIDAK_DIKENAL"
	ReasonForbiddenItem  = "BARANG_TIDAK_DIIZINKAN"
	ReasonUnknownProgram = "PROGRAM_TIDAK_DIKENAL"
	ReasonTotal          = "TOTAL_TIDAK_SESUAI"
	ReasonStaleTime      = "WAKTU_TERMINAL_MELESET"
	ReasonBalance        = "SALDO_TIDAK_CUKUP"
	ReasonConflict       = "TRANSAKSI_KONFLIK"
	ReasonVoidUnknown    = "TRANSAKSI_TIDAK_DITEMUKAN"
	ReasonVoidTwice      = "SUDAH_DIBATALKAN"
	ReasonVoidLate       = "PEMBATALAN_LEWAT_HARI"
)

// Refuse builds the error of a refused request.
func Refuse(code, reason, format string, args ...any) error {
	return tepat.Reasonf(code, reason, format, args...)
}

var (
	txRE       = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)
	terminalRE = regexp.MustCompile(`^T[0-9]{6,12}$`)
	cardRE     = regexp.MustCompile(`^[0-9]{12,19}$`)
	codeRE     = regexp.MustCompile(`^[A-Z][A-Z0-9_]{1,15}$`)
	nameRE     = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)
)

// ValidTerminalID reports whether s has the form of a terminal id.
func ValidTerminalID(s string) bool { return terminalRE.MatchString(s) }

// decode reads body strictly into v: one JSON object, no unknown fields,
// nothing after it; a number that does not fit is ANGKA_TIDAK_VALID.
func decode(body []byte, v any) error {
	if len(body) > MaxBody {
		return Refuse(tepat.EINVALID, ReasonTooLarge, "permintaan lebih dari %d byte", MaxBody)
	}
	return decodeAny(body, v)
}

// decodeAny is decode without the size limit (the caller has its own).
func decodeAny(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && strings.HasPrefix(te.Value, "number") && te.Type != nil && te.Type.Kind() == reflect.Int64 {
			return Refuse(tepat.EINVALID, ReasonBadNumber, "angka pada %q tidak valid atau terlalu besar", te.Field)
		}
		if errors.As(err, &te) {
			return Refuse(tepat.EINVALID, ReasonBadJSON, "tipe isian %q salah", te.Field)
		}
		return Refuse(tepat.EINVALID, ReasonBadJSON, "JSON tidak valid: %s", jsonProblem(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return Refuse(tepat.EINVALID, ReasonBadJSON, "JSON tidak valid: ada data setelah objek")
	}
	return nil
}

// jsonProblem shortens a decoder error for people without echoing input.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("sintaks salah pada byte %d", se.Offset)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "terpotong"
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return strings.TrimPrefix(err.Error(), "json: ")
	}
	return "tidak dapat dibaca"
}

func missing(field string) error {
	return Refuse(tepat.EINVALID, ReasonMissing, "isian %q wajib diisi dengan benar", field)
}

// DecodePurchase parses and checks a purchase body (ParsePurchase, then
// Check).
func DecodePurchase(body []byte) (Purchase, error) {
	p, err := ParsePurchase(body)
	if err != nil {
		return Purchase{}, err
	}
	return p, p.Check()
}

// ParsePurchase reads a purchase body strictly: one JSON object with the
// protocol's fields and no others, numbers that fit. A server reads the
// terminal id from it, checks the signature, then calls Check.
func ParsePurchase(body []byte) (Purchase, error) {
	var p Purchase
	if err := decode(body, &p); err != nil {
		return Purchase{}, err
	}
	if !terminalRE.MatchString(p.Terminal) {
		return Purchase{}, missing("terminal")
	}
	return p, nil
}

// Check checks a parsed purchase: every field present and well-formed,
// 1..MaxItems items with a positive quantity and a non-negative price, and
// a total equal to the sum of the items. It normalises Time to UTC.
func (p *Purchase) Check() error {
	switch {
	case !txRE.MatchString(p.Tx):
		return missing("tx")
	case !cardRE.MatchString(p.Card):
		return missing("card")
	case !codeRE.MatchString(p.Program):
		return missing("program")
	case !validTime(p.Time):
		return missing("time")
	case len(p.Items) == 0:
		return missing("items")
	case len(p.Items) > MaxItems:
		return Refuse(tepat.EINVALID, ReasonTooLarge, "paling banyak %d barang per transaksi", MaxItems)
	}
	var sum int64
	for i, it := range p.Items {
		if !nameRE.MatchString(it.Category) {
			return missing(fmt.Sprintf("items[%d].category", i))
		}
		if !nameRE.MatchString(it.Unit) {
			return missing(fmt.Sprintf("items[%d].unit", i))
		}
		amt, ok := it.Amount()
		if !ok {
			return Refuse(tepat.EINVALID, ReasonBadNumber,
				"barang ke-%d: jumlah harus positif, harga tidak negatif, dan hasil kalinya muat dalam int64", i+1)
		}
		if sum > math.MaxInt64-amt {
			return Refuse(tepat.EINVALID, ReasonBadNumber, "jumlah semua barang terlalu besar")
		}
		sum += amt
	}
	if p.Total != sum {
		return Refuse(tepat.EINVALID, ReasonTotal, "total %d tidak sama dengan jumlah barang %d", p.Total, sum)
	}
	p.Time = p.Time.UTC()
	return nil
}

// validTime reports whether t is set and its UTC form can be encoded (RFC
// 3339 has four-digit years): an offset can carry a parsed year 0000 or
// 9999 out of range, and Digest must never fail.
func validTime(t time.Time) bool {
	y := t.UTC().Year()
	return !t.IsZero() && y >= 1 && y <= 9999
}

// DecodeVoid parses and checks a void body.
func DecodeVoid(body []byte) (Void, error) {
	var v Void
	if err := decode(body, &v); err != nil {
		return Void{}, err
	}
	switch {
	case !txRE.MatchString(v.Tx):
		return Void{}, missing("tx")
	case !terminalRE.MatchString(v.Terminal):
		return Void{}, missing("terminal")
	case !txRE.MatchString(v.VoidOf):
		return Void{}, missing("void_of")
	case !validTime(v.Time):
		return Void{}, missing("time")
	}
	v.Time = v.Time.UTC()
	return v, nil
}

// Digest is the SHA-256 of the request's canonical form (its fields
// re-encoded in a fixed order, time in UTC): two requests with the same
// digest ask for the same thing, whatever their whitespace.
func Digest(v any) [32]byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // the protocol types always encode
	}
	return sha256.Sum256(b)
}

// Sign returns the base64 signature of prefix+body with key.
func Sign(key ed25519.PrivateKey, prefix string, body []byte) string {
	msg := make([]byte, 0, len(prefix)+len(body))
	msg = append(append(msg, prefix...), body...)
	return base64.StdEncoding.EncodeToString(ed25519.Sign(key, msg))
}

// Verify checks sig (standard base64, 64 bytes) over prefix+body with pub.
// Any failure, including a truncated or malformed signature, is
// TANDA_TANGAN_TIDAK_SAH.
func Verify(pub ed25519.PublicKey, prefix string, body []byte, sig string) error {
	raw, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || len(raw) != ed25519.SignatureSize || len(pub) != ed25519.PublicKeySize {
		return Refuse(tepat.EUNAUTHORIZED, ReasonBadSignature, "tanda tangan tidak sah")
	}
	msg := make([]byte, 0, len(prefix)+len(body))
	msg = append(append(msg, prefix...), body...)
	if !ed25519.Verify(pub, msg, raw) {
		return Refuse(tepat.EUNAUTHORIZED, ReasonBadSignature, "tanda tangan tidak sah")
	}
	return nil
}

// SignReceipt encodes r and signs it with the server's key, giving the
// exact body of the answer (EncodeReceipt, then SignEncoded).
func SignReceipt(key ed25519.PrivateKey, r Receipt) []byte {
	return SignEncoded(key, EncodeReceipt(r))
}

// EncodeReceipt returns the bytes of r that the server signs, time in UTC.
func EncodeReceipt(r Receipt) []byte {
	r.Time = r.Time.UTC()
	raw, err := json.Marshal(r)
	if err != nil {
		panic(err)
	}
	return raw
}

// SignEncoded signs encoded receipt bytes and returns the answer body.
// Ed25519 signatures are deterministic, so signing the same bytes again
// gives the same answer, byte for byte.
func SignEncoded(key ed25519.PrivateKey, raw []byte) []byte {
	out, err := json.Marshal(SignedReceipt{Receipt: raw, Signature: Sign(key, ReceiptPrefix, raw)})
	if err != nil {
		panic(err)
	}
	return out
}

// OpenReceipt verifies a signed answer with the server's public key and
// returns the receipt.
func OpenReceipt(pub ed25519.PublicKey, body []byte) (Receipt, error) {
	var sr SignedReceipt
	if err := json.Unmarshal(body, &sr); err != nil || len(sr.Receipt) == 0 {
		return Receipt{}, Refuse(tepat.EINVALID, ReasonBadJSON, "struk tidak dapat dibaca")
	}
	if err := Verify(pub, ReceiptPrefix, sr.Receipt, sr.Signature); err != nil {
		return Receipt{}, err
	}
	var r Receipt
	if err := json.Unmarshal(sr.Receipt, &r); err != nil {
		return Receipt{}, Refuse(tepat.EINVALID, ReasonBadJSON, "struk tidak dapat dibaca")
	}
	return r, nil
}

// MaskCard shows the first six and last four digits of a card number.
func MaskCard(card string) string {
	if len(card) < 10 {
		return strings.Repeat("*", len(card))
	}
	return card[:6] + strings.Repeat("*", len(card)-10) + card[len(card)-4:]
}
