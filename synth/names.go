package synth

// flavour is one naming culture. Families take the flavour of their province
// mix (mixes below), so Batak marga cluster in North Sumatra, birth-order
// names in Bali and clan names in Papua, with migrants everywhere.
type flavour struct {
	male, female []string // local given names
	oldM, oldF   []string // single names common among people born before 1960
	arab         int      // basis points of given names drawn from the Arabic pool
	modern       bool     // children born from 2000 on often get modern names
	clans        []string // patrilineal family names, nil where there are none
	bali         bool     // I/Ni + birth-order name + given names
	nobleM       string   // hereditary title passed down the male line
	nobleF       string
	noble        int // basis points of families holding the title
	patronym     int // basis points of children whose last name is the father's
}

const (
	fJawa = iota
	fSunda
	fBatak
	fMinang
	fBugis
	fMelayu
	fAceh
	fSasak
	fBali
	fPapua
	fTimur
)

var flavours = [...]flavour{
	fJawa:   {male: jawaM, female: jawaF, oldM: jawaOldM, oldF: jawaOldF, arab: 2500, modern: true},
	fSunda:  {male: sundaM, female: sundaF, arab: 3500, modern: true},
	fBatak:  {male: batakM, female: batakF, arab: 500, clans: marga},
	fMinang: {male: minangM, female: minangF, arab: 4000, modern: true, patronym: 1500},
	fBugis: {male: bugisM, female: bugisF, arab: 4500, modern: true,
		nobleM: "ANDI", nobleF: "ANDI", noble: 600, patronym: 1000},
	fMelayu: {male: melayuM, female: melayuF, arab: 4500, modern: true, patronym: 1000},
	fAceh: {male: melayuM, female: melayuF, arab: 5500, modern: true,
		nobleM: "TEUKU", nobleF: "CUT", noble: 400, patronym: 1500},
	fSasak: {male: melayuM, female: melayuF, arab: 6500, modern: true,
		nobleM: "LALU", nobleF: "BAIQ", noble: 800},
	fBali:  {male: baliM, female: baliF, bali: true},
	fPapua: {male: christM, female: christF, clans: papuaClan},
	fTimur: {male: christM, female: christF, clans: timurClan},
}

// flavourMix weighs the naming cultures of each province (percent). A
// province missing here uses defaultMix.
var flavourMix = map[string][]int{
	"11": mix(fAceh, 88, fJawa, 8, fBatak, 4),
	"12": mix(fBatak, 45, fJawa, 30, fMelayu, 25),
	"13": mix(fMinang, 90, fJawa, 5, fBatak, 5),
	"14": mix(fMelayu, 45, fJawa, 25, fMinang, 15, fBatak, 15),
	"15": mix(fMelayu, 55, fJawa, 30, fMinang, 15),
	"16": mix(fMelayu, 65, fJawa, 30, fSunda, 5),
	"17": mix(fMelayu, 60, fJawa, 25, fMinang, 15),
	"18": mix(fJawa, 60, fMelayu, 25, fSunda, 15),
	"19": mix(fMelayu, 85, fJawa, 15),
	"21": mix(fMelayu, 50, fJawa, 25, fBatak, 15, fMinang, 10),
	"31": mix(fJawa, 40, fMelayu, 25, fSunda, 15, fBatak, 10, fMinang, 10),
	"32": mix(fSunda, 80, fJawa, 15, fMelayu, 5),
	"33": mix(fJawa, 100),
	"34": mix(fJawa, 100),
	"35": mix(fJawa, 100),
	"36": mix(fSunda, 60, fJawa, 25, fMelayu, 15),
	"51": mix(fBali, 88, fJawa, 12),
	"52": mix(fSasak, 85, fBali, 5, fJawa, 10),
	"53": mix(fTimur, 90, fMelayu, 10),
	"61": mix(fMelayu, 55, fTimur, 30, fJawa, 15),
	"62": mix(fMelayu, 45, fTimur, 30, fJawa, 25),
	"63": mix(fMelayu, 80, fJawa, 20),
	"64": mix(fJawa, 35, fBugis, 30, fMelayu, 35),
	"65": mix(fBugis, 35, fMelayu, 35, fTimur, 30),
	"71": mix(fTimur, 85, fMelayu, 15),
	"72": mix(fBugis, 50, fMelayu, 30, fTimur, 20),
	"73": mix(fBugis, 90, fTimur, 10),
	"74": mix(fBugis, 80, fJawa, 10, fMelayu, 10),
	"75": mix(fMelayu, 95, fBugis, 5),
	"76": mix(fBugis, 90, fTimur, 10),
	"81": mix(fTimur, 60, fMelayu, 40),
	"82": mix(fMelayu, 75, fTimur, 25),
}

