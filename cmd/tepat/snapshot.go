package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"tepat/db"
	"tepat/registry"
)

func init() {
	registrySubcommands = append(registrySubcommands, (*App).snapshotCmd, (*App).snapshotsCmd, (*App).diffCmd)
}

func (app *App) snapshotCmd() *cobra.Command {
	var label string
	cmd := &cobra.Command{
		Use:   "snapshot --label LABEL",
		Short: "Freeze the registry as a named, immutable snapshot (penetapan; role pusat); prints it as JSON",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return app.withActor(cmd, func(ctx context.Context, d *db.DB) error {
				s, err := registry.CreateSnapshot(ctx, d, label)
				if err != nil {
					return err
				}
				return app.printJSON(s)
			})
		},
	}
	cmd.Flags().StringVar(&label, "label", "", "name of the snapshot, e.g. 2019-11 (1–40: A-Z a-z 0-9 . _ -)")
	cmd.MarkFlagRequired("label")
	return cmd
}

func (app *App) snapshotsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "snapshots",
		Short: "List the snapshots, newest first, with their counts",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return app.withActor(cmd, func(ctx context.Context, d *db.DB) error {
				ss, err := registry.ListSnapshots(ctx, d)
				if err != nil {
					return err
				}
				w := tabwriter.NewWriter(app.Stdout, 2, 4, 2, ' ', 0)
				fmt.Fprintln(w, "LABEL\tVERSION\tFAMILIES\tPERSONS\tCREATED_BY\tCREATED_AT")
				for _, s := range ss {
					fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\n", s.Label, s.Version, count(s.Families), count(s.Persons),
						s.CreatedBy, s.CreatedAt.Format(time.RFC3339))
				}
				return w.Flush()
			})
		},
	}
}

// count shows a count that may be hidden from a scoped actor.
func count(n *int64) string {
	if n == nil {
		return "-"
	}
	return strconv.FormatInt(*n, 10)
}

func (app *App) diffCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "diff A B",
		Short: "Count the families added, removed and changed between snapshots A and B; --out writes them as CSV",
		Long: "Prints the counts as one JSON object. With --out FILE.csv, writes one line per family\n" +
			"(id, masked KK number, village code, kind, summary of the changes). Only families within\n" +
			"the user's scope are counted and listed.",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return app.withActor(cmd, func(ctx context.Context, d *db.DB) error {
				var (
					diff registry.Diff
					err  error
				)
				if out == "" {
					diff, err = registry.DiffSnapshots(ctx, d, args[0], args[1], registry.DiffOptions{}, nil)
				} else {
					diff, err = writeDiffCSV(ctx, d, args[0], args[1], out)
				}
				if err != nil {
					return err
				}
				if diff.Swapped {
					fmt.Fprintf(app.Stderr, "catatan: %s lebih baru dari %s; selisih dihitung dari %s ke %s\n", args[0], args[1], diff.From, diff.To)
				}
				return app.printJSON(diff)
			})
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "write the families to this CSV file")
	return cmd
}

// diffHeader names the columns of the diff CSV.
var diffHeader = []string{"id", "no_kk", "kode_wilayah", "jenis", "ringkasan"}

// writeDiffCSV streams the diff's families into path. The file appears
// only whole: it is written beside path and renamed at the end.
func writeDiffCSV(ctx context.Context, d *db.DB, a, b, path string) (diff registry.Diff, err error) {
	err = writeFile(path, func(out io.Writer) error {
		w := csv.NewWriter(out)
		w.Write(diffHeader)
		diff, err = registry.DiffSnapshots(ctx, d, a, b, registry.DiffOptions{}, func(df registry.DiffFamily) error {
			return w.Write([]string{strconv.FormatInt(df.ID, 10), df.NoKK, df.KodeWilayah, df.Kind, df.Summary})
		})
		if err != nil {
			return err
		}
		w.Flush()
		return w.Error()
	})
	return diff, err
}
