package terminal_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"tepat"
	"tepat/terminal"
)

// The test vectors of docs/terminal-protocol.md ("Test vectors"): the
// same constants appear there, so an implementation checked against the
// document agrees with this one.
const (
	// vecSeed is the terminal's Ed25519 seed: bytes 0x01..0x20.
	vecSeed   = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="
	vecPublic = "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664"
	// vecServerSeed is the server's Ed25519 seed: bytes 0x21..0x40.
	vecServerSeed   = "ISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0A="
	vecServerPublic = "5/FioQvsVZr+oZXk3OhLaVaNXSywlj60RsBoXisX8vA="

	vecPurchase    = `{"tx":"tx-0001","terminal":"T000001","card":"6013010012345678","program":"SEMBAKO","items":[{"category":"beras","quantity":10,"unit":"kg","unit_price":12000},{"category":"telur","quantity":1,"unit":"kg","unit_price":28000}],"total":148000,"time":"2026-02-10T05:00:00Z"}`
	vecPurchaseSig = "rEF1mMOwNeS23DL/2gnT8ZnK4iSeNlnV2MxmXKm0fkB2xdbCOJ2vU5po0/+e6q2wrjTl6cvGWd8KqBXa+wgLAw=="
	vecVoid        = `{"tx":"tx-0002","terminal":"T000001","void_of":"tx-0001","time":"2026-02-10T05:01:00Z"}`
	vecVoidSig     = "EKMk2HpOyVJiKezIju8zVMtQWIYdqSC8mb8cruD+7cmqdCN4SSNL5aXXp6n/sZjTrYbcLej49cmACnGfaGjTAQ=="
	vecReceipt     = `{"receipt":{"id":1,"kind":"PURCHASE","tx":"tx-0001","terminal":"T000001","merchant":"M000001","card":"601301******5678","program":"SEMBAKO","total":148000,"balance":2000,"time":"2026-02-10T05:00:01Z"},"signature":"f3UXmqgZ1ZXLkybnRnpJj1xhIEktZehWLcIm8PA/tLKZCUp+kljm6yAl/a8L8yOQxgKN9DEljUOl0ETNwao7BA=="}`
)

var vecTime = time.Date(2026, 2, 10, 5, 0, 0, 0, time.UTC)

// vecPurchaseValue and vecReceiptValue are what the vector bodies say.
var (
	vecPurchaseValue = terminal.Purchase{Tx: "tx-0001", Terminal: "T000001", Card: "6013010012345678", Program: "SEMBAKO",
		Items: []terminal.Item{{Category: "beras", Quantity: 10, Unit: "kg", UnitPrice: 12000},
			{Category: "telur", Quantity: 1, Unit: "kg", UnitPrice: 28000}},
		Total: 148000, Time: vecTime}
	vecReceiptValue = terminal.Receipt{ID: 1, Kind: terminal.KindPurchase, Tx: "tx-0001", Terminal: "T000001", Merchant: "M000001",
		Card: "601301******5678", Program: "SEMBAKO", Total: 148000, Balance: 2000, Time: vecTime.Add(time.Second)}
)

func seedKey(t testing.TB, b64 string) ed25519.PrivateKey {
	t.Helper()
	seed, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(seed) != ed25519.SeedSize {
		t.Fatalf("bad seed %q", b64)
	}
	return ed25519.NewKeyFromSeed(seed)
}

func wantReason(t *testing.T, err error, reason string) {
	t.Helper()
	if got := tepat.ErrorReason(err); got != reason {
		t.Fatalf("reason = %q (%v), want %s", got, err, reason)
	}
}

func TestProtocolVectorKeys(t *testing.T) {
	t.Parallel()
	key := seedKey(t, vecSeed)
	for i, b := range key.Seed() {
		if b != byte(i+1) {
			t.Fatalf("seed byte %d = %#x", i, b)
		}
	}
	if got := hex.EncodeToString(key.Public().(ed25519.PublicKey)); got != vecPublic {
		t.Fatalf("public key %s, want %s", got, vecPublic)
	}
	server := seedKey(t, vecServerSeed)
	if got := base64.StdEncoding.EncodeToString(server.Public().(ed25519.PublicKey)); got != vecServerPublic {
		t.Fatalf("server public key %s, want %s", got, vecServerPublic)
	}
}

