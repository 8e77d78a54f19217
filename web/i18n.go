package web

import (
	"net/http"
)

// Languages: Bahasa Indonesia first, English on request.
const (
	langID = "id"
	langEN = "en"
)

// messages holds every UI string by key, per language. A key missing in
// English falls back to Indonesian; a key missing everywhere shows itself,
// which tests catch.
var messages = map[string]map[string]string{
	langID: {
		"nav.families":      "Keluarga",
		"families.title":    "Keluarga penerima manfaat",
		"families.intro":    "Cari keluarga dalam lingkup Anda menurut wilayah atau nama anggota. Nomor KK dan NIK disamarkan.",
		"families.region":   "Kode wilayah",
		"families.name":     "Nama anggota",
		"families.search":   "Cari",
		"families.kk":       "No. KK",
		"families.head":     "Kepala keluarga",
		"families.village":  "Desa/kelurahan",
		"families.members":  "Jiwa",
		"families.desil":    "Desil",
		"families.none":     "Tidak ada keluarga yang cocok dalam lingkup Anda.",
		"families.more":     "Berikutnya",
		"family.title":      "Keluarga",
		"family.address":    "Alamat",
		"family.reveal":     "Tampilkan nomor lengkap (dicatat di log audit)",
		"family.revealed":   "Nomor lengkap ditampilkan; tindakan ini tercatat di log audit.",
		"family.nik":        "NIK",
		"family.name":       "Nama",
		"family.sex":        "L/P",
		"family.born":       "Tanggal lahir",
		"family.age":        "Umur",
		"family.relation":   "Hubungan",
		"family.school":     "Sekolah",
		"family.flags":      "Keterangan",
		"family.pregnant":   "hamil",
		"family.disabled":   "disabilitas berat",
		"family.status":     "Status",
		"family.updated":    "Diperbarui",
		"stats.families":    "Keluarga",
		"stats.persons":     "Jiwa",
		"stats.desil":       "Sebaran desil",
		"stats.byregion":    "Keluarga per wilayah",
		"nav.audit":         "Log audit",
		"nav.users":         "Pengguna",
		"nav.login":         "Masuk",
		"nav.logout":        "Keluar",
		"login.title":       "Masuk",
		"login.username":    "Nama pengguna",
		"login.password":    "Kata sandi",
		"login.submit":      "Masuk",
		"login.csrf":        "Formulir kedaluwarsa; silakan coba lagi.",
		"audit.title":       "Log audit",
		"audit.intro":       "Setiap perubahan data, masuk-keluar, pembukaan data pribadi, dan ekspor tercatat di sini, berantai hash SHA-256.",
		"audit.actor":       "Pelaku",
		"audit.role":        "Peran",
		"audit.action":      "Aksi",
		"audit.object":      "Objek",
		"audit.region":      "Wilayah",
		"audit.summary":     "Ringkasan",
		"audit.at":          "Waktu",
		"audit.since":       "Sejak",
		"audit.filter":      "Saring",
		"audit.verify":      "Periksa rantai",
		"audit.intact":      "Rantai audit utuh",
		"audit.broken":      "Rantai audit RUSAK pada entri",
		"audit.none":        "Belum ada entri.",
		"audit.more":        "Berikutnya",
		"users.title":       "Pengguna",
		"users.intro":       "Pengguna, peran, dan lingkupnya. Tambah pengguna dengan perintah tepat user add.",
		"users.username":    "Nama pengguna",
		"users.scope":       "Lingkup",
		"users.status":      "Status",
		"users.active":      "aktif",
		"users.disabled":    "nonaktif",
		"app.tagline":       "Bansos tepat sasaran, tepat jumlah, tepat waktu",
		"nav.home":          "Beranda",
		"nav.regions":       "Wilayah",
		"nav.lang":          "English",
		"nav.skip":          "Lewati ke isi",
		"home.title":        "Tepat — penyaluran bantuan sosial",
		"home.intro":        "Tepat menjalankan rantai penyaluran bantuan sosial: data keluarga penerima manfaat (KPM), siklus program, penyaluran non-tunai lewat bank Himbara, transaksi e-Warong, rekonsiliasi, dan pemantauan 6T.",
		"home.stats":        "Ringkasan",
		"home.provinces":    "Provinsi",
		"home.regencies":    "Kabupaten/kota",
		"home.districts":    "Kecamatan",
		"home.villages":     "Desa/kelurahan",
		"home.families":     "Keluarga terdaftar",
		"home.persons":      "Jiwa terdaftar",
		"home.browse":       "Jelajahi wilayah",
		"home.engine":       "Basis data",
		"regions.title":     "Wilayah",
		"regions.intro":     "Kode wilayah Kemendagri: provinsi → kabupaten/kota → kecamatan → desa/kelurahan.",
		"regions.code":      "Kode",
		"regions.name":      "Nama",
		"regions.level":     "Tingkat",
		"regions.zone":      "Zona waktu",
		"regions.children":  "Wilayah di bawahnya",
		"regions.families":  "Keluarga",
		"regions.persons":   "Jiwa",
		"regions.none":      "Tidak ada wilayah di bawahnya.",
		"regions.search":    "Cari nama wilayah",
		"regions.searchbtn": "Cari",
		"regions.results":   "Hasil pencarian",
		"regions.noresults": "Tidak ada wilayah yang cocok.",
		"level.province":    "Provinsi",
		"level.regency":     "Kabupaten/kota",
		"level.district":    "Kecamatan",
		"level.village":     "Desa/kelurahan",
		"level.desa":        "Desa",
		"level.kelurahan":   "Kelurahan",
		"error.title":       "Terjadi kesalahan",
		"error.code":        "Kode",
		"error.request":     "ID permintaan",
		"error.back":        "Kembali ke beranda",
		"error.notfound":    "Halaman tidak ditemukan.",
		"footer.data":       "Data wilayah: idn-area-data (ODbL).",
	},
	langEN: {
		"nav.families":      "Families",
		"families.title":    "Beneficiary families",
		"families.intro":    "Find families in your scope by region or a member's name. KK numbers and NIKs are masked.",
		"families.region":   "Region code",
		"families.name":     "Member name",
		"families.search":   "Search",
		"families.kk":       "KK no.",
		"families.head":     "Head of family",
		"families.village":  "Village",
		"families.members":  "Persons",
		"families.desil":    "Decile",
		"families.none":     "No family in your scope matches.",
		"families.more":     "Next",
		"family.title":      "Family",
		"family.address":    "Address",
		"family.reveal":     "Show full numbers (recorded in the audit log)",
		"family.revealed":   "Full numbers shown; this was recorded in the audit log.",
		"family.nik":        "NIK",
		"family.name":       "Name",
		"family.sex":        "Sex",
		"family.born":       "Birth date",
		"family.age":        "Age",
		"family.relation":   "Relation",
		"family.school":     "School",
		"family.flags":      "Notes",
		"family.pregnant":   "pregnant",
		"family.disabled":   "severe disability",
		"family.status":     "Status",
		"family.updated":    "Updated",
		"stats.families":    "Families",
		"stats.persons":     "Persons",
		"stats.desil":       "Deciles",
		"stats.byregion":    "Families by region",
		"nav.audit":         "Audit log",
		"nav.users":         "Users",
		"nav.login":         "Sign in",
		"nav.logout":        "Sign out",
		"login.title":       "Sign in",
		"login.username":    "User name",
		"login.password":    "Password",
		"login.submit":      "Sign in",
		"login.csrf":        "The form expired; please try again.",
		"audit.title":       "Audit log",
		"audit.intro":       "Every data change, sign-in, reveal of personal data and export is recorded here, chained with SHA-256 hashes.",
		"audit.actor":       "Actor",
		"audit.role":        "Role",
		"audit.action":      "Action",
		"audit.object":      "Object",
		"audit.region":      "Region",
		"audit.summary":     "Summary",
		"audit.at":          "Time",
		"audit.since":       "Since",
		"audit.filter":      "Filter",
		"audit.verify":      "Verify chain",
		"audit.intact":      "The audit chain is intact",
		"audit.broken":      "The audit chain is BROKEN at entry",
		"audit.none":        "No entries yet.",
		"audit.more":        "Next",
		"users.title":       "Users",
		"users.intro":       "Users, their roles and scopes. Add users with the tepat user add command.",
		"users.username":    "User name",
		"users.scope":       "Scope",
		"users.status":      "Status",
		"users.active":      "active",
		"users.disabled":    "disabled",
		"app.tagline":       "Social assistance on target, in full, on time",
		"nav.home":          "Home",
		"nav.regions":       "Regions",
		"nav.lang":          "Bahasa Indonesia",
		"nav.skip":          "Skip to content",
		"home.title":        "Tepat — social assistance distribution",
		"home.intro":        "Tepat runs the social assistance chain: the registry of beneficiary families (KPM), program cycles, non-cash payouts through the Himbara banks, e-Warong purchases, reconciliation and 6T monitoring.",
		"home.stats":        "Overview",
		"home.provinces":    "Provinces",
		"home.regencies":    "Regencies/cities",
		"home.districts":    "Districts",
		"home.villages":     "Villages",
		"home.families":     "Registered families",
		"home.persons":      "Registered persons",
		"home.browse":       "Browse regions",
		"home.engine":       "Database",
		"regions.title":     "Regions",
		"regions.intro":     "Kemendagri region codes: province → regency/city → district → village.",
		"regions.code":      "Code",
		"regions.name":      "Name",
		"regions.level":     "Level",
		"regions.zone":      "Time zone",
		"regions.children":  "Regions below",
		"regions.families":  "Families",
		"regions.persons":   "Persons",
		"regions.none":      "No regions below this one.",
		"regions.search":    "Search region names",
		"regions.searchbtn": "Search",
		"regions.results":   "Search results",
		"regions.noresults": "No region matches.",
		"level.province":    "Province",
		"level.regency":     "Regency/city",
		"level.district":    "District",
		"level.village":     "Village",
		"level.desa":        "Village (desa)",
		"level.kelurahan":   "Urban village (kelurahan)",
		"error.title":       "Something went wrong",
		"error.code":        "Code",
		"error.request":     "Request id",
		"error.back":        "Back to home",
		"error.notfound":    "Page not found.",
		"footer.data":       "Region data: idn-area-data (ODbL).",
	},
}

// translate returns the message for key in lang.
func translate(lang, key string) string {
	if m, ok := messages[lang][key]; ok {
		return m
	}
	if m, ok := messages[langID][key]; ok {
		return m
	}
	return key
}

// languageOf picks the request's language: the lang cookie, else Indonesian.
func languageOf(r *http.Request) string {
	if c, err := r.Cookie("lang"); err == nil && c.Value == langEN {
		return langEN
	}
	return langID
}

// pageSetLang switches language with a plain link (no JavaScript) and
// returns to the page the user came from, if it is one of ours.
func (s *Server) pageSetLang(w http.ResponseWriter, r *http.Request) {
	to := r.URL.Query().Get("to")
	if to != langEN {
		to = langID
	}
	http.SetCookie(w, &http.Cookie{Name: "lang", Value: to, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
	http.Redirect(w, r, safeNext(r.URL.Query().Get("back")), http.StatusSeeOther)
}

// addMessages adds a feature's messages to the catalogue of lang. Feature
// files call it from init, so that each keeps its own strings.
func addMessages(lang string, m map[string]string) {
	for k, v := range m {
		if _, dup := messages[lang][k]; dup {
			panic("web: message key defined twice: " + k)
		}
		messages[lang][k] = v
	}
}
