package synth

import "testing"

// The allocator is tested from inside the package because exhausting a key
// through WriteHouseholds would take millions of families.

func TestNIKSerialMovesToNextDistrictWhenFull(t *testing.T) {
	s, err := newScope("51")
	if err != nil {
		t.Fatal(err)
	}
	id := newIdents(s, 2026)
	d := s.provinces[0].districts[0] // any district; the scope holds the whole atlas
	for want := 1; want <= 9999; want++ {
		got, serial, err := id.nikSerial(d, true, 1990)
		if err != nil || got != d || serial != want {
			t.Fatalf("allocation %d: district %d serial %d err %v", want, got, serial, err)
		}
	}
	got, serial, err := id.nikSerial(d, true, 1990)
	if err != nil || got == d || serial != 1 || s.districts[got].prov != s.districts[d].prov {
		t.Fatalf("after 9,999: district %d (province %d) serial %d err %v, want serial 1 in another district of province %d",
			got, s.districts[got].prov, serial, err, s.districts[d].prov)
	}
	// The same district still has serials for men and for other years.
	if got, serial, _ := id.nikSerial(d, false, 1990); got != d || serial != 1 {
		t.Fatalf("men born 1990: district %d serial %d", got, serial)
	}
	if got, serial, _ := id.nikSerial(d, true, 1991); got != d || serial != 1 {
		t.Fatalf("women born 1991: district %d serial %d", got, serial)
	}
}

func TestNIKSerialFailsWhenProvinceIsFull(t *testing.T) {
	s, _ := newScope("")
	id := newIdents(s, 2026)
	p := s.provinces[0]
	for _, d := range p.districts {
		id.nik[int(d)*200+100+90] = 9999 // women born in ..90
	}
	if _, _, err := id.nikSerial(p.districts[3], true, 1990); err != errCapacity {
		t.Fatalf("err = %v, want errCapacity", err)
	}
}

func TestKKNumbersAreUniqueAndFallBack(t *testing.T) {
	s, _ := newScope("")
	id := newIdents(s, 2026)
	d := s.provinces[0].districts[0]
	seen := map[string]bool{}
	var buf []byte
	// Three blocks of 365 cover serials 1–3 with every day of the year.
	for i := range 3 * 365 {
		var err error
		buf, err = id.kkNumber(buf[:0], d, 2010)
		if err != nil {
			t.Fatal(err)
		}
		k := string(buf)
		if seen[k] || k[:6] != s.districts[d].plain || k[10:12] != "10" {
			t.Fatalf("card %d: %s (duplicate %v)", i, k, seen[k])
		}
		seen[k] = true
	}
	id.kk[int(d)*kkYears+2010-id.firstY] = 365 * 9999 // 2010 is full
	buf, _ = id.kkNumber(buf[:0], d, 2010)
	if string(buf[10:12]) != "11" {
		t.Fatalf("full year: got card issued in year %s, want 11", buf[10:12])
	}
	for y := range kkYears {
		id.kk[int(d)*kkYears+y] = 365 * 9999 // every year of d is full
	}
	buf, _ = id.kkNumber(buf[:0], d, 2010)
	if got := string(buf[:6]); got == s.districts[d].plain || got[:4] != s.districts[d].plain[:4] {
		t.Fatalf("full district: card in %s, want another district of regency %s", got, s.districts[d].plain[:4])
	}
}