func TestProtocolVectorPurchase(t *testing.T) {
	t.Parallel()
	key := seedKey(t, vecSeed)
	pub := key.Public().(ed25519.PublicKey)
	if got := terminal.Sign(key, terminal.PurchasePrefix, []byte(vecPurchase)); got != vecPurchaseSig {
		t.Fatalf("signature %s, want %s", got, vecPurchaseSig)
	}
	if err := terminal.Verify(pub, terminal.PurchasePrefix, []byte(vecPurchase), vecPurchaseSig); err != nil {
		t.Fatal(err)
	}
	p, err := terminal.DecodePurchase([]byte(vecPurchase))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p, vecPurchaseValue) {
		t.Fatalf("decoded %+v", p)
	}
	if b, _ := json.Marshal(vecPurchaseValue); string(b) != vecPurchase {
		t.Fatalf("encoding differs from the vector:\n%s", b)
	}
	t.Run("RejectsOtherPrefix", func(t *testing.T) {
		err := terminal.Verify(pub, terminal.VoidPrefix, []byte(vecPurchase), vecPurchaseSig)
		wantReason(t, err, terminal.ReasonBadSignature)
	})
	t.Run("RejectsChangedBody", func(t *testing.T) {
		body := strings.Replace(vecPurchase, `"total":148000`, `"total":148001`, 1)
		wantReason(t, terminal.Verify(pub, terminal.PurchasePrefix, []byte(body), vecPurchaseSig), terminal.ReasonBadSignature)
		// Whitespace matters: the signature is over the bytes, not the meaning.
		wantReason(t, terminal.Verify(pub, terminal.PurchasePrefix, []byte(vecPurchase+" "), vecPurchaseSig), terminal.ReasonBadSignature)
	})
	t.Run("RejectsMalformedSignature", func(t *testing.T) {
		for _, sig := range []string{"", "!!!", vecPurchaseSig[:40], base64.RawStdEncoding.EncodeToString(make([]byte, 64))} {
			wantReason(t, terminal.Verify(pub, terminal.PurchasePrefix, []byte(vecPurchase), sig), terminal.ReasonBadSignature)
		}
		wantReason(t, terminal.Verify(pub[:31], terminal.PurchasePrefix, []byte(vecPurchase), vecPurchaseSig), terminal.ReasonBadSignature)
	})
}

func TestProtocolVectorVoid(t *testing.T) {
	t.Parallel()
	key := seedKey(t, vecSeed)
	if got := terminal.Sign(key, terminal.VoidPrefix, []byte(vecVoid)); got != vecVoidSig {
		t.Fatalf("signature %s, want %s", got, vecVoidSig)
	}
	if err := terminal.Verify(key.Public().(ed25519.PublicKey), terminal.VoidPrefix, []byte(vecVoid), vecVoidSig); err != nil {
		t.Fatal(err)
	}
	v, err := terminal.DecodeVoid([]byte(vecVoid))
	want := terminal.Void{Tx: "tx-0002", Terminal: "T000001", VoidOf: "tx-0001", Time: vecTime.Add(time.Minute)}
	if err != nil || v != want {
		t.Fatalf("decoded %+v, %v", v, err)
	}
}

