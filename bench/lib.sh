# Shell functions the benchmark scripts share; source it from the
# repository root after setting t (the tepat binary) and work (a scratch
# directory). Each function works on the database in TEPAT_DB.

# export_cycle PROGRAM CATALOG OUT: imports $work/h.csv and freezes it as
# snapshot "bench", applies CATALOG, and has users pusat1 and pusat2
# create, generate and approve period 1 of PROGRAM's 2019 (budget ample);
# routes region 32 to BRI, opens a BRI account (and KKS card) for every
# family, and exports the payout files into OUT, made afresh. Sets id to
# the cycle's id.
export_cycle() {
	local prog=$1 catalog=$2 out=$3
	"$t" import households "$work/h.csv" > /dev/null
	"$t" registry snapshot --label bench > /dev/null
	"$t" program apply "$catalog" > /dev/null
	printf 'kata-sandi-bench-1234\n' | "$t" user add --username pusat1 --role pusat --password-stdin > /dev/null
	printf 'kata-sandi-bench-1234\n' | "$t" user add --username pusat2 --role pusat --password-stdin > /dev/null
	id=$("$t" --as pusat1 cycle create --program "$prog" --year 2019 --period 1 --snapshot bench)
	"$t" --as pusat1 cycle generate "$id" > /dev/null
	"$t" budget set --program "$prog" --year 2019 --amount 1000000000000000 > /dev/null
	"$t" --as pusat2 cycle approve "$id" > /dev/null
	"$t" bank route set --program "$prog" --region 32 --bank BRI > /dev/null
	"$t" bank accounts request --bank BRI --out "$work/req.csv"
	awk -F, 'NR == 1 {print "no_kk,nomor_rekening,nomor_kartu,tanggal_buka"; next} {printf "%s,%012d,6013%012d,2019-01-02\n", $1, NR, NR}' "$work/req.csv" > "$work/acc.csv"
	"$t" bank accounts load "$work/acc.csv" --bank BRI > /dev/null
	rm -rf "$out"
	"$t" payout export --cycle "$id" --out "$out" > /dev/null
}

# bank_report PAYOUT_FILE [FAIL_EVERY]: prints the bank's crediting report
# for a payout file: every line credited, but every FAIL_EVERY-th line of
# the file failed (none when 0 or not given).
bank_report() {
	awk -F, -v every="${2:-0}" 'NR == 1 {print "reference,nomor_rekening,amount,status,reason,credited_at"; next}
		every > 0 && NR % every == 0 {print $1 "," $2 "," $5 ",GAGAL,REKENING_TIDAK_AKTIF,2019-01-20T03:00:00Z"; next}
		{print $1 "," $2 "," $5 ",BERHASIL,,2019-01-20T03:00:00Z"}' "$1"
}
