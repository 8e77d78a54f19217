package web

func init() {
	addMessages(langID, map[string]string{
		"payout.returns":          "Dana retur",
		"payout.returns_help":     "Pembayaran GAGAL per bank: yang dibayar ulang (sudah atau dapat dibayar ulang karena ada rekening AKTIF lain) dan sisanya, dana yang dikembalikan.",
		"payout.returns_none":     "Belum ada rekonsiliasi tersimpan: belum ada angka dana retur.",
		"payout.returns_failed":   "Gagal",
		"payout.returns_reissue":  "Dibayar ulang",
		"payout.returns_returned": "Dikembalikan",

		"payout.reissue":         "Pembayaran ulang",
		"payout.reissue_help":    "Mengirim ulang pembayaran yang gagal ke rekening AKTIF lain keluarga di bank rutenya, sebagai batch baru; bila tidak ada yang memenuhi syarat, batch terakhir ditulis lagi. Tercatat di log audit.",
		"payout.reissue_submit":  "Buat pembayaran ulang",
		"payout.reissue_batch":   "Batch pembayaran ulang",
		"payout.reissue_created": "Batch baru dibuat",
		"payout.reissue_again":   "Tidak ada yang baru; batch terakhir ditulis lagi",

		"payout.realization":        "Laporan realisasi",
		"payout.realization_help":   "Angka per wilayah dari rekonsiliasi tersimpan terakhir, dalam cakupan Anda; tanpa data pribadi. Kode wilayah opsional, pada atau di atas tingkat yang dipilih.",
		"payout.realization_level":  "Tingkat",
		"payout.realization_format": "Format",

		"payout.close_check":        "Penutupan siklus",
		"payout.close_ready":        "Setiap hak sudah punya hasil akhir: siklus dapat ditutup.",
		"payout.close_not_ready":    "Siklus belum dapat ditutup: masih ada hasil yang belum final (lihat di bawah).",
		"payout.close_unreconciled": "Belum ada rekonsiliasi tersimpan: jalankan rekonsiliasi sebagai pusat.",
		"payout.close_paid":         "Dibayar (final)",
		"payout.close_returned":     "Gagal, dana dikembalikan (final)",
		"payout.close_not_exported": "Tanpa rekening (final)",
		"payout.close_unreported":   "Belum dilaporkan bank",
		"payout.close_mismatch":     "Selisih jumlah",
		"payout.close_reissue":      "Gagal, sudah atau dapat dibayar ulang",
		"payout.close_pending":      "Pembayaran ulang menunggu laporan bank",
		"payout.close_later":        "Laporan bank dimuat setelah rekonsiliasi terakhir",
	})
	addMessages(langEN, map[string]string{
		"payout.returns":          "Returned funds",
		"payout.returns_help":     "FAILED payments per bank: those paid again (re-issued, or re-issuable to another AKTIF account) and the rest, money returned.",
		"payout.returns_none":     "No stored reconciliation yet: no returned funds figures.",
		"payout.returns_failed":   "Failed",
		"payout.returns_reissue":  "Re-issued",
		"payout.returns_returned": "Returned",

		"payout.reissue":         "Re-issue",
		"payout.reissue_help":    "Sends failed payments again, to another AKTIF account of the family at its routed bank, as a new batch; when none qualifies, the latest batch is written again. Recorded in the audit log.",
		"payout.reissue_submit":  "Re-issue failed payments",
		"payout.reissue_batch":   "Re-issue batch",
		"payout.reissue_created": "New batch made",
		"payout.reissue_again":   "Nothing new; the latest batch written again",

		"payout.realization":        "Realization report",
		"payout.realization_help":   "Figures per region from the latest stored reconciliation, within your scope; no personal data. The region code is optional, at or above the chosen level.",
		"payout.realization_level":  "Level",
		"payout.realization_format": "Format",

		"payout.close_check":        "Closing the cycle",
		"payout.close_ready":        "Every entitlement has a final outcome: the cycle can be closed.",
		"payout.close_not_ready":    "The cycle cannot be closed yet: some outcomes are not final (below).",
		"payout.close_unreconciled": "No stored reconciliation yet: run the reconciliation as pusat.",
		"payout.close_paid":         "Paid (final)",
		"payout.close_returned":     "Failed, money returned (final)",
		"payout.close_not_exported": "Without an account (final)",
		"payout.close_unreported":   "Not reported by the bank",
		"payout.close_mismatch":     "Amount mismatch",
		"payout.close_reissue":      "Failed, re-issued or re-issuable",
		"payout.close_pending":      "Re-issue awaiting the bank's report",
		"payout.close_later":        "Bank reports loaded after the latest reconciliation",
	})
}
