package registry

import "time"

// PKH components a member can bring to the family's benefit (DOMAIN.md):
// the names are stable, API clients and the payment rules rely on them.
const (
	CompPregnant      = "ibu_hamil"         // pregnant (or postpartum)
	CompEarlyChild    = "anak_usia_dini"    // aged 0–6
	CompSD            = "sd"                // attends primary school
	CompSMP           = "smp"               // attends junior secondary school
	CompSMA           = "sma"               // attends senior secondary school
	CompSevereDisable = "disabilitas_berat" // severe disability
	CompElderly       = "lansia"            // aged 60 or more
)

// Components returns the PKH components of member m on day on, in the
// order of the constants above: ibu_hamil when pregnant, anak_usia_dini
// at age 0–6 when not at school (as the payment rules of package program,
// with their default age limits), sd/smp/sma by the school attended now, disabilitas_berat,
// and lansia from age 60. One member may bring several (a pregnant woman
// of 60 with a severe disability brings three). A member whose status is
// not HIDUP (deceased, moved out) brings none; an empty status counts as
// HIDUP. Amounts and caps per family are configuration of the payment
// rules, not of this list.
func Components(m Member, on time.Time) []string {
	if m.Status != "" && m.Status != "HIDUP" {
		return nil
	}
	var out []string
	age := AgeOn(m.TanggalLahir, on)
	if m.Hamil {
		out = append(out, CompPregnant)
	}
	if age >= 0 && age <= 6 && (m.Sekolah == "TIDAK" || m.Sekolah == "") {
		out = append(out, CompEarlyChild)
	}
	switch m.Sekolah {
	case "SD":
		out = append(out, CompSD)
	case "SMP":
		out = append(out, CompSMP)
	case "SMA":
		out = append(out, CompSMA)
	}
	if m.DisabilitasBerat {
		out = append(out, CompSevereDisable)
	}
	if age >= 60 {
		out = append(out, CompElderly)
	}
	return out
}

// AgeOn returns the age in whole years on the calendar day of on (in on's
// location) of someone born on born (YYYY-MM-DD). A birthday on 29
// February is reached on 1 March in other years. A malformed date gives -1.
func AgeOn(born string, on time.Time) int {
	b, err := time.Parse("2006-01-02", born)
	if err != nil {
		return -1
	}
	y, m, d := on.Date()
	age := y - b.Year()
	if m < b.Month() || (m == b.Month() && d < b.Day()) {
		age--
	}
	return age
}
