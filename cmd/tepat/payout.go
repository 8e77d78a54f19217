package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"tepat"
	"tepat/db"
	"tepat/ledger"
	"tepat/payout"
)

func init() {
	extraCommands = append(extraCommands, (*App).bankCmd, (*App).payoutCmd, (*App).reconcileCmd)
}

func (app *App) bankCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "bank", Short: "The Himbara banks: which bank pays where, KKS accounts"}
	route := &cobra.Command{Use: "route", Short: "Bank routes: the bank that pays a program's families in a region"}
	var prog, reg, bank string
	set := app.jsonCmd("set --program CODE --region CODE --bank BANK",
		"Set the bank of a program in a region (role pusat); the most specific region's route governs a family",
		func(ctx context.Context, d *db.DB) (any, error) {
			return payout.SetRoute(ctx, d, prog, reg, bank)
		})
	set.Flags().StringVar(&prog, "program", "", "program code, e.g. PKH")
	set.Flags().StringVar(&reg, "region", "", "region code of any level, e.g. 32.01")
	set.Flags().StringVar(&bank, "bank", "", "BRI, BNI, MANDIRI or BTN")
	for _, f := range []string{"program", "region", "bank"} {
		set.MarkFlagRequired(f)
	}
	list := app.jsonCmd("list [--program CODE]", "List bank routes as JSON",
		func(ctx context.Context, d *db.DB) (any, error) {
			return payout.Routes(ctx, d, prog)
		})
	list.Flags().StringVar(&prog, "program", "", "only this program")
	route.AddCommand(set, list)

	accounts := &cobra.Command{Use: "accounts", Short: "KKS accounts: the opening request to a bank, the bank's answer"}
	var out string
	request := &cobra.Command{
		Use:   "request --bank BANK --out FILE",
		Short: "Write the collective account-opening request for a bank as CSV (no_kk, nik_kepala, nama_kepala, kode_wilayah, alamat); audited",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return app.withActor(cmd, func(ctx context.Context, d *db.DB) error {
				var n int64
				err := writeFile(out, func(w io.Writer) error {
					cw := csv.NewWriter(w)
					cw.Write(payout.AccountRequestHeader)
					var err error
					n, err = payout.RequestAccounts(ctx, d, bank, func(r payout.AccountRequest) error { return cw.Write(r.Record()) })
					if err != nil {
						return err
					}
					cw.Flush()
					return cw.Error()
				})
				if err != nil {
					return err
				}
				fmt.Fprintf(app.Stderr, "%d keluarga ditulis ke %s\n", n, out)
				return nil
			})
		},
	}
	request.Flags().StringVar(&bank, "bank", "", "BRI, BNI, MANDIRI or BTN")
	request.Flags().StringVar(&out, "out", "", "CSV file to write")
	request.MarkFlagRequired("bank")
	request.MarkFlagRequired("out")
	load := &cobra.Command{
		Use:   "load FILE --bank BANK",
		Short: "Load a bank's opened accounts (no_kk, nomor_rekening, nomor_kartu, tanggal_buka); all or nothing; prints JSON",
		Long: "Loads a bank's answer to an account-opening request. The whole file is checked first: exit 1 with\n" +
			"every problem (line, column, code) on standard error and nothing applied if a line is bad, exit 2\n" +
			"if the header is wrong. Loading the same file again changes nothing.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return app.withActor(cmd, func(ctx context.Context, d *db.DB) error {
				l, err := payout.LoadAccounts(ctx, d, bank, args[0])
				if err != nil {
					return app.fileRefused(err)
				}
				return app.printJSON(l)
			})
		},
	}
	load.Flags().StringVar(&bank, "bank", "", "the bank whose accounts these are")
	load.MarkFlagRequired("bank")
	accounts.AddCommand(request, load)
	cmd.AddCommand(route, accounts)
	return cmd
}

func (app *App) payoutCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "payout", Short: "Payouts of a cycle through the banks: export the files, load the banks' reports"}
	var cycle int64
	var out, bank string
	export := &cobra.Command{
		Use:   "export --cycle ID --out DIR",
		Short: "Write a cycle's payout files per bank, the families without an account and manifest.json into DIR (role pusat); prints the manifest",
		Long: "The first export records the payment instructions and moves the cycle to DISBURSING; exporting\n" +
			"again writes the same files byte for byte. Each file appears whole or not at all; manifest.json,\n" +
			"with every file's rows, amount and SHA-256, is written last.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return app.withCycleSink(cmd, cycle, out, func(ctx context.Context, d *db.DB, sink payout.Sink) error {
				m, err := payout.Export(ctx, d, cycle, sink)
				if err != nil {
					return err
				}
				return app.printJSON(m)
			})
		},
	}
	export.Flags().Int64Var(&cycle, "cycle", 0, "cycle id")
	export.Flags().StringVar(&out, "out", "", "directory to write the files into (made if missing)")
	export.MarkFlagRequired("cycle")
	export.MarkFlagRequired("out")
	report := &cobra.Command{
		Use:   "report FILE --bank BANK",
		Short: "Load a bank's crediting report (reference, nomor_rekening, amount, status, reason, credited_at); all or nothing; prints JSON",
		Long: "Loads a crediting report. The whole file is checked first: exit 1 with every problem on standard\n" +
			"error and nothing loaded if a line is bad, exit 2 if the header is wrong. The same file loaded\n" +
			"again changes nothing (already_loaded in the answer).",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return app.withActor(cmd, func(ctx context.Context, d *db.DB) error {
				r, err := payout.LoadReport(ctx, d, bank, args[0])
				if err != nil {
					return app.fileRefused(err)
				}
				if r.AlreadyLoaded {
					fmt.Fprintf(app.Stderr, "tepat: %s sudah dimuat sebagai laporan %d: tidak ada yang berubah\n", args[0], r.ID)
				}
				return app.printJSON(r)
			})
		},
	}
	report.Flags().StringVar(&bank, "bank", "", "the bank that sent the report")
	report.MarkFlagRequired("bank")
	cmd.AddCommand(export, report, app.reissueCmd(), app.returnsCmd())
	return cmd
}

