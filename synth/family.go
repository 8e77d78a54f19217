package synth

// Relationships to the head of the family, in the order of their labels.
const (
	relKepala = iota
	relPasangan
	relAnak
	relOrangtua
	relFamili
	relLainnya
)

var relLabel = [...]string{"KEPALA", "PASANGAN", "ANAK", "ORANGTUA", "FAMILI", "LAINNYA"}

// Family shapes and their weights (percent).
const (
	kCouple       = iota // married couple, children, sometimes a parent or relative
	kSingleMother        // widowed or divorced mother and her children
	kSingleFather        // widowed or divorced father and his children
	kElderly             // head over 60, perhaps a spouse, adult child or grandchildren
	kAlone               // one adult
	kYoung               // young couple, at most two small children
)

var kindWeights = []int{kCouple: 59, kSingleMother: 14, kSingleFather: 3, kElderly: 13, kAlone: 5, kYoung: 6}

// desilWeights leans on the poorest four deciles, as DTKS covers the poorest
// 40 %, while still producing every decile.
var desilWeights = []int{22, 20, 17, 14, 9, 7, 5, 3, 2, 1}

// birthsWeights is how many children a mother has borne, 0–7.
var birthsWeights = []int{3, 8, 20, 24, 19, 12, 8, 6}

const maxMembers = 14

// person is one member as generated, before registration numbers.
type person struct {
	name   nameParts
	female bool
	birth  date
	rel    uint8
	dist   int32 // district of registration (the NIK's first six digits)
}

// family is the reusable scratch space for one family.
type family struct {
	m  [maxMembers]person
	n  int
	fl *flavour
	// clan is the father's clan, carried by the children; a woman heading
	// the family carries another one, her own father's.
	clan    string
	noble   bool
	home    int32 // district the family is registered in
	homeVil int32 // district the family lives in
}

// add appends a member unless the family is full, and returns it (nil if full).
func (f *family) add(rel uint8, female bool, birth int) *person {
	if f.n == maxMembers {
		return nil
	}
	p := &f.m[f.n]
	f.n++
	*p = person{female: female, birth: dateOf(birth), rel: rel, dist: f.home}
	return p
}

// birthAged returns a birth day such that the age on the reference date is
// exactly age years.
func (g *gen) birthAged(age int) int {
	return addYears(g.ref.day, -age) - g.r.intn(yearDays)
}

// compose fills g.fam with the members of one family of the flavour.
func (g *gen) compose(fl *flavour) {
	r, f := g.r, &g.fam
	f.n, f.fl = 0, fl
	f.noble = fl.noble > 0 && r.bp(fl.noble)
	f.clan = ""
	if fl.clans != nil {
		f.clan = fl.clans[r.intn(len(fl.clans))]
	}
	switch g.kinds.pick(r) {
	case kCouple:
		head := g.headMale(22 + r.intn(25) + r.intn(25))
		wife := g.wife(head, r.intn(9)-2)
		g.children(wife.birth.day, g.births, head)
		if head.birth.ageAt(g.ref) < 60 && r.bp(1200) {
			g.parent(head)
		}
		if r.bp(500) {
			g.relative(relFamili, 3, 60)
		}
		if r.bp(100) {
			g.relative(relLainnya, 15, 60)
		}
	case kSingleMother:
		head := f.add(relKepala, true, g.birthAged(25+r.intn(26)+r.intn(26)))
		head.name = fl.name(r, true, head.birth.y, g.otherClan(), -1, f.noble, nil)
		g.children(head.birth.day, g.births, nil)
		if r.bp(600) {
			g.parent(head)
		}
		if head.birth.ageAt(g.ref) >= 45 && r.bp(800) {
			g.grandchildren(head)
		}
	case kSingleFather:
		head := g.headMale(28 + r.intn(43))
		mother := head.birth.day + r.intn(6*yearDays)
		g.children(mother, g.births, head)
	case kElderly:
		age := 60 + r.intn(20) + r.intn(16)
		var head *person
		if r.bp(6000) {
			head = g.headMale(age)
			if r.bp(6500) {
				g.wife(head, r.intn(9)-1)
			}
		} else {
			head = f.add(relKepala, true, g.birthAged(age))
			head.name = fl.name(r, true, head.birth.y, g.otherClan(), -1, f.noble, nil)
		}
		if r.bp(2500) {
			g.adultChild()
		}
		if r.bp(3000) {
			g.grandchildren(head)
		}
	case kAlone:
		female := r.bp(4500)
		head := f.add(relKepala, female, g.birthAged(20+r.intn(40)))
		clan := f.clan
		if female {
			clan = g.otherClan()
		}
		head.name = fl.name(r, female, head.birth.y, clan, -1, f.noble, nil)
		if r.bp(1000) {
			g.relative(relFamili, 10, 40)
		}
	case kYoung:
		head := g.headMale(19 + r.intn(11))
		wife := g.wife(head, r.intn(5))
		g.children(wife.birth.day, g.birthsYoung, head)
	}
}

// headMale adds a male head of the given age.
func (g *gen) headMale(age int) *person {
	f := &g.fam
	p := f.add(relKepala, false, g.birthAged(age))
	p.name = f.fl.name(g.r, false, p.birth.y, f.clan, -1, f.noble, nil)
	return p
}

