package household_test

import (
	"fmt"
	"strings"
	"time"

	"tepat/household"
)

func ExampleReader() {
	const file = "no_kk;nik;nama;jenis_kelamin;tanggal_lahir;hubungan;kode_wilayah;alamat;hamil;disabilitas_berat;sekolah;desil;status\n" +
		"3201010101100001;3201011205800001;Budi;L;1980-05-12;KEPALA;32.01.01.1001;;0;0;TIDAK;2;HIDUP\n" +
		"3201010101100001;3201014308830002;Siti;P;1983-08-04;PASANGAN;32.01.01.1001;;0;0;TIDAK;2;HIDUP\n"
	r, err := household.NewReader(strings.NewReader(file), household.Options{Now: time.Date(2024, 6, 15, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()
	for r.Next() {
		fam := r.Family()
		fmt.Println(len(fam.Members), "anggota, valid:", fam.Valid())
		for _, p := range fam.Problems {
			fmt.Println(p.Code, "-", p)
		}
	}
	if err := r.Err(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// 2 anggota, valid: false
	// NIK_TANGGAL_TIDAK_SESUAI - baris 3, kolom 2 (nik): tanggal lahir pada NIK (digit 7–12) tidak sesuai dengan kolom tanggal_lahir
}