func (app *App) reconcileCmd() *cobra.Command {
	var cycle int64
	var out string
	cmd := &cobra.Command{
		Use:   "reconcile --cycle ID [--out DIR]",
		Short: "Reconcile a cycle with the banks' reports within your scope; prints one JSON object",
		Long: "Gives each entitlement one outcome (PAID, FAILED, AMOUNT_MISMATCH, UNREPORTED, NOT_EXPORTED) and\n" +
			"flags bank lines (UNKNOWN_REFERENCE, DUPLICATE, ACCOUNT_MISMATCH). A pusat run stores the outcomes.\n" +
			"With --out, the exceptions go to DIR/<cycle>-rekonsiliasi.csv and .xlsx (audited).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := positive(cycle); err != nil {
				return err
			}
			var sink payout.Sink
			if out != "" {
				var err error
				if sink, err = dirSink(out); err != nil {
					return err
				}
			}
			return app.withActor(cmd, func(ctx context.Context, d *db.DB) error {
				r, credit, err := ledger.Reconcile(ctx, d, cycle, sink)
				if err != nil {
					return err
				}
				if credit != nil && credit.Credited > 0 {
					fmt.Fprintf(app.Stderr, "dompet %s dikreditkan: %d keluarga, Rp%s\n", credit.Program, credit.Credited, tepat.Thousands(credit.Amount, '.'))
				}
				if out != "" {
					fmt.Fprintf(app.Stderr, "pengecualian ditulis ke %s\n", filepath.Join(out, payout.ExceptionsName(cycle)+".{csv,xlsx}"))
				}
				return app.printJSON(r)
			})
		},
	}
	cmd.Flags().Int64Var(&cycle, "cycle", 0, "cycle id")
	cmd.Flags().StringVar(&out, "out", "", "directory for the exceptions (made if missing)")
	cmd.MarkFlagRequired("cycle")
	return cmd
}

// positive refuses a cycle id that is not a positive integer.
func positive(id int64) error {
	if id <= 0 {
		return tepat.Reasonf(tepat.EINVALID, "ID_TIDAK_VALID", "id siklus %d tidak valid: bilangan bulat positif", id)
	}
	return nil
}

// withCycleSink refuses a cycle id that is not positive, makes dir if
// needed and runs fn as the actor (withActor) with a sink writing into dir.
func (app *App) withCycleSink(cmd *cobra.Command, cycle int64, dir string, fn func(ctx context.Context, d *db.DB, sink payout.Sink) error) error {
	if err := positive(cycle); err != nil {
		return err
	}
	sink, err := dirSink(dir)
	if err != nil {
		return err
	}
	return app.withActor(cmd, func(ctx context.Context, d *db.DB) error { return fn(ctx, d, sink) })
}

// dirSink makes dir if needed and returns a sink writing each file into it
// whole or not at all.
func dirSink(dir string) (payout.Sink, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, tepat.Reasonf(tepat.EINVALID, "FILE_TIDAK_DAPAT_DITULIS", "tidak dapat membuat folder %s: %v", dir, err)
	}
	return func(name string, fill func(io.Writer) error) error {
		return writeFile(filepath.Join(dir, name), fill)
	}, nil
}

// fileRefused reports a refused bank file: every problem on standard
// error, exit 1, or exit 2 when the header is wrong. Other errors pass.
func (app *App) fileRefused(err error) error {
	fe, ok := payout.FileProblems(err)
	if !ok {
		return err
	}
	for _, p := range fe.Problems {
		fmt.Fprintf(app.Stderr, "tepat: %s: %s\n", fe.Name, p)
	}
	if fe.Header {
		return exitError{exitUsage}
	}
	if more := fe.Total - len(fe.Problems); more > 0 {
		fmt.Fprintf(app.Stderr, "tepat: %s: … %d masalah lain tidak ditampilkan\n", fe.Name, more)
	}
	fmt.Fprintf(app.Stderr, "tepat: %s\n", tepat.ErrorMessage(err))
	return exitError{exitFailed}
}
