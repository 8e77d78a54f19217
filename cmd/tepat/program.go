package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"tepat"
	"tepat/db"
	"tepat/payout"
	"tepat/program"
)

func init() {
	extraCommands = append(extraCommands, (*App).programCmd, (*App).cycleCmd, (*App).quotaCmd, (*App).budgetCmd)
}

func (app *App) programCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "program", Short: "The program catalog: apply, list, preview eligibility"}
	apply := &cobra.Command{
		Use:   "apply FILE",
		Short: "Apply a catalog YAML file (role pusat): a new version of each changed program; prints what changed as JSON",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return tepat.Reasonf(tepat.EINVALID, "FILE_TIDAK_DAPAT_DIBACA", "tidak dapat membaca %s: %v", args[0], err)
			}
			defer f.Close()
			c, err := program.ParseCatalog(f)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			return app.withActor(cmd, func(ctx context.Context, d *db.DB) error {
				out, err := program.Apply(ctx, d, c)
				if err != nil {
					return err
				}
				return app.printJSON(out)
			})
		},
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the latest version of every program and year",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return app.withActor(cmd, func(ctx context.Context, d *db.DB) error {
				vs, err := program.List(ctx, d)
				if err != nil {
					return err
				}
				w := tabwriter.NewWriter(app.Stdout, 2, 4, 2, ' ', 0)
				fmt.Fprintln(w, "CODE\tYEAR\tVERSION\tUNIT\tPERIODS\tKIND\tELIGIBILITY\tNAME")
				for _, v := range vs {
					p := v.Program
					fmt.Fprintf(w, "%s\t%d\t%d\t%s\t%d\t%s\t%s\t%s\n", p.Code, p.Year, v.Version, p.Unit, p.PeriodsPerYear, p.Benefit.Kind, p.Eligibility, p.Name)
				}
				return w.Flush()
			})
		},
	}
	var req program.PreviewRequest
	preview := &cobra.Command{
		Use:   "preview CODE --snapshot LABEL",
		Short: "Print as JSON who a cycle of the program would pay from a snapshot: count, amounts per province, 20 sample families",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req.Program = args[0]
			return app.withActor(cmd, func(ctx context.Context, d *db.DB) error {
				p, err := program.PreviewProgram(ctx, d, req)
				if err != nil {
					return err
				}
				return app.printJSON(p)
			})
		},
	}
	preview.Flags().StringVar(&req.Snapshot, "snapshot", "", "registry snapshot label")
	preview.Flags().IntVar(&req.Year, "year", 0, "program year (default: the latest in the catalog)")
	preview.Flags().IntVar(&req.Period, "period", 1, "period of the year (tahap or month)")
	preview.Flags().StringVar(&req.ReferenceDate, "reference-date", "", "day ages are taken on, YYYY-MM-DD (default: first day of the period)")
	preview.Flags().StringVar(&req.Eligibility, "eligibility", "", "try this eligibility rule instead of the program's (what-if; nothing is stored)")
	preview.MarkFlagRequired("snapshot")
	cmd.AddCommand(apply, list, preview)
	return cmd
}

// cycleID parses a cycle id argument.
func cycleID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, tepat.Reasonf(tepat.EINVALID, "ID_TIDAK_VALID", "id siklus %q tidak valid: bilangan bulat positif", s)
	}
	return id, nil
}

// cycleJSONCmd is a command "USE ID" that prints as JSON what fn makes of
// the cycle ID.
func cycleJSONCmd[T any](app *App, use, short string, fn func(context.Context, *db.DB, int64) (T, error)) *cobra.Command {
	return &cobra.Command{
		Use:   use + " ID",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := cycleID(args[0])
			if err != nil {
				return err
			}
			return app.withActor(cmd, func(ctx context.Context, d *db.DB) error {
				v, err := fn(ctx, d, id)
				if err != nil {
					return err
				}
				return app.printJSON(v)
			})
		},
	}
}

// argJSONCmd is a command of one argument, named in use ("revoke ID"),
// that prints as JSON what fn makes of the argument.
func argJSONCmd[T any](app *App, use, short string, fn func(context.Context, *db.DB, string) (T, error)) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return app.withActor(cmd, func(ctx context.Context, d *db.DB) error {
				v, err := fn(ctx, d, args[0])
				if err != nil {
					return err
				}
				return app.printJSON(v)
			})
		},
	}
}

