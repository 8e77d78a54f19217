package synth

import "time"

// Dates are handled as day numbers (days since 1970-01-01) so that a family's
// ages can be drawn and compared without time.Time arithmetic in the hot loop.
// The conversions are Howard Hinnant's proleptic Gregorian algorithms.

const yearDays = 365

// dayOf returns the day number of a calendar date.
func dayOf(y, m, d int) int {
	if m <= 2 {
		y--
	}
	era := y
	if era < 0 {
		era -= 399
	}
	era /= 400
	yoe := y - era*400
	mp := m + 9
	if m > 2 {
		mp = m - 3
	}
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civil returns the calendar date of day number z.
func civil(z int) (y, m, d int) {
	z += 719468
	era := z
	if era < 0 {
		era -= 146096
	}
	era /= 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	m = mp + 3
	if mp >= 10 {
		m = mp - 9
		y++
	}
	return y, m, d
}

// date is a calendar date with its day number.
type date struct {
	day     int
	y, m, d int
}

func dateOf(day int) date {
	y, m, d := civil(day)
	return date{day: day, y: y, m: m, d: d}
}

// time returns the date at midnight UTC.
func (t date) time() time.Time {
	return time.Date(t.y, time.Month(t.m), t.d, 0, 0, 0, 0, time.UTC)
}

// ageAt returns the age in completed years on ref.
func (t date) ageAt(ref date) int {
	a := ref.y - t.y
	if ref.m < t.m || (ref.m == t.m && ref.d < t.d) {
		a--
	}
	return a
}

// addYears returns the day number that lies n years after day, counted in
// whole calendar years (29 February moves to 1 March in common years).
func addYears(day, n int) int {
	y, m, d := civil(day)
	return dayOf(y+n, m, d)
}