func TestProtocolVectorReceipt(t *testing.T) {
	t.Parallel()
	server := seedKey(t, vecServerSeed)
	pub := server.Public().(ed25519.PublicKey)
	if got := terminal.SignReceipt(server, vecReceiptValue); string(got) != vecReceipt {
		t.Fatalf("signed receipt\n%s\nwant\n%s", got, vecReceipt)
	}
	// A receipt time in another zone is signed in UTC.
	wib := vecReceiptValue
	wib.Time = wib.Time.In(time.FixedZone("WIB", 7*3600))
	if got := terminal.SignReceipt(server, wib); string(got) != vecReceipt {
		t.Fatalf("receipt not normalised to UTC: %s", got)
	}
	r, err := terminal.OpenReceipt(pub, []byte(vecReceipt))
	if err != nil || !reflect.DeepEqual(r, vecReceiptValue) {
		t.Fatalf("opened %+v, %v", r, err)
	}
	t.Run("RejectsOtherKey", func(t *testing.T) {
		_, err := terminal.OpenReceipt(seedKey(t, vecSeed).Public().(ed25519.PublicKey), []byte(vecReceipt))
		wantReason(t, err, terminal.ReasonBadSignature)
	})
	t.Run("RejectsChangedReceipt", func(t *testing.T) {
		body := strings.Replace(vecReceipt, `"balance":2000`, `"balance":20000`, 1)
		_, err := terminal.OpenReceipt(pub, []byte(body))
		wantReason(t, err, terminal.ReasonBadSignature)
	})
	t.Run("RejectsGarbage", func(t *testing.T) {
		for _, body := range []string{"", "{}", `{"receipt":null}`, `[]`, `{"receipt":{}, "signature":1}`} {
			_, err := terminal.OpenReceipt(pub, []byte(body))
			if tepat.ErrorReason(err) == "" {
				t.Fatalf("%q: %v", body, err)
			}
		}
	})
}

func TestProtocolDigestIgnoresLayout(t *testing.T) {
	t.Parallel()
	spaced := strings.ReplaceAll(vecPurchase, ",", ", ")
	spaced = strings.Replace(spaced, `"2026-02-10T05:00:00Z"`, `"2026-02-10T12:00:00+07:00"`, 1)
	a, err1 := terminal.DecodePurchase([]byte(vecPurchase))
	b, err2 := terminal.DecodePurchase([]byte(spaced))
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if terminal.Digest(a) != terminal.Digest(b) {
		t.Fatal("same purchase, different digests")
	}
	b.Total, b.Items[0].Quantity = 148000+12000, 11
	if terminal.Digest(a) == terminal.Digest(b) {
		t.Fatal("different purchases, same digest")
	}
}

// replace returns the purchase vector with old replaced by new once.
func replace(old, new string) string {
	if !strings.Contains(vecPurchase, old) {
		panic("not in vector: " + old)
	}
	return strings.Replace(vecPurchase, old, new, 1)
}

