package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"tepat"
	"tepat/household"
)

func init() { extraCommands = append(extraCommands, (*App).householdCmd) }

func (app *App) householdCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "household", Short: "Work with household files (docs/formats.md)"}
	var max int
	check := &cobra.Command{
		Use:   "check FILE",
		Short: "Validate a household file (CSV or XLSX): one line per problem, then a JSON summary",
		Long: "Validates a household file without touching the database. Prints each problem as\n" +
			"LINE:COLUMN FIELD CODE MESSAGE on stdout, then a JSON summary. Exit 0 when no row has an\n" +
			"error, 1 when some do, 2 when the file is unusable as a whole.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := household.Open(args[0], household.Options{})
			if err != nil {
				return app.fileUnusable(args[0], err)
			}
			defer r.Close()
			shown := 0
			show := func(p household.Problem) {
				if max <= 0 || shown < max {
					fmt.Fprintf(app.Stdout, "%s\t%s\n", p.Code, p.String())
				}
				shown++
			}
			for _, p := range r.Warnings() {
				show(p)
			}
			for r.Next() {
				f := r.Family()
				for _, p := range f.Problems {
					show(p)
				}
			}
			if err := r.Err(); err != nil {
				return app.fileUnusable(args[0], err)
			}
			if max > 0 && shown > max {
				fmt.Fprintf(app.Stdout, "… %d more problems not shown\n", shown-max)
			}
			st := r.Stats()
			if err := app.printJSON(map[string]any{
				"rows": st.Rows, "families": st.Families, "families_invalid": st.InvalidFamilies,
				"errors": st.Errors, "warnings": st.Warnings,
			}); err != nil {
				return err
			}
			if st.Errors > 0 {
				return exitError{exitFailed}
			}
			return nil
		},
	}
	check.Flags().IntVar(&max, "max", 1000, "show at most this many problems (0: all)")
	cmd.AddCommand(check)
	return cmd
}

// fileUnusable reports an error that makes a whole file unusable: its
// message (with line and column where known) and exit code 2.
func (app *App) fileUnusable(path string, err error) error {
	if p, ok := household.FileProblem(err); ok {
		fmt.Fprintf(app.Stderr, "tepat: %s: %s: %s\n", path, p.Code, p.String())
		return exitError{exitUsage}
	}
	if tepat.ErrorCode(err) == tepat.EINTERNAL {
		return err
	}
	fmt.Fprintf(app.Stderr, "tepat: %s: %s\n", path, tepat.ErrorMessage(err))
	return exitError{exitUsage}
}