func (app *App) cycleCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "cycle", Short: "Program cycles (tahap): create, generate, approve, cancel, close, show, export"}
	var n program.NewCycle
	create := &cobra.Command{
		Use:   "create --program CODE --year Y --period N --snapshot LABEL",
		Short: "Create a DRAFT cycle (role pusat); prints its id",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return app.withActor(cmd, func(ctx context.Context, d *db.DB) error {
				c, err := program.CreateCycle(ctx, d, n)
				if err != nil {
					return err
				}
				fmt.Fprintln(app.Stdout, c.ID)
				return nil
			})
		},
	}
	create.Flags().StringVar(&n.Program, "program", "", "program code, e.g. PKH")
	create.Flags().IntVar(&n.Year, "year", 0, "program year")
	create.Flags().IntVar(&n.Period, "period", 0, "period: tahap 1–4, month 1–12, …")
	create.Flags().StringVar(&n.Snapshot, "snapshot", "", "registry snapshot (penetapan) label to pay from")
	create.Flags().StringVar(&n.ReferenceDate, "reference-date", "", "day ages are taken on, YYYY-MM-DD (default: first day of the period)")
	for _, f := range []string{"program", "year", "period", "snapshot"} {
		create.MarkFlagRequired(f)
	}
	show := cycleJSONCmd(app, "show", "Print a cycle as JSON: state, families, persons, total amount, per province", program.Summarize)
	var f program.CycleFilter
	list := &cobra.Command{
		Use:   "list",
		Short: "List cycles, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return app.withActor(cmd, func(ctx context.Context, d *db.DB) error {
				cs, err := program.ListCycles(ctx, d, f)
				if err != nil {
					return err
				}
				w := tabwriter.NewWriter(app.Stdout, 2, 4, 2, ' ', 0)
				fmt.Fprintln(w, "ID\tPROGRAM\tYEAR\tPERIOD\tSNAPSHOT\tSTATE\tFAMILIES\tAMOUNT")
				for _, c := range cs {
					fmt.Fprintf(w, "%d\t%s\t%d\t%d\t%s\t%s\t%d\t%d\n", c.ID, c.Program, c.Year, c.Period, c.Snapshot, c.State, c.Families, c.Amount)
				}
				return w.Flush()
			})
		},
	}
	list.Flags().StringVar(&f.Program, "program", "", "only this program")
	list.Flags().IntVar(&f.Year, "year", 0, "only this year")
	list.Flags().StringVar(&f.State, "state", "", "only this state")
	var out string
	export := &cobra.Command{
		Use:   "export ID --out FILE",
		Short: "Write the cycle's entitlements as CSV (reference, no_kk, nik_kepala, nama_kepala, kode_wilayah, amount, components); audited",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := cycleID(args[0])
			if err != nil {
				return err
			}
			return app.withActor(cmd, func(ctx context.Context, d *db.DB) error {
				c, err := program.GetCycle(ctx, d, id)
				if err != nil {
					return err
				}
				var n int64
				err = writeFile(out, func(w io.Writer) error {
					n, err = writeCycleCSV(ctx, d, c, w)
					return err
				})
				if err != nil {
					return err
				}
				fmt.Fprintf(app.Stderr, "%d baris ditulis ke %s\n", n, out)
				return nil
			})
		},
	}
	export.Flags().StringVar(&out, "out", "", "CSV file to write")
	export.MarkFlagRequired("out")
	cmd.AddCommand(create,
		cycleJSONCmd(app, "generate", "Work out the cycle's entitlements from its snapshot (DRAFT or GENERATED; role pusat)", program.GenerateCycle),
		cycleJSONCmd(app, "approve", "Approve a GENERATED cycle (role pusat, not who generated it; within the budget)", program.ApproveCycle),
		cycleJSONCmd(app, "cancel", "Cancel a cycle that is not yet disbursing (role pusat)", program.CancelCycle),
		cycleJSONCmd(app, "close", "Close a DISBURSING cycle once every payout outcome is final in its stored reconciliation (role pusat)", payout.CloseCycle),
		show, list, export)
	return cmd
}

// CycleHeader names the columns of a cycle export; in-kind cycles add
// quantity.
var cycleHeader = []string{"reference", "no_kk", "nik_kepala", "nama_kepala", "kode_wilayah", "amount", "components"}

