package terminal_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"tepat/terminal"
)

func FuzzDecodeEntry(f *testing.F) {
	f.Add([]byte(vecEntry1))
	f.Add([]byte(vecEntry2))
	f.Add([]byte(strings.Replace(vecEntry1, `"amount":148000`, `"amount":9223372036854775807`, 1)))
	f.Add([]byte(strings.Replace(vecEntry1, `"2026-02-10T05:00:00Z"`, `"2026-02-10T12:00:00.5+07:00"`, 1)))
	f.Add([]byte(`{"terminal":"T000001","seq":3,"prev":"` + vecEntry2Hash + `","manifest":"MNF-1","kk":"3201010101260001","amount":5,"time":"2026-02-10T05:00:00Z"}`))
	f.Add([]byte(vecPurchase))
	f.Fuzz(func(t *testing.T, body []byte) {
		e, err := terminal.DecodeEntry(body)
		refusedProperly(t, err)
		if err != nil {
			return
		}
		// The canonical body of a decoded entry decodes to the same entry,
		// and its encoding is stable.
		again, err := json.Marshal(e)
		if err != nil {
			t.Fatalf("decoded entry does not encode: %v", err)
		}
		e2, err := terminal.DecodeEntry(again)
		if err != nil {
			t.Fatalf("re-encoded entry refused: %v\n%s", err, again)
		}
		if !reflect.DeepEqual(e, e2) {
			t.Fatalf("round trip differs:\n%+v\n%+v", e, e2)
		}
		if again2, _ := json.Marshal(e2); !bytes.Equal(again, again2) {
			t.Fatalf("canonical form not stable:\n%s\n%s", again, again2)
		}
	})
}

func FuzzDecodeUpload(f *testing.F) {
	key := seedKey(f, vecSeed)
	se1, _ := terminal.SignEntry(key, vecEntry1Value)
	se2, _ := terminal.SignEntry(key, vecEntry2Value)
	up, _ := json.Marshal(terminal.Upload{Terminal: "T000001", Entries: []terminal.SignedEntry{se2, se1}})
	f.Add(up)
	f.Add([]byte(`{"terminal":"T000001","entries":[{"body":"e30=","signature":"x"}]}`))
	f.Add([]byte(`{"terminal":"T000001","entries":[]}`))
	f.Add([]byte(`{"terminal":"T000001","entries":[{"body":"e30","signature":"x"}]}`))
	f.Add([]byte(`{"terminal":"T1","entries":null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		u, err := terminal.DecodeUpload(body)
		refusedProperly(t, err)
		if err != nil {
			return
		}
		for i, e := range u.Entries {
			if _, err := base64.StdEncoding.DecodeString(e.Body); err != nil || e.Signature == "" {
				t.Fatalf("entry %d accepted with body %q signature %q", i, e.Body, e.Signature)
			}
		}
		again, err := json.Marshal(u)
		if err != nil {
			t.Fatalf("decoded upload does not encode: %v", err)
		}
		u2, err := terminal.DecodeUpload(again)
		if err != nil {
			t.Fatalf("re-encoded upload refused: %v\n%s", err, again)
		}
		if !reflect.DeepEqual(u, u2) {
			t.Fatalf("round trip differs:\n%+v\n%+v", u, u2)
		}
	})
}
