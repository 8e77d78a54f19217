package main

import (
	"context"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"tepat"
	"tepat/db"
	"tepat/registry"
)

func init() {
	registrySubcommands = append(registrySubcommands, (*App).duplicatesCmd, (*App).resolveCmd)
}

func (app *App) duplicatesCmd() *cobra.Command {
	var f registry.DuplicateFilter
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "duplicates",
		Short: "List possible duplicates (default: open ones) within your scope; NIKs masked",
		Long: "Lists the possible duplicates the importer queued: the same normalised name and birth\n" +
			"date in one district under different NIKs (NAMA_TANGGAL_SAMA), or twice in one family\n" +
			"(DALAM_KELUARGA). A is the person with the smaller NIK. Decide with 'tepat registry resolve'.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return app.withActor(cmd, func(ctx context.Context, d *db.DB) error {
				var all []registry.Duplicate
				limit := f.Limit
				for {
					page := f
					page.Limit = 500
					if limit > 0 {
						page.Limit = min(500, limit-len(all))
					}
					dups, err := registry.ListDuplicates(ctx, d, page)
					if err != nil {
						return err
					}
					all = append(all, dups...)
					if len(dups) < page.Limit || (limit > 0 && len(all) >= limit) {
						break
					}
					f.After = dups[len(dups)-1].ID
				}
				if asJSON {
					if all == nil {
						all = []registry.Duplicate{}
					}
					return app.printJSON(map[string]any{"duplicates": all})
				}
				return app.printDuplicates(all)
			})
		},
	}
	cmd.Flags().StringVar(&f.Region, "region", "", "region code of any level (default: your whole scope)")
	cmd.Flags().StringVar(&f.Status, "status", "", "TERBUKA (default), KEDUANYA_SAH, A_TIDAK_SAH, B_TIDAK_SAH or SEMUA")
	cmd.Flags().IntVar(&f.Limit, "limit", 0, "list at most this many (0: all)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON instead of a table")
	return cmd
}

func (app *App) printDuplicates(dups []registry.Duplicate) error {
	w := tabwriter.NewWriter(app.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tKIND\tSTATUS\tBORN\tNIK_A\tNAME_A\tFAMILY_A\tNIK_B\tNAME_B\tFAMILY_B\tVILLAGE\tFOUND")
	for _, x := range dups {
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%d\t%s\t%s\n", x.ID, x.Kind, x.Status, x.A.TanggalLahir,
			x.A.NIK, x.A.Nama, x.A.FamilyID, x.B.NIK, x.B.Nama, x.B.FamilyID, x.KodeWilayah, x.FoundAt.UTC().Format(time.RFC3339))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(app.Stderr, "%d possible duplicate(s)\n", len(dups))
	return nil
}

func (app *App) resolveCmd() *cobra.Command {
	var decision, note string
	cmd := &cobra.Command{
		Use:   "resolve ID",
		Short: "Decide on a possible duplicate (role dinsos): keep both, or remove A or B from the registry",
		Long: "Records a decision on an open possible duplicate, audited:\n" +
			"  KEDUANYA_SAH  two real persons: both stay\n" +
			"  A_TIDAK_SAH   person A is the duplicate: removed from their family (a new registry version)\n" +
			"  B_TIDAK_SAH   person B is the duplicate: removed from their family\n" +
			"Prints the decided duplicate as JSON.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id <= 0 {
				return usageError{tepat.Reasonf(tepat.EINVALID, "ID_TIDAK_VALID", "ID duplikat harus bilangan bulat positif")}
			}
			return app.withActor(cmd, func(ctx context.Context, d *db.DB) error {
				res, err := registry.ResolveDuplicate(ctx, d, id, decision, note)
				if err != nil {
					return err
				}
				return app.printJSON(res)
			})
		},
	}
	cmd.Flags().StringVar(&decision, "decision", "", "KEDUANYA_SAH, A_TIDAK_SAH or B_TIDAK_SAH")
	cmd.Flags().StringVar(&note, "note", "", "why (kept with the decision and in the family's history)")
	cmd.MarkFlagRequired("decision")
	cmd.MarkFlagRequired("note")
	return cmd
}
