package synth

import "tepat/nik"

// gen holds the state of one run: the random stream, the region scope, the
// serial counters and reusable buffers. It is not safe for concurrent use.
type gen struct {
	r           rng
	s           *scope
	id          *idents
	ref         date
	kinds       weighted
	desil       weighted
	births      weighted
	birthsYoung weighted
	mix         []weighted // flavour mix per province index
	fam         family
	kk          [16]byte
	addr        []byte
}

func newGen(s *scope, seed uint64, ref date) *gen {
	g := &gen{
		r:           newRNG(seed),
		s:           s,
		id:          newIdents(s, ref.y),
		ref:         ref,
		kinds:       newWeighted(kindWeights...),
		desil:       newWeighted(desilWeights...),
		births:      newWeighted(birthsWeights...),
		birthsYoung: newWeighted(birthsWeights[:3]...),
		addr:        make([]byte, 0, 64),
	}
	for _, p := range s.provinces {
		w, ok := flavourMix[p.code]
		if !ok {
			w = defaultMix
		}
		g.mix = append(g.mix, newWeighted(w...))
	}
	return g
}

var desilLabel = [...]string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}

const (
	schoolNone = "TIDAK"
	statusLive = "HIDUP"
	statusDead = "MENINGGAL"
	statusMove = "PINDAH"
)

// family appends the CSV rows of one new family to b and returns the
// extended slice and the number of persons written.
func (g *gen) family(b []byte) ([]byte, int, error) {
	r, f := g.r, &g.fam
	v := &g.s.villages[g.s.pickVillage(r)]
	f.homeVil, f.home = v.dist, v.dist
	if r.bp(700) { // the whole family was registered in another district
		f.home = g.s.otherDistrict(r, v.dist)
	}
	fl := &flavours[g.mix[g.s.districts[v.dist].prov].pick(r)]
	g.compose(fl)
	desil := desilLabel[g.desil.pick(r)]

	head := &f.m[0]
	year := g.ref.y - 1
	if lo := max(g.id.firstY, head.birth.y+17); lo < year {
		year = r.between(lo, year)
	}
	kk, err := g.id.kkNumber(g.kk[:0], v.dist, year)
	if err != nil {
		return b, 0, err
	}
	g.addr = g.address(g.addr[:0], v, fl)

	for i := range f.n {
		p := &f.m[i]
		age := p.birth.ageAt(g.ref)
		status := statusLive
		if p.rel != relKepala {
			switch {
			case age >= 60 && r.bp(200), r.bp(30):
				status = statusDead
			case p.rel >= relAnak && p.rel != relOrangtua && age >= 17 && r.bp(80):
				status = statusMove
			}
		}
		disabled := r.bp(100)
		if age >= 60 {
			disabled = r.bp(400)
		}
		school := schoolNone
		if status == statusLive {
			school = g.school(age, disabled)
		}
		pregnant := false
		if p.female && status == statusLive && age >= 18 && age <= 45 {
			if p.rel <= relPasangan {
				pregnant = r.bp(450)
			} else {
				pregnant = r.bp(50)
			}
		}
		d, serial, err := g.id.nikSerial(p.dist, p.female, p.birth.y)
		if err != nil {
			return b, 0, err
		}

		b = append(b, kk...)
		b = append(b, ',')
		b = nik.AppendNIK(b, g.s.districts[d].plain, p.birth.time(), p.female, serial)
		b = append(b, ',')
		b = p.name.appendTo(b)
		if p.female {
			b = append(b, ",P,"...)
		} else {
			b = append(b, ",L,"...)
		}
		b = append4(b, p.birth.y)
		b = append(b, '-')
		b = append2(b, p.birth.m)
		b = append(b, '-')
		b = append2(b, p.birth.d)
		b = append(b, ',')
		b = append(b, relLabel[p.rel]...)
		b = append(b, ',')
		b = append(b, v.code...)
		b = append(b, ',')
		b = append(b, g.addr...)
		b = append(b, ',', flag(pregnant), ',', flag(disabled), ',')
		b = append(b, school...)
		b = append(b, ',')
		b = append(b, desil...)
		b = append(b, ',')
		b = append(b, status...)
		b = append(b, '\n')
	}
	return b, f.n, nil
}

func flag(v bool) byte {
	if v {
		return '1'
	}
	return '0'
}

// school returns the level a child of age attends, with the dropout of poor
// families: nearly all attend primary school, fewer junior and senior
// secondary. Severely disabled children attend less often.
func (g *gen) school(age int, disabled bool) string {
	level, p := "", 0
	switch {
	case age >= 7 && age <= 12:
		level, p = "SD", 9700
	case age >= 13 && age <= 15:
		level, p = "SMP", 8500
	case age >= 16 && age <= 18:
		level, p = "SMA", 6200
	default:
		return schoolNone
	}
	if disabled {
		p = p * 4 / 10
	}
	if g.r.bp(p) {
		return level
	}
	return schoolNone
}

// address appends a street address in a kelurahan or a hamlet in a desa,
// with RT/RW neighbourhood numbers.
func (g *gen) address(b []byte, v *village, fl *flavour) []byte {
	r := g.r
	rw := 1 + r.intn(8)
	if v.urban {
		if r.bp(1500) {
			b = append(b, "GG. "...)
		} else {
			b = append(b, "JL. "...)
		}
		b = append(b, streets[r.intn(len(streets))]...)
		b = append(b, " NO. "...)
		b = appendInt(b, 1+r.intn(150))
		rw += r.intn(8)
	} else {
		prefix, names := "DUSUN ", hamlets
		switch fl {
		case &flavours[fJawa]:
			names = hamletsJawa
		case &flavours[fSunda]:
			prefix, names = "KP. ", hamletsSunda
		case &flavours[fMinang]:
			prefix = "JORONG "
		case &flavours[fBali]:
			prefix = "BANJAR "
		}
		b = append(b, prefix...)
		b = append(b, names[r.intn(len(names))]...)
	}
	b = append(b, " RT 0"...)
	b = append2(b, 1+r.intn(15))
	b = append(b, "/RW 0"...)
	return append2(b, rw)
}

func appendInt(b []byte, n int) []byte {
	if n >= 100 {
		b = append(b, byte('0'+n/100))
	}
	if n >= 10 {
		b = append(b, byte('0'+n/10%10))
	}
	return append(b, byte('0'+n%10))
}