// wife adds the head's wife, gap years younger, never under 17.
func (g *gen) wife(head *person, gap int) *person {
	f := &g.fam
	age := max(head.birth.ageAt(g.ref)-gap, 17)
	p := f.add(relPasangan, true, g.birthAged(age))
	p.name = f.fl.name(g.r, true, p.birth.y, g.otherClan(), -1, false, nil)
	g.joiner(p)
	return p
}

// otherClan returns a clan other than the family's (spouses of a clan culture
// come from another clan; Batak marriage is exogamous), or "" if none.
func (g *gen) otherClan() string {
	f := &g.fam
	if f.fl.clans == nil {
		return ""
	}
	c := f.fl.clans[g.r.intn(len(f.fl.clans))]
	if c == f.clan {
		c = f.fl.clans[(g.r.intn(len(f.fl.clans)-1)+1+indexOf(f.fl.clans, c))%len(f.fl.clans)]
	}
	return c
}

func indexOf(l []string, s string) int {
	for i, x := range l {
		if x == s {
			return i
		}
	}
	return 0
}

// joiner registers an adult who joined the family elsewhere with some
// probability, so that about one NIK in ten names a district other than home.
func (g *gen) joiner(p *person) {
	if g.r.bp(1000) {
		p.dist = g.s.otherDistrict(g.r, g.fam.homeVil)
	}
}

// children adds the children of a mother born on day mother who still live at
// home: births between her 17th and 46th birthday, none after the reference
// date, spaced at least 15 months apart. Older children have often moved out.
func (g *gen) children(mother int, births weighted, father *person) {
	r, f := g.r, &g.fam
	n := births.pick(r)
	lo := addYears(mother, 17)
	hi := min(addYears(mother, 46)-1, g.ref.day)
	b := lo + r.intn(6*yearDays)
	var fatherName *nameParts
	if father != nil {
		fatherName = &father.name
	}
	for i := 0; i < n && b <= hi; i++ {
		age := dateOf(b).ageAt(g.ref)
		keep := 9700
		switch {
		case age > 30:
			keep = 500
		case age > 25:
			keep = 2000
		case age > 21:
			keep = 5500
		case age > 16:
			keep = 8500
		}
		if r.bp(keep) {
			female := r.bp(4900)
			p := f.add(relAnak, female, b)
			if p == nil {
				return
			}
			p.name = f.fl.name(r, female, p.birth.y, f.clan, i, f.noble, fatherName)
		}
		b += 450 + r.intn(4*yearDays)
	}
}

// adultChild adds a child aged 25–45 born to the family's mother (the wife,
// a female head, or an absent mother a few years younger than the head)
// between her 17th and 46th birthdays.
func (g *gen) adultChild() {
	r, f := g.r, &g.fam
	head := &f.m[0]
	mother := head.birth.day + r.intn(6*yearDays)
	if head.female {
		mother = head.birth.day
	} else if f.n > 1 && f.m[1].rel == relPasangan {
		mother = f.m[1].birth.day
	}
	lo := max(addYears(mother, 17), addYears(g.ref.day, -46)+1)
	hi := min(addYears(mother, 46)-1, addYears(g.ref.day, -25))
	if lo > hi {
		return
	}
	female := r.bp(4900)
	p := f.add(relAnak, female, lo+r.intn(hi-lo+1))
	if p == nil {
		return
	}
	var father *nameParts
	if !head.female {
		father = &head.name
	}
	p.name = f.fl.name(r, female, p.birth.y, f.clan, -1, f.noble, father)
}

// parent adds an elderly parent of p, 18–40 years older, at most 95.
func (g *gen) parent(p *person) {
	r, f := g.r, &g.fam
	b := addYears(p.birth.day, -(18+r.intn(23))) - r.intn(yearDays)
	if dateOf(b).ageAt(g.ref) > 95 {
		return
	}
	female := r.bp(7000)
	clan := "" // a father shares p's clan, the last part of p's name
	if female {
		clan = g.otherClan()
	} else if f.fl.clans != nil {
		clan = p.name.last()
	}
	q := f.add(relOrangtua, female, b)
	if q == nil {
		return
	}
	q.name = f.fl.name(r, female, q.birth.y, clan, -1, f.noble && !female, nil)
	g.joiner(q)
}

// relative adds a member aged lo–hi with relationship rel.
func (g *gen) relative(rel uint8, lo, hi int) {
	r, f := g.r, &g.fam
	if hi < lo {
		return
	}
	female := r.bp(5000)
	p := f.add(rel, female, g.birthAged(r.between(lo, hi)))
	if p == nil {
		return
	}
	clan := f.clan
	if female || rel == relLainnya {
		clan = g.otherClan()
	}
	p.name = f.fl.name(r, female, p.birth.y, clan, -1, false, nil)
	g.joiner(p)
}

// grandchildren adds one to three grandchildren (FAMILI in the card) aged
// 0–17, born at least 36 years after the head.
func (g *gen) grandchildren(head *person) {
	r, f := g.r, &g.fam
	maxAge := min(17, head.birth.ageAt(g.ref)-36)
	for range 1 + r.intn(3) {
		if maxAge < 0 {
			return
		}
		female := r.bp(4900)
		p := f.add(relFamili, female, g.birthAged(r.intn(maxAge+1)))
		if p == nil {
			return
		}
		clan := f.clan
		if r.bp(5000) {
			clan = g.otherClan()
		}
		p.name = f.fl.name(r, female, p.birth.y, clan, -1, false, nil)
	}
}