var defaultMix = mix(fPapua, 70, fJawa, 15, fBugis, 15) // the Papuan provinces

func mix(kv ...int) []int {
	w := make([]int, len(flavours))
	for i := 0; i < len(kv); i += 2 {
		w[kv[i]] = kv[i+1]
	}
	return w
}

// nameParts is a person's name as parts joined by spaces.
type nameParts struct {
	p [6]string
	n int
}

func (np *nameParts) add(s string) {
	if np.n < len(np.p) && s != "" {
		np.p[np.n] = s
		np.n++
	}
}

func (np *nameParts) last() string { return np.p[np.n-1] }

func (np nameParts) appendTo(b []byte) []byte {
	for i := range np.n {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, np.p[i]...)
	}
	return b
}

// givenName draws one given name for a person of the flavour born in year.
func (f *flavour) givenName(r rng, female bool, year int) string {
	if f.modern && year >= 2000 && r.bp(3500) {
		return pickStr(r, modernM, modernF, female)
	}
	if f.arab > 0 && r.bp(f.arab) {
		return pickStr(r, arabM, arabF, female)
	}
	return pickStr(r, f.male, f.female, female)
}

func pickStr(r rng, m, f []string, female bool) string {
	if female {
		return f[r.intn(len(f))]
	}
	return m[r.intn(len(m))]
}

// name composes a full name. clan is the family name to carry ("" for none),
// order the birth order for Balinese names (-1 when unknown), noble whether
// the person carries the family's title, father the father's name for
// patronyms (nil when none).
func (f *flavour) name(r rng, female bool, year int, clan string, order int, noble bool, father *nameParts) nameParts {
	var np nameParts
	if f.bali {
		if female {
			np.add("NI")
		} else {
			np.add("I")
		}
		if order < 0 {
			order = r.intn(4)
		}
		o := baliOrder[order%4]
		np.add(o[r.intn(len(o))])
		np.add(f.givenName(r, female, year))
		if g := f.givenName(r, female, year); r.bp(4000) && g != np.last() {
			np.add(g)
		}
		return np
	}
	if noble && female {
		np.add(f.nobleF)
	} else if noble {
		np.add(f.nobleM)
	}
	if f.oldM != nil && year < 1960 && r.bp(6000) {
		np.add(pickStr(r, f.oldM, f.oldF, female))
		return np
	}
	parts := 2
	switch x := r.intn(100); {
	case clan != "" && x < 60, clan == "" && x < 25:
		parts = 1
	case clan == "" && x >= 90:
		parts = 3
	}
	for range parts {
		g := f.givenName(r, female, year)
		if np.n > 0 && g == np.last() {
			g = f.givenName(r, female, year)
		}
		np.add(g)
	}
	if clan != "" {
		np.add(clan)
	} else if father != nil && f.patronym > 0 && r.bp(f.patronym) {
		first := father.p[0]
		if father.n > 1 && first == f.nobleM {
			first = father.p[1]
		}
		if np.n > 1 {
			np.n--
		}
		np.add(first)
	}
	return np
}
