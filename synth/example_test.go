package synth_test

import (
	"fmt"
	"os"
	"strings"

	"tepat/synth"
)

// A reproducible file of 1,000 families living in Yogyakarta city.
func ExampleWriteHouseholds() {
	var sb strings.Builder
	st, err := synth.WriteHouseholds(&sb, synth.Options{Families: 1000, Seed: 42, Region: "34.71"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	fmt.Println(st.Families, "families")
	fmt.Println(strings.SplitN(sb.String(), "\n", 2)[0])
	// Output:
	// 1000 families
	// no_kk,nik,nama,jenis_kelamin,tanggal_lahir,hubungan,kode_wilayah,alamat,hamil,disabilitas_berat,sekolah,desil,status
}