func TestProtocolDecodePurchaseRefusals(t *testing.T) {
	t.Parallel()
	item := `{"category":"beras","quantity":1,"unit":"kg","unit_price":1}`
	many := `"items":[` + strings.Repeat(item+",", terminal.MaxItems) + item + `],"total":51`
	for _, tc := range []struct {
		name, body, reason string
	}{
		{"MissingTx", replace(`"tx":"tx-0001",`, ""), terminal.ReasonMissing},
		{"BadTx", replace(`"tx-0001"`, `"tx 0001"`), terminal.ReasonMissing},
		{"MissingTerminal", replace(`"terminal":"T000001",`, ""), terminal.ReasonMissing},
		{"BadTerminal", replace(`"T000001"`, `"T1"`), terminal.ReasonMissing},
		{"BadCard", replace(`"6013010012345678"`, `"6013-0100"`), terminal.ReasonMissing},
		{"MissingProgram", replace(`"program":"SEMBAKO",`, ""), terminal.ReasonMissing},
		{"LowercaseProgram", replace(`"SEMBAKO"`, `"sembako"`), terminal.ReasonMissing},
		{"MissingTime", replace(`,"time":"2026-02-10T05:00:00Z"`, ""), terminal.ReasonMissing},
		{"TimeOutOfRange", replace(`"2026-02-10T05:00:00Z"`, `"9999-12-31T23:59:59-01:00"`), terminal.ReasonMissing},
		{"TimeNotRFC3339", replace(`"2026-02-10T05:00:00Z"`, `"10/02/2026"`), terminal.ReasonBadJSON},
		{"NoItems", `{"tx":"tx-0001","terminal":"T000001","card":"6013010012345678","program":"SEMBAKO","items":[],"total":0,"time":"2026-02-10T05:00:00Z"}`, terminal.ReasonMissing},
		{"BadCategory", replace(`"beras"`, `"Beras"`), terminal.ReasonMissing},
		{"MissingUnit", replace(`"unit":"kg",`, ""), terminal.ReasonMissing},
		{"NegativeQuantity", replace(`"quantity":10`, `"quantity":-10`), terminal.ReasonBadNumber},
		{"ZeroQuantity", replace(`"quantity":10`, `"quantity":0`), terminal.ReasonBadNumber},
		{"FractionalQuantity", replace(`"quantity":10`, `"quantity":1.5`), terminal.ReasonBadNumber},
		{"NegativePrice", replace(`"unit_price":12000`, `"unit_price":-12000`), terminal.ReasonBadNumber},
		{"QuantityOverflow", replace(`"quantity":10`, `"quantity":9223372036854775808`), terminal.ReasonBadNumber},
		{"TotalOverflow", replace(`"total":148000`, `"total":1e400`), terminal.ReasonBadNumber},
		{"LineOverflow", replace(`"quantity":10`, `"quantity":4611686018427387904`), terminal.ReasonBadNumber},
		{"SumOverflow", replace(`"quantity":10,"unit":"kg","unit_price":12000`, `"quantity":1,"unit":"kg","unit_price":9223372036854775807`), terminal.ReasonBadNumber},
		{"TotalMismatch", replace(`"total":148000`, `"total":147999`), terminal.ReasonTotal},
		{"QuotedNumber", replace(`"quantity":10`, `"quantity":"10"`), terminal.ReasonBadJSON},
		{"UnknownField", replace(`"total":148000`, `"total":148000,"discount":0`), terminal.ReasonBadJSON},
		{"TrailingData", vecPurchase + `x`, terminal.ReasonBadJSON},
		{"TwoObjects", vecPurchase + vecPurchase, terminal.ReasonBadJSON},
		{"Truncated", vecPurchase[:60], terminal.ReasonBadJSON},
		{"NotObject", `[1,2,3]`, terminal.ReasonBadJSON},
		{"Empty", ``, terminal.ReasonBadJSON},
		{"TooManyItems", replace(`"items":[{"category":"beras","quantity":10,"unit":"kg","unit_price":12000},{"category":"telur","quantity":1,"unit":"kg","unit_price":28000}],"total":148000`, many), terminal.ReasonTooLarge},
		{"TooBig", replace(`"tx":"tx-0001",`, `"tx":"tx-0001",`+strings.Repeat(" ", terminal.MaxBody)), terminal.ReasonTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := terminal.DecodePurchase([]byte(tc.body))
			wantReason(t, err, tc.reason)
			if tepat.ErrorCode(err) != tepat.EINVALID {
				t.Fatalf("code %s, want invalid", tepat.ErrorCode(err))
			}
		})
	}
}

func TestProtocolDecodeVoidRefusals(t *testing.T) {
	t.Parallel()
	rep := func(old, new string) string {
		if !strings.Contains(vecVoid, old) {
			panic("not in vector: " + old)
		}
		return strings.Replace(vecVoid, old, new, 1)
	}
	for _, tc := range []struct {
		name, body, reason string
	}{
		{"MissingTx", rep(`"tx":"tx-0002",`, ""), terminal.ReasonMissing},
		{"BadTerminal", rep(`"T000001"`, `"X000001"`), terminal.ReasonMissing},
		{"MissingVoidOf", rep(`"void_of":"tx-0001",`, ""), terminal.ReasonMissing},
		{"BadVoidOf", rep(`"void_of":"tx-0001"`, `"void_of":"tx/0001"`), terminal.ReasonMissing},
		{"MissingTime", rep(`,"time":"2026-02-10T05:01:00Z"`, ""), terminal.ReasonMissing},
		{"TimeOutOfRange", rep(`"2026-02-10T05:01:00Z"`, `"0000-01-01T00:00:00+01:00"`), terminal.ReasonMissing},
		{"UnknownField", rep(`"time"`, `"items":[],"time"`), terminal.ReasonBadJSON},
		{"TrailingData", vecVoid + ` {}`, terminal.ReasonBadJSON},
		{"NumberAsTx", rep(`"tx-0002"`, `2`), terminal.ReasonBadJSON},
		{"TooBig", rep(`"tx":`, strings.Repeat(" ", terminal.MaxBody)+`"tx":`), terminal.ReasonTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := terminal.DecodeVoid([]byte(tc.body))
			wantReason(t, err, tc.reason)
		})
	}
}

