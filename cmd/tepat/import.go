package main

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"

	"tepat"
	"tepat/db"
	"tepat/registry"
)

func init() { extraCommands = append(extraCommands, (*App).importCmd) }

func (app *App) importCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "import", Short: "Import data into the registry"}
	var errorsOut string
	var strict, chunked bool
	var chunk int
	households := &cobra.Command{
		Use:   "households FILE",
		Short: "Import a household file (CSV or XLSX, docs/formats.md) into the registry",
		Long: "Imports a household file. A family is accepted or rejected whole; a family already in the\n" +
			"registry is replaced by the file's version; importing the same file again changes nothing.\n" +
			"Prints a JSON summary. Exit 0 when the file was processed; with --strict nothing is applied\n" +
			"and the exit is 1 if any row is rejected; exit 2 when the file is unusable as a whole.\n" +
			"Into an empty registry the file is one bulk load (one transaction, indexes built at the end);\n" +
			"otherwise it is applied in chunks of --chunk families, each its own transaction.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := args[0]
			if errorsOut != "" {
				// Fail before the import, not after, if the report cannot be written.
				f, err := os.Create(errorsOut)
				if err != nil {
					return tepat.Reasonf(tepat.EINVALID, "FILE_TIDAK_DAPAT_DITULIS", "tidak dapat menulis %s: %v", errorsOut, err)
				}
				f.Close()
			}
			importGC()
			return app.withActor(cmd, func(ctx context.Context, d *db.DB) error {
				opt := registry.ImportOptions{Strict: strict, Chunk: chunk, Chunked: chunked, Log: app.logger}
				if st, err := os.Stat(path); err == nil {
					if bar := app.progress(st.Size()/128, "rows"); bar != nil {
						opt.Progress = func(rows int64) { bar.Set64(rows) }
						opt.Step = func(what string) { // the rows are all read
							bar.Finish()
							fmt.Fprintln(app.Stderr, what+"…")
						}
						defer bar.Finish()
					}
				}
				sum, err := registry.Import(ctx, d, path, opt)
				if err != nil {
					if tepat.ErrorCode(err) == tepat.EINVALID || tepat.ErrorCode(err) == tepat.ENOTFOUND {
						return app.fileUnusable(path, err)
					}
					return err
				}
				if errorsOut != "" {
					if err := app.writeReport(ctx, d, sum.JobID, errorsOut); err != nil {
						return err
					}
				}
				if err := app.printJSON(sum); err != nil {
					return err
				}
				if strict && sum.FamiliesRejected > 0 {
					fmt.Fprintf(app.Stderr, "tepat: mode ketat: %d keluarga ditolak, tidak ada yang diterapkan\n", sum.FamiliesRejected)
					return exitError{exitFailed}
				}
				return nil
			})
		},
	}
	households.Flags().StringVar(&errorsOut, "errors", "", "write the error report here (.csv or .xlsx)")
	households.Flags().BoolVar(&strict, "strict", false, "apply nothing if any row is rejected (exit 1)")
	households.Flags().IntVar(&chunk, "chunk", 5000, "families per transaction (per batch in a bulk load)")
	households.Flags().BoolVar(&chunked, "chunked", false, "commit chunk by chunk even into an empty registry (default there: one bulk load)")
	cmd.AddCommand(households)
	return cmd
}

// importGC tunes the garbage collector for a long import, unless GOGC or
// GOMEMLIMIT say otherwise: collect half as often (5–10 % less time), but
// keep the heap under a soft limit of 600 MiB, so that the process stays
// under 1 GiB whatever the file's size.
func importGC() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(600 << 20)
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
}

// writeReport writes an import's error report to path (format by extension).
func (app *App) writeReport(ctx context.Context, d *db.DB, jobID int64, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return tepat.Reasonf(tepat.EINVALID, "FILE_TIDAK_DAPAT_DITULIS", "tidak dapat menulis %s: %v", path, err)
	}
	if err := registry.WriteErrorReport(ctx, d, jobID, registry.ReportFormat(path), f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
