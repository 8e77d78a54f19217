package main

import (
	"bufio"
	"fmt"
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"tepat"
	"tepat/synth"
)

func init() { extraCommands = append(extraCommands, (*App).genCmd) }

func (app *App) genCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "gen", Short: "Generate synthetic data"}
	var opt synth.Options
	var out string
	households := &cobra.Command{
		Use:   "households",
		Short: "Write a synthetic household file (CSV, docs/formats.md); same seed, same bytes",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opt.Families < 0 {
				return usageError{fmt.Errorf("--families must not be negative")}
			}
			var w io.Writer = app.Stdout
			if out != "" && out != "-" {
				f, err := os.Create(out)
				if err != nil {
					return tepat.Reasonf(tepat.EINVALID, "FILE_TIDAK_DAPAT_DITULIS", "tidak dapat menulis %s: %v", out, err)
				}
				defer f.Close()
				bw := bufio.NewWriterSize(f, 1<<20)
				defer bw.Flush()
				w = bw
				if bar := app.progress(opt.Families, "families"); bar != nil {
					opt.Progress = func(n int64) { bar.Set64(n) }
					defer bar.Finish()
				}
			}
			st, err := synth.WriteHouseholds(w, opt)
			if err != nil {
				return err
			}
			if bw, ok := w.(*bufio.Writer); ok {
				if err := bw.Flush(); err != nil {
					return fmt.Errorf("write %s: %w", out, err)
				}
			}
			if out != "" && out != "-" {
				fmt.Fprintf(app.Stderr, "wrote %d families, %d persons to %s\n", st.Families, st.Persons, out)
			}
			return nil
		},
	}
	households.Flags().Int64Var(&opt.Families, "families", 1000, "number of families (KK)")
	households.Flags().Uint64Var(&opt.Seed, "seed", 1, "random seed")
	households.Flags().StringVar(&opt.Region, "region", "", "limit to one province, regency or district (code)")
	households.Flags().StringVar(&out, "out", "-", "output file (- for standard output)")
	cmd.AddCommand(households)
	return cmd
}

// progress returns a progress bar on stderr when stderr is a terminal, or nil.
func (app *App) progress(max int64, what string) *progressbar.ProgressBar {
	f, ok := app.Stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return progressbar.NewOptions64(max,
		progressbar.OptionSetWriter(f),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString(what),
		progressbar.OptionThrottle(200_000_000),
		progressbar.OptionClearOnFinish(),
	)
}