func TestProtocolMaskCard(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"6013010012345678": "601301******5678", "123456789012": "123456**9012", "123": "***"} {
		if got := terminal.MaskCard(in); got != want {
			t.Errorf("MaskCard(%s) = %s, want %s", in, got, want)
		}
	}
}

// refusedProperly fails unless err is a *tepat.Error with a reason: a
// decoder must never leak a bare error.
func refusedProperly(t *testing.T, err error) {
	t.Helper()
	if err != nil && tepat.ErrorReason(err) == "" {
		t.Fatalf("error without reason: %v", err)
	}
}

func FuzzDecodePurchase(f *testing.F) {
	f.Add([]byte(vecPurchase))
	f.Add([]byte(strings.ReplaceAll(vecPurchase, ",", " ,\n")))
	f.Add([]byte(replace(`"quantity":10`, `"quantity":9223372036854775807`)))
	f.Add([]byte(replace(`"2026-02-10T05:00:00Z"`, `"2026-02-10T12:00:00.123456789+07:00"`)))
	f.Add([]byte(vecVoid))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := terminal.DecodePurchase(body)
		refusedProperly(t, err)
		if err != nil {
			return
		}
		again, err := json.Marshal(p)
		if err != nil {
			t.Fatalf("decoded purchase does not encode: %v", err)
		}
		q, err := terminal.DecodePurchase(again)
		if err != nil {
			t.Fatalf("re-encoded purchase refused: %v\n%s", err, again)
		}
		if !reflect.DeepEqual(p, q) || terminal.Digest(p) != terminal.Digest(q) {
			t.Fatalf("round trip differs:\n%+v\n%+v", p, q)
		}
		if again2, _ := json.Marshal(q); !bytes.Equal(again, again2) {
			t.Fatalf("canonical form not stable:\n%s\n%s", again, again2)
		}
	})
}

func FuzzDecodeVoid(f *testing.F) {
	f.Add([]byte(vecVoid))
	f.Add([]byte(strings.Replace(vecVoid, "Z", "-09:30", 1)))
	f.Add([]byte(vecPurchase))
	f.Fuzz(func(t *testing.T, body []byte) {
		v, err := terminal.DecodeVoid(body)
		refusedProperly(t, err)
		if err != nil {
			return
		}
		again, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("decoded void does not encode: %v", err)
		}
		w, err := terminal.DecodeVoid(again)
		if err != nil || v != w || terminal.Digest(v) != terminal.Digest(w) {
			t.Fatalf("round trip differs: %+v %+v %v", v, w, err)
		}
	})
}

func FuzzOpenReceipt(f *testing.F) {
	server := seedKey(f, vecServerSeed)
	pub := server.Public().(ed25519.PublicKey)
	f.Add([]byte(vecReceipt))
	f.Add([]byte(strings.Replace(vecReceipt, `"id":1`, `"id":2`, 1)))
	f.Add([]byte(`{"receipt":1,"signature":""}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := terminal.OpenReceipt(pub, body)
		refusedProperly(t, err)
		if err != nil {
			return
		}
		// Only the server's key makes a receipt that opens; signing what
		// was opened gives a receipt that opens to the same thing.
		r2, err := terminal.OpenReceipt(pub, terminal.SignReceipt(server, r))
		if err != nil || !reflect.DeepEqual(r, r2) {
			t.Fatalf("re-signed receipt differs: %+v %+v %v", r, r2, err)
		}
	})
}

// A terminal signs the prefix of the message kind followed by the exact
// body bytes it sends, and puts the signature in the Tepat-Signature
// header.
func ExampleSign() {
	seed := make([]byte, ed25519.SeedSize)
	for i := range seed {
		seed[i] = byte(i + 1)
	}
	key := ed25519.NewKeyFromSeed(seed)
	body := []byte(`{"tx":"tx-0002","terminal":"T000001","void_of":"tx-0001","time":"2026-02-10T05:01:00Z"}`)
	fmt.Println(terminal.SignatureHeader + ": " + terminal.Sign(key, terminal.VoidPrefix, body))
	// Output:
	// Tepat-Signature: EKMk2HpOyVJiKezIju8zVMtQWIYdqSC8mb8cruD+7cmqdCN4SSNL5aXXp6n/sZjTrYbcLej49cmACnGfaGjTAQ==
}
