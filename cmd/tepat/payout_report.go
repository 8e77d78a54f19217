package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"tepat/db"
	"tepat/payout"
)

func init() {
	extraCommands = append(extraCommands, (*App).reportCmd)
}

// reissueCmd is `tepat payout reissue`.
func (app *App) reissueCmd() *cobra.Command {
	var cycle int64
	var out string
	var opt payout.ReissueOptions
	cmd := &cobra.Command{
		Use:   "reissue --cycle ID --out DIR [--family ID]… [--batch N]",
		Short: "Send failed payments again to the families' new accounts: a new batch of payout files and manifest.json in DIR (role pusat)",
		Long: "Makes a new batch <cycle>-U<batch>-<BANK>.csv with references <cycle>-<family>-U<n> for entitlements whose\n" +
			"every instruction failed and whose family now has another AKTIF account at its routed bank. With\n" +
			"--family, only those, all or nothing. When nothing can be sent again, the latest batch is written\n" +
			"again byte for byte; --batch N writes batch N again. Prints JSON: the manifest and whether the batch\n" +
			"is new. Use a folder of its own: manifest.json is the batch's.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return app.withCycleSink(cmd, cycle, out, func(ctx context.Context, d *db.DB, sink payout.Sink) error {
				r, err := payout.Reissue(ctx, d, cycle, opt, sink)
				if err != nil {
					return err
				}
				if r.Created {
					fmt.Fprintf(app.Stderr, "batch baru U%d: %d pembayaran ulang ditulis ke %s\n", r.Manifest.Batch, r.Manifest.Instructions, out)
				} else {
					fmt.Fprintf(app.Stderr, "tidak ada pembayaran ulang baru; batch U%d ditulis ulang ke %s\n", r.Manifest.Batch, out)
				}
				return app.printJSON(r)
			})
		},
	}
	cmd.Flags().Int64Var(&cycle, "cycle", 0, "cycle id")
	cmd.Flags().StringVar(&out, "out", "", "directory to write the files into (made if missing)")
	cmd.Flags().Int64SliceVar(&opt.Families, "family", nil, "only this family id (repeatable); refused whole if one cannot be sent again")
	cmd.Flags().IntVar(&opt.Batch, "batch", 0, "write this earlier batch again instead")
	cmd.MarkFlagRequired("cycle")
	cmd.MarkFlagRequired("out")
	return cmd
}

// returnsCmd is `tepat payout returns`.
func (app *App) returnsCmd() *cobra.Command {
	var cycle int64
	cmd := app.jsonCmd("returns --cycle ID",
		"Print as JSON a cycle's failed payments per bank from its stored reconciliation: sent again or returned (dana retur)",
		func(ctx context.Context, d *db.DB) (any, error) {
			if err := positive(cycle); err != nil {
				return nil, err
			}
			return payout.ReturnedFunds(ctx, d, cycle)
		})
	cmd.Flags().Int64Var(&cycle, "cycle", 0, "cycle id")
	cmd.MarkFlagRequired("cycle")
	return cmd
}

func (app *App) reportCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "report", Short: "Reports: realization of a cycle per region"}
	var (
		req                payout.RealizationRequest
		level, format, out string
	)
	realization := &cobra.Command{
		Use:   "realization --cycle ID --level province|regency|district|village [--region CODE] --format csv|xlsx|pdf --out FILE",
		Short: "Write a cycle's realization per region within your scope: quota, entitled, paid, % paid, failed, returned funds; audited",
		Long: "Figures come from the cycle's latest stored reconciliation; without one nothing counts as paid (the\n" +
			"XLSX and PDF say so in their title, the CLI on standard error). The file appears whole or not at all;\n" +
			"standard output gets the heading and totals as JSON.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := positive(req.Cycle); err != nil {
				return err
			}
			var err error
			if req.Level, err = payout.ParseLevel(level); err != nil {
				return usageError{err}
			}
			if !slices.Contains(payout.RealizationFormats, format) {
				return usageError{fmt.Errorf("--format %q tidak dikenal: %s", format, strings.Join(payout.RealizationFormats, ", "))}
			}
			return app.withActor(cmd, func(ctx context.Context, d *db.DB) error {
				var rep payout.Realization
				err := writeFile(out, func(w io.Writer) error {
					sink, err := payout.NewRealizationWriter(format, w)
					if err != nil {
						return err
					}
					rep, err = payout.Realize(ctx, d, req, sink)
					return err
				})
				if err != nil {
					return err
				}
				if !rep.Reconciled {
					fmt.Fprintf(app.Stderr, "tepat: siklus %d belum punya rekonsiliasi tersimpan: dibayar dan gagal dihitung 0\n", rep.Cycle)
				}
				fmt.Fprintf(app.Stderr, "%d wilayah ditulis ke %s\n", rep.Regions, out)
				return app.printJSON(rep)
			})
		},
	}
	realization.Flags().Int64Var(&req.Cycle, "cycle", 0, "cycle id")
	realization.Flags().StringVar(&level, "level", "", "rows per province, regency, district or village")
	realization.Flags().StringVar(&req.Region, "region", "", "only within this region (at or above --level)")
	realization.Flags().StringVar(&format, "format", "", "csv, xlsx or pdf")
	realization.Flags().StringVar(&out, "out", "", "file to write")
	for _, f := range []string{"cycle", "level", "format", "out"} {
		realization.MarkFlagRequired(f)
	}
	cmd.AddCommand(realization)
	return cmd
}
