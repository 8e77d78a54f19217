package registry

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestKeySetSpills finds the same repeats, in the same pairs, whether the
// keys stay in memory or spill to partition files.
func TestKeySetSpills(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	var keys []seenKey
	for i := range 5000 {
		keys = append(keys, seenKey{key: 3201010000000000 + rnd.Uint64N(4000), ord: int32(i / 3), line: int32(i + 2)})
	}
	find := func(limit int) [][2]seenKey {
		defer func(old int) { memKeys = old }(memKeys)
		memKeys = limit
		var k keySet
		defer k.close()
		for _, s := range keys {
			if err := k.add(s); err != nil {
				t.Fatal(err)
			}
		}
		if spilled := k.files != nil; spilled != (limit < len(keys)) {
			t.Fatalf("limit %d: spilled %v", limit, spilled)
		}
		var got [][2]seenKey
		if err := k.repeats(func(first, again seenKey) { got = append(got, [2]seenKey{first, again}) }); err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(got, func(a, b [2]seenKey) int { return int(a[1].line - b[1].line) })
		return got
	}
	inMemory, spilled := find(len(keys)), find(100)
	if len(inMemory) < 500 || !slices.Equal(inMemory, spilled) {
		t.Fatalf("in memory %d repeats, spilled %d; equal %v", len(inMemory), len(spilled), slices.Equal(inMemory, spilled))
	}
	for _, p := range inMemory {
		if p[0].key != p[1].key || p[0].line >= p[1].line {
			t.Fatalf("not a repeat after its first: %+v", p)
		}
	}
}