// writeCycleCSV writes the export of cycle c to w.
func writeCycleCSV(ctx context.Context, d *db.DB, c program.Cycle, w io.Writer) (int64, error) {
	cw := csv.NewWriter(w)
	inKind := c.Quantity > 0
	header := cycleHeader
	if inKind {
		header = append(header[:len(header):len(header)], "quantity")
	}
	cw.Write(header)
	n, err := program.Export(ctx, d, c.ID, func(l program.Line) error {
		rec := []string{l.Reference, l.NoKK, l.NIKKepala, l.NamaKepala, l.KodeWilayah, strconv.FormatInt(l.Amount, 10), l.Components}
		if inKind {
			rec = append(rec, strconv.FormatInt(l.Quantity, 10))
		}
		return cw.Write(rec)
	})
	if err != nil {
		return n, err
	}
	cw.Flush()
	return n, cw.Error()
}

// writeFile writes path whole or not at all: fill writes into a temporary
// file beside it, renamed over path only when everything succeeded.
func writeFile(path string, fill func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return tepat.Reasonf(tepat.EINVALID, "FILE_TIDAK_DAPAT_DITULIS", "tidak dapat menulis %s: %v", path, err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := fill(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// jsonCmd is a command without arguments that prints what run returns
// as JSON.
func (app *App) jsonCmd(use, short string, run func(context.Context, *db.DB) (any, error)) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return app.withActor(cmd, func(ctx context.Context, d *db.DB) error {
				v, err := run(ctx, d)
				if err != nil {
					return err
				}
				return app.printJSON(v)
			})
		},
	}
}

// orEmpty makes a nil list print as [] rather than null.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (app *App) quotaCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "quota", Short: "Quotas per region: at most N families of a program and year"}
	var (
		code, reg string
		year      int
		families  int64
	)
	set := app.jsonCmd("set --program CODE --year Y --region CODE --families N",
		"Set a region's quota (role pusat); the most specific region's quota governs a family",
		func(ctx context.Context, d *db.DB) (any, error) {
			return program.SetQuota(ctx, d, code, year, reg, families)
		})
	set.Flags().StringVar(&code, "program", "", "program code")
	set.Flags().IntVar(&year, "year", 0, "program year")
	set.Flags().StringVar(&reg, "region", "", "region code, e.g. 32.01")
	set.Flags().Int64Var(&families, "families", -1, "most families in the region")
	for _, f := range []string{"program", "year", "region", "families"} {
		set.MarkFlagRequired(f)
	}
	list := app.jsonCmd("list [--program CODE] [--year Y]", "List quotas as JSON",
		func(ctx context.Context, d *db.DB) (any, error) {
			qs, err := program.Quotas(ctx, d, code, year)
			return orEmpty(qs), err
		})
	list.Flags().StringVar(&code, "program", "", "only this program")
	list.Flags().IntVar(&year, "year", 0, "only this year")
	cmd.AddCommand(set, list)
	return cmd
}

func (app *App) budgetCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "budget", Short: "Budgets (pagu) per program and year"}
	var (
		code   string
		year   int
		amount int64
	)
	set := app.jsonCmd("set --program CODE --year Y --amount RUPIAH", "Set a program's budget for a year in whole rupiah (role pusat)",
		func(ctx context.Context, d *db.DB) (any, error) { return program.SetBudget(ctx, d, code, year, amount) })
	set.Flags().StringVar(&code, "program", "", "program code")
	set.Flags().IntVar(&year, "year", 0, "year")
	set.Flags().Int64Var(&amount, "amount", -1, "budget in whole rupiah")
	for _, f := range []string{"program", "year", "amount"} {
		set.MarkFlagRequired(f)
	}
	list := app.jsonCmd("list [--program CODE] [--year Y]", "List budgets as JSON: pagu, committed (approved cycles), realized, remaining",
		func(ctx context.Context, d *db.DB) (any, error) {
			bs, err := payout.Budgets(ctx, d, code, year)
			return orEmpty(bs), err
		})
	list.Flags().StringVar(&code, "program", "", "only this program")
	list.Flags().IntVar(&year, "year", 0, "only this year")
	cmd.AddCommand(set, list)
	return cmd
}
